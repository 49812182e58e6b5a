"""Tables of the meetings app."""

from django.db import models  # noqa: F401
