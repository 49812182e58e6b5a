"""`accord ledger verify --process SLUG`: check the live database the way a bundle is checked,
and also recompute every recorded row, so an edit made directly in the database is named.

Checks: gap-free sequence; each entry's leaf recomputed from its columns equals its stored leaf
hash; the tree recomputed from those leaves matches the log's frontier and every signed head
(whose signature must verify); and every row that a recorded act covers still has the state its
latest entry recorded (field by field; the recorded state is itself covered by the leaf hash), or was deleted or
inserted behind the application's back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps

from accord.ledger import signing
from accord.ledger.compact import Frontier
from accord.ledger.merkle import leaf_hash
from accord.ledger.models import Entry, Log
from accord.ledger.services import leaf_bytes, signing_key
from accord.ledger.state import snapshot

MAX_PROBLEMS = 200


@dataclass
class LiveReport:
    log: str
    entries: int = 0
    heads: int = 0
    rows_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def head_dict(head, log_name: str) -> dict:
    return {
        "process": log_name,
        "size": head.size,
        "root": signing.b64encode(bytes(head.root)),
        "timestamp": head.timestamp,
        "key_id": head.key_id,
        "signature": signing.b64encode(bytes(head.signature)),
    }


def verify_log(log: Log, progress: Callable[[int, int], None] | None = None) -> LiveReport:
    report = LiveReport(log=log.name)
    public = signing.public_key_b64(signing_key())
    heads = {h.size: h for h in log.heads.all()}
    frontier = Frontier()
    latest: dict[tuple[str, str], Entry] = {}
    expected = 0
    total = log.size
    qs = Entry.objects.filter(log=log).order_by("seq")
    for entry in qs.iterator(chunk_size=5000):
        if entry.seq != expected:
            if entry.seq > expected:
                report.add(
                    f"entries {expected}..{entry.seq - 1} are missing (deleted from ledger_entry)"
                )
            else:
                report.add(f"entry {entry.seq} appears twice or out of order")
            expected = entry.seq
        digest = leaf_hash(leaf_bytes(entry, log.name))
        if digest != bytes(entry.leaf_hash):
            report.add(
                f"entry {entry.seq} ({entry.action} {entry.subject_type}:{entry.subject_id}): "
                f"ledger_entry row id {entry.pk} was edited — its columns no longer give its leaf hash"
            )
        frontier.append(digest)
        expected += 1
        report.entries += 1
        head = heads.get(frontier.size)
        if head is not None:
            report.heads += 1
            if not signing.verify_head(public, head_dict(head, log.name)):
                report.add(f"head at size {head.size}: signature does not verify")
            if bytes(head.root) != frontier.root():
                report.add(
                    f"head at size {head.size}: signed root differs from the root of entries "
                    f"0..{head.size - 1} (the ledger was rewritten)"
                )
        if isinstance(entry.payload, dict) and "state" in entry.payload:
            latest[(entry.subject_type, entry.subject_id)] = entry
        if progress and report.entries % 10000 == 0:
            progress(report.entries, total)
    if report.entries != log.size:
        report.add(f"log says {log.size} entries, ledger_entry holds {report.entries}")
    if bytes(log.frontier) and Frontier.from_bytes(bytes(log.frontier)).root() != frontier.root():
        report.add("stored frontier of the log differs from the tree of its entries")
    for size in sorted(set(heads) - set(range(1, report.entries + 1))):
        report.add(f"head at size {size} is beyond the {report.entries} entries present")
    _check_rows(log, latest, report)
    if progress:
        progress(report.entries, total)
    return report


def _check_rows(log: Log, latest: dict[tuple[str, str], Entry], report: LiveReport) -> None:
    """Compare each recorded row with the state its latest entry committed to."""
    by_type: dict[str, dict[str, Entry]] = {}
    for (stype, sid), entry in latest.items():
        by_type.setdefault(stype, {})[sid] = entry
    for stype, entries in by_type.items():
        try:
            model = apps.get_model(stype)
        except (LookupError, ValueError):
            continue
        table = model._meta.db_table
        rows = {str(o.pk): o for o in model.objects.filter(pk__in=list(entries))}
        for sid, entry in entries.items():
            row = rows.get(sid)
            recorded = entry.payload["state"]
            if row is None:
                if not entry.action.endswith(".delete"):
                    report.add(
                        f"table {table} row {sid}: deleted outside Accord (last recorded by entry {entry.seq})"
                    )
                continue
            report.rows_checked += 1
            current = snapshot(row) or {}
            for name, value in current.items():
                if name in recorded and value != recorded[name]:
                    report.add(
                        f"table {table} row {sid} column {name}: changed outside Accord "
                        f"(differs from entry {entry.seq}, {entry.action})"
                    )
        scope = getattr(model, "ledger_scope", None)
        if scope is not None and log.process_id is not None:
            present = model.objects.filter(**{scope: log.process_id}).values_list("pk", flat=True)
            for pk in present:
                if str(pk) not in entries:
                    report.add(
                        f"table {table} row {pk}: inserted outside Accord (no entry records it)"
                    )
