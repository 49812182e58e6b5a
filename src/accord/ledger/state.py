"""Snapshots of recorded rows, so `accord ledger verify` can tell an edit made behind the
application's back (the row no longer matches the state its latest entry recorded).

A model opts in with `ledger_fields`. Entries with a label stricter than public hold salted
commitments to these values instead of the values (see `seal`), so the log leaks nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model

from accord.ledger.entry import canonical_json


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
    return out


def commit(salt: bytes, value: Any) -> str:
    """A hiding, binding commitment to a value: sha256(salt ‖ canonical JSON of the value)."""
    return "sha256:" + hashlib.sha256(salt + canonical_json(value)).hexdigest()


def seal(payload: dict[str, Any], salt: bytes) -> dict[str, Any]:
    """What the leaf of a labelled entry holds: commitments instead of content.

    Each top-level value, and each field of the recorded state separately (so that verify can
    name the column that was changed behind the application's back), becomes a commitment.
    The salt stays in the database: exported bundles prove integrity without revealing content.
    """
    out: dict[str, Any] = {"sealed": True}
    for key, value in payload.items():
        if key == "state" and isinstance(value, dict):
            out["state"] = {f: commit(salt + f.encode(), v) for f, v in value.items()}
        else:
            out[key] = commit(salt + key.encode(), value)
    return out
