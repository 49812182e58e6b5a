"""Tables of the alignment app."""

from django.db import models  # noqa: F401
