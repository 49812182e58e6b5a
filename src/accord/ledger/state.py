"""Snapshots of recorded rows, so `accord ledger verify` can tell an edit made behind the
application's back (the row no longer matches the state its latest entry recorded).

A model opts in with `ledger_fields` (recorded as values) and `ledger_hashed` (recorded as a
content hash, so the log itself leaks no labelled content).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model

from accord.ledger.entry import content_hash


def subject_type(obj: Model) -> str:
    return obj._meta.label_lower


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def snapshot(obj: Model) -> dict[str, Any] | None:
    """The recorded state of a row, or None for models that do not opt in."""
    fields = getattr(obj, "ledger_fields", None)
    if fields is None:
        return None
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = _plain(getattr(obj, field.attname))
    for name in getattr(obj, "ledger_hashed", ()):
        value = getattr(obj, name)
        out[name] = content_hash(value if isinstance(value, bytes) else str(value or ""))
    return out
