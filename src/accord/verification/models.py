"""Tables of the verification app."""

from django.db import models  # noqa: F401
