"""`record()`: the one call every state-changing service makes, inside its own transaction.

The act and its entry commit or fail together; the log row is locked while appending, so the
sequence is gap-free under concurrent writers; a signed tree head follows each committed batch.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model

from accord.core.labels import PUBLIC, LabelValue
from accord.core.models import Label, Member, Process
from accord.ledger import signing
from accord.ledger.compact import Frontier
from accord.ledger.entry import entry_bytes
from accord.ledger.merkle import leaf_hash
from accord.ledger.models import Entry, Head, Log, Node
from accord.ledger.state import commit, seal, snapshot, subject_type

log = logging.getLogger("accord.ledger")
SYSTEM_LOG = "system"


@dataclass(frozen=True)
class Act:
    """One act to record (used by record_many for batched appends)."""

    actor: Any
    action: str
    subject: Model | tuple[str, str]
    payload: dict | None = None
    label: LabelValue | Label | None = None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@lru_cache(maxsize=1)
def signing_key():
    """The deployment's Ed25519 key, generated into the data dir on first start."""
    return signing.load_or_create_key(settings.ACCORD["LEDGER_KEY_PATH"])


def log_for(process: Process | None) -> Log:
    """The process's log (or the system log), created on first use."""
    name = SYSTEM_LOG if process is None else process.slug
    try:
        with transaction.atomic():
            obj, _ = Log.objects.get_or_create(process=process, defaults={"name": name})
    except IntegrityError:
        obj = Log.objects.get(process=process)
    return obj


def _actor(actor: Any) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, Member):
        return actor.user, f"{actor.user.get_username()}@{actor.party.code}"
    if hasattr(actor, "get_username"):
        return actor, actor.get_username()
    return None, str(actor)


def _process_of(subject: Any) -> Process | None:
    """The process a subject belongs to: itself, or along its model's `ledger_scope` path."""
    if isinstance(subject, Process):
        return subject
    obj = subject
    for attr in getattr(subject, "ledger_scope", "process").split("__"):
        obj = getattr(obj, attr, None)
    return obj if isinstance(obj, Process) else None


def _label_of(
    process: Process | None, label: Any, subject: Any
) -> tuple[Label | None, dict | None]:
    from accord.core.access import label_row

    if isinstance(label, Label):
        return label, label.value.as_dict()
    if label is None:
        row = getattr(subject, "label", None)
        if isinstance(row, Label):
            return row, row.value.as_dict()
        label = PUBLIC
    if process is None:
        return None, label.as_dict()
    return label_row(process, label), label.as_dict()


def is_sealed(label_data: dict | None) -> bool:
    """Entries with any label stricter than the public one hold commitments, not content."""
    return bool(label_data) and LabelValue.from_dict(label_data) != PUBLIC


def leaf_bytes(entry: Entry, log_name: str) -> bytes:
    """The Merkle leaf of an entry, recomputed from its columns (also used by verify)."""
    salt = bytes(entry.salt)
    sealed = is_sealed(entry.label_data)
    return entry_bytes(
        process=log_name,
        seq=entry.seq,
        time=entry.time,
        actor=commit(salt + b"actor", entry.actor_name) if sealed else entry.actor_name,
        action=entry.action,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        payload=seal(entry.payload, salt) if sealed else entry.payload,
        label=entry.label_data or {},
    )


def record(
    actor: Any,
    action: str,
    subject: Model | tuple[str, str],
    payload: dict | None = None,
    label: LabelValue | Label | None = None,
    *,
    process: Process | None = None,
) -> Entry:
    """Append one entry for an act; call it inside the act's transaction."""
    return record_many([Act(actor, action, subject, payload, label)], process=process)[0]


def record_many(acts: Sequence[Act], *, process: Process | None = None) -> list[Entry]:
    """Append several entries under one lock (the batched path; same rules as record)."""
    if not acts:
        return []
    if process is None:
        process = _process_of(acts[0].subject)
    target = log_for(process)
    with transaction.atomic():
        locked = Log.objects.select_for_update().get(pk=target.pk)
        frontier = Frontier.from_bytes(bytes(locked.frontier))
        entries: list[Entry] = []
        nodes: list[Node] = []
        for act in acts:
            seq = locked.size
            user, actor_name = _actor(act.actor)
            if isinstance(act.subject, Model):
                stype, sid = subject_type(act.subject), str(act.subject.pk)
                state = snapshot(act.subject)
            else:
                (stype, sid), state = act.subject, None
            body = dict(act.payload or {})
            if state is not None:
                body["state"] = state
            label_obj, label_data = _label_of(process, act.label, act.subject)
            salt = os.urandom(16)
            time = now_iso()
            entry = Entry(
                log=locked,
                seq=seq,
                time=time,
                actor=user,
                actor_name=actor_name,
                action=act.action,
                subject_type=stype,
                subject_id=sid,
                payload=body,
                label=label_obj,
                label_data=label_data,
                salt=salt,
            )
            entry.leaf_hash = digest = leaf_hash(leaf_bytes(entry, locked.name))
            for level, index, h in frontier.append(digest):
                nodes.append(Node(log=locked, level=level, index=index, hash=h))
            entries.append(entry)
            locked.size += 1
        Entry.objects.bulk_create(entries)
        Node.objects.bulk_create(nodes)
        locked.frontier = frontier.to_bytes()
        locked.save(update_fields=["size", "frontier"])
        log_id = locked.pk
        transaction.on_commit(lambda: sign_head(log_id))
    return entries


def sign_head(log_id: int) -> Head | None:
    """Sign the current tree head of a log if it grew since the last head."""
    with transaction.atomic():
        lg = Log.objects.select_for_update().get(pk=log_id)
        if lg.size == 0 or lg.size == lg.head_size:
            return None
        root = Frontier.from_bytes(bytes(lg.frontier)).root()
        head = signing.sign_head(signing_key(), lg.name, lg.size, root, now_iso())
        obj = Head.objects.create(
            log=lg,
            size=lg.size,
            root=root,
            timestamp=head["timestamp"],
            key_id=head["key_id"],
            signature=signing.b64decode(head["signature"]),
        )
        lg.head_size = lg.size
        lg.save(update_fields=["head_size"])
        return obj


def sign_pending_heads() -> int:
    """Sign a head for every log that grew since its last head (run at least every minute)."""
    count = 0
    for log_id in Log.objects.exclude(size=0).values_list("pk", flat=True):
        if sign_head(log_id) is not None:
            count += 1
    return count
