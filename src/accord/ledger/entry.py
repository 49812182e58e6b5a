"""Canonical bytes of a ledger entry (the Merkle leaf data).

The leaf must be reproducible byte for byte from the stored columns, by this code or by an
independent verifier, so the encoding is fixed: JSON with sorted keys, no whitespace
(separators ``,`` and ``:``), non-ASCII kept as UTF-8 (``ensure_ascii=False``), no NaN/Infinity.
Only JSON types are accepted (dict with str keys, list/tuple, str, int, float, bool, None);
datetimes and the like must be formatted by the caller, so the encoding never depends on a
library's default formatting.  JSON escapes control characters, so an encoded entry contains no
newline byte and can be stored one per line (see :mod:`accord.ledger.bundle`).

Entry layout (version 1)::

    {"action": str, "actor": str | null, "label": {...}, "payload": {...}, "process": str,
     "seq": int, "subject": {"id": str, "type": str}, "time": str, "v": 1}

``seq`` is the entry's 0-based position in its process log (= its Merkle leaf index).
Labelled content should enter ``payload`` only as :func:`content_hash` values so the log itself
leaks nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

__all__ = [
    "ENTRY_VERSION",
    "canonical_json",
    "content_hash",
    "decode_entry",
    "entry_bytes",
]

ENTRY_VERSION = 1
_ENTRY_KEYS = frozenset(
    {"v", "process", "seq", "time", "actor", "action", "subject", "payload", "label"}
)
_MAX_DEPTH = 64


def _check(obj: Any, depth: int = 0) -> None:
    """Reject anything json.dumps would silently coerce (tuple keys, int keys, objects...)."""
    if depth > _MAX_DEPTH:
        raise ValueError("JSON nesting too deep")
    if obj is None or isinstance(obj, str | bool | int):
        return
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError("NaN and Infinity are not JSON")
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"JSON object keys must be str, not {type(k).__name__}")
            _check(v, depth + 1)
        return
    if isinstance(obj, list | tuple):
        for v in obj:
            _check(v, depth + 1)
        return
    raise TypeError(f"{type(obj).__name__} is not a JSON type (format it first)")


def canonical_json(obj: Any) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, compact separators, no NaN, JSON types only.

    Raises TypeError for non-JSON types and ValueError for NaN/Infinity or lone surrogates.
    """
    _check(obj)
    text = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"string is not valid Unicode: {exc.reason}") from None


def entry_bytes(
    *,
    process: str,
    seq: int,
    time: str,
    actor: str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: dict,
    label: dict,
) -> bytes:
    """The leaf data of one entry; identical inputs always give identical bytes."""
    for name, value in (
        ("process", process),
        ("time", time),
        ("action", action),
        ("subject_type", subject_type),
        ("subject_id", subject_id),
    ):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if not process:
        raise ValueError("process must not be empty")
    if actor is not None and not isinstance(actor, str):
        raise TypeError(f"actor must be str or None, not {type(actor).__name__}")
    if type(seq) is not int or seq < 0:
        raise ValueError(f"seq must be a non-negative int, not {seq!r}")
    if not isinstance(payload, dict) or not isinstance(label, dict):
        raise TypeError("payload and label must be dicts")
    return canonical_json(
        {
            "v": ENTRY_VERSION,
            "process": process,
            "seq": seq,
            "time": time,
            "actor": actor,
            "action": action,
            "subject": {"type": subject_type, "id": subject_id},
            "payload": payload,
            "label": label,
        }
    )


def content_hash(content: str | bytes) -> str:
    """``sha256:<hex>`` of labelled content (str is UTF-8 encoded): commits without disclosing."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    elif isinstance(content, bytearray | memoryview):
        content = bytes(content)
    elif not isinstance(content, bytes):
        raise TypeError(f"content_hash takes str or bytes, not {type(content).__name__}")
    return "sha256:" + hashlib.sha256(content).hexdigest()


def decode_entry(data: bytes, *, strict: bool = True) -> dict:
    """Parse leaf bytes back into the entry dict.

    Raises ValueError if the bytes are not a version-1 entry or (``strict``) not in canonical
    form — a non-canonical leaf could not have been produced by :func:`entry_bytes`.
    """
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"entry is not UTF-8 JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ValueError("entry is not a JSON object")
    if set(obj) != _ENTRY_KEYS:
        missing = sorted(_ENTRY_KEYS - set(obj))
        extra = sorted(set(obj) - _ENTRY_KEYS)
        raise ValueError(f"entry keys wrong (missing {missing}, unexpected {extra})")
    if obj["v"] != ENTRY_VERSION or type(obj["v"]) is not int:
        raise ValueError(f"unsupported entry version {obj['v']!r}")
    seq = obj["seq"]
    if type(seq) is not int or seq < 0:
        raise ValueError(f"entry seq must be a non-negative int, not {seq!r}")
    if not all(isinstance(obj[k], str) for k in ("process", "time", "action")):
        raise ValueError("entry process, time and action must be strings")
    if obj["actor"] is not None and not isinstance(obj["actor"], str):
        raise ValueError("entry actor must be a string or null")
    subject = obj["subject"]
    if (
        not isinstance(subject, dict)
        or set(subject) != {"type", "id"}
        or not all(isinstance(v, str) for v in subject.values())
    ):
        raise ValueError('entry subject must be {"id": str, "type": str}')
    if not isinstance(obj["payload"], dict) or not isinstance(obj["label"], dict):
        raise ValueError("entry payload and label must be objects")
    if strict:
        try:
            again = canonical_json(obj)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"entry cannot be re-encoded: {exc}") from None
        if again != bytes(data):
            raise ValueError("entry is not in canonical form")
    return obj
