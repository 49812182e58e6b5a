"""Tables of the implementation app."""

from django.db import models  # noqa: F401
