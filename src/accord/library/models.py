"""Tables of the library app."""

from django.db import models  # noqa: F401
