""" "Verify now": the live verification of a process's record (ledger.verify.verify_log) as a
background job whose progress and result the verify page polls, told in words.

Why a job: on a big log the check reads every entry and every recorded row (minutes for
millions of acts); a request must not wait for it. Why the cache: the job's state is small,
short-lived and not a record of the process (Redis in production, shared by every instance and
the worker; in-process memory in embedded mode, where the worker runs in the server process).

What a finding names is decided per reader when the page is shown, not when the job runs: an
act the reader may read is told in words (ledger.words) with its number and time; one they may
not read is only counted, never described.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.cache import cache
from django.utils import timezone

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import Forbidden
from accord.core.models import Member
from accord.core.roles import Perm
from accord.ledger import signing, words
from accord.ledger.models import Entry, Log

log_errors = logging.getLogger("accord.ledger")
KEEP = 7 * 24 * 3600  # seconds a finished result stays on the page
STALE = 10 * 60  # a job queued or running this long without progress is taken as lost


def _key(viewer_or_process) -> str:
    process = getattr(viewer_or_process, "process", viewer_or_process)
    # the creation time keeps test databases (which reuse ids) from seeing each other's jobs
    return f"accord:verify:{process.pk}:{int(process.created_at.timestamp() * 1e6)}"


def _now() -> str:
    return timezone.now().isoformat()


def _require(viewer: Viewer) -> None:
    if viewer.member is None:
        access.require(viewer, Perm.VERIFY_LEDGER)  # 404: not a member
    if not viewer.can(Perm.VERIFY_LEDGER):
        raise Forbidden(
            "checking the record needs a role in this process; ask a coordinator for one"
        )


def start(viewer: Viewer) -> dict:
    """Queue a live verification of the viewer's process (members with Perm.VERIFY_LEDGER).
    A job already queued or running is returned instead of a second one."""
    _require(viewer)
    current = cache.get(_key(viewer))
    if current and current["state"] in ("queued", "running") and not stale(current):
        return current
    log = Log.objects.filter(process=viewer.process).first()
    job = {
        "id": uuid.uuid4().hex,
        "state": "queued",
        "by": viewer.member.pk,
        "queued_at": _now(),
        "touched_at": _now(),
        "done": 0,
        "total": log.size if log else 0,
    }
    cache.set(_key(viewer), job, KEEP)
    from accord.ledger.tasks import verify_process

    verify_process(viewer.process.pk, job["id"])
    return cache.get(_key(viewer)) or job


def status(viewer: Viewer) -> dict | None:
    """The latest job of the viewer's process (None before the first)."""
    _require(viewer)
    return cache.get(_key(viewer))


def stale(job: dict) -> bool:
    touched = datetime.fromisoformat(job.get("touched_at") or job["queued_at"])
    return (timezone.now() - touched).total_seconds() > STALE


def run(process_id: int, job_id: str) -> None:
    """The job itself (called by the worker): verify, keeping progress and result in the cache."""
    from accord.core.models import Process
    from accord.ledger.services import signing_key
    from accord.ledger.verify import verify_log

    process = Process.objects.get(pk=process_id)
    key = _key(process)
    job = cache.get(key)
    if not job or job["id"] != job_id:
        return  # replaced by a newer job
    log = Log.objects.filter(process=process).first()
    job.update(state="running", started_at=_now(), touched_at=_now())
    cache.set(key, job, KEEP)

    def progress(done: int, total: int) -> None:
        job.update(done=done, total=total, touched_at=_now())
        cache.set(key, job, KEEP)

    try:
        if log is None:
            raise LookupError("this process has no record yet")
        report = verify_log(log, progress)
    except Exception:  # the page says the check could not finish; operators read the log
        log_errors.exception("live verification of process %s failed", process_id)
        job.update(state="failed", finished_at=_now(), touched_at=_now())
        cache.set(key, job, KEEP)
        return
    first = Entry.objects.filter(log=log, seq=0).values_list("time", flat=True).first()
    latest = log.heads.order_by("-size").values_list("size", flat=True).first() or 0
    job.update(
        state="done",
        finished_at=_now(),
        touched_at=_now(),
        ok=report.ok,
        entries=report.entries,
        heads=report.heads,
        signed=min(latest, report.entries),
        rows=report.rows_checked,
        first_time=first,
        key_id=signing.key_id(signing_key()),
        findings=[parse(p) for p in report.problems],
        done=report.entries,
        total=max(report.entries, job.get("total") or 0),
    )
    cache.set(key, job, KEEP)


# --- findings --------------------------------------------------------------------------------
# verify_log reports problems as sentences for operators; these patterns read them back into
# what the page needs (which act, which table and column). tests/ledger/test_verify_now.py
# tampers each way so a change of wording there fails here.
PATTERNS = [
    ("missing", re.compile(r"^entries (?P<seq>\d+)\.\.(?P<seq_to>\d+) are missing")),
    ("duplicate", re.compile(r"^entry (?P<seq>\d+) appears twice")),
    ("edited", re.compile(r"^entry (?P<seq>\d+) \(.*was edited")),
    ("signature", re.compile(r"^head at size (?P<size>\d+): signature does not verify")),
    ("rewritten", re.compile(r"^head at size (?P<size>\d+): signed root differs")),
    ("beyond", re.compile(r"^head at size (?P<size>\d+) is beyond")),
    ("count", re.compile(r"^log says (?P<size>\d+) entries")),
    ("frontier", re.compile(r"^stored frontier")),
    (
        "changed",
        re.compile(
            r"^table (?P<table>\S+) row (?P<row>\S+) column (?P<column>\S+): changed outside "
            r"Accord \(differs from entry (?P<seq>\d+)"
        ),
    ),
    (
        "deleted",
        re.compile(
            r"^table (?P<table>\S+) row (?P<row>\S+): deleted outside Accord "
            r"\(last recorded by entry (?P<seq>\d+)\)"
        ),
    ),
    ("inserted", re.compile(r"^table (?P<table>\S+) row (?P<row>\S+): inserted outside")),
]


def parse(problem: str) -> dict:
    """One problem of verify_log as data: {"kind", "seq", "seq_to", "size", "table", "column"}."""
    for kind, pattern in PATTERNS:
        m = pattern.match(problem)
        if m:
            found = {k: v for k, v in m.groupdict().items() if v is not None}
            for k in ("seq", "seq_to", "size"):
                if k in found:
                    found[k] = int(found[k])
            found.pop("row", None)  # a row id says nothing to people and may be protected
            return {"kind": kind, **found}
    return {"kind": "other"}


@dataclass
class Told:
    """A finding in words for one reader: what went wrong, and the act it concerns."""

    what: str
    act: words.Line | None = None  # the act in words, when the reader may read it
    seq: int | None = None
    when: datetime | None = None
    hidden: bool = False  # an act the reader may not read: neither its number nor its content

    @property
    def seq_text(self) -> str:
        return f"{self.seq:,}" if self.seq is not None else ""


def _thing(table: str | None) -> str:
    """The kind of row a table holds, in words ("message"), from its model."""
    for model in apps.get_models():
        if model._meta.db_table == table:
            return str(model._meta.verbose_name)
    return "record"


def tell(viewer: Viewer, job: dict) -> list[Told]:
    """The findings of a finished job, in words, for this viewer (see the module docstring)."""
    findings = job.get("findings") or []
    seqs = {f["seq"] for f in findings if "seq" in f}
    log = Log.objects.filter(process=viewer.process).first()
    by_seq: dict[int, Entry] = {}
    if log is not None and seqs:
        qs = Entry.objects.filter(log=log, seq__in=seqs).select_related("label")
        by_seq = {e.seq: e for e in qs}
    readable = {s: e for s, e in by_seq.items() if access.can_read_label_id(viewer, e.label_id)}
    said = {line.newest.seq: line for line in words.lines(viewer, readable.values())}
    out: list[Told] = []
    for f in findings:
        kind, seq = f["kind"], f.get("seq")
        line = said.get(seq) if seq is not None else None
        hidden = seq is not None and seq in by_seq and seq not in readable
        when = words.parse_time(by_seq[seq].time) if line is not None else None
        column = str(f.get("column", "")).replace("_", " ")
        what = {
            "changed": f"its {column} was changed in the database outside Accord: it no "
            "longer matches what the act recorded",
            "deleted": "what it recorded was deleted from the database outside Accord",
            "edited": "the act itself was edited in the record: it no longer gives its hash",
            "duplicate": "the act appears twice in the record",
            "missing": f"acts no. {f.get('seq', 0):,} to {f.get('seq_to', 0):,} are missing "
            "from the record (deleted)",
            "signature": f"the signed head at {f.get('size', 0):,} acts does not verify with "
            "the ledger key",
            "rewritten": f"the record was rewritten after its head at {f.get('size', 0):,} "
            "acts was signed",
            "beyond": f"a signed head claims {f.get('size', 0):,} acts, more than the record holds",
            "count": "the record's count of acts differs from the acts it holds",
            "frontier": "the record's stored tree differs from the tree of its acts",
            "inserted": f"a {_thing(f.get('table'))} was added to the database outside Accord, "
            "with no act recording it",
        }.get(kind, "another inconsistency was found")
        if kind == "missing":
            out.append(Told(what))
        elif hidden:  # rule 4: not its number, nor what changed in it (a column names a kind)
            what = {
                "changed": "what it recorded was changed in the database outside Accord",
                "deleted": "what it recorded was deleted from the database outside Accord",
            }.get(kind, what)
            out.append(Told(what, hidden=True))
        else:
            out.append(Told(what, line, seq, when))
    return out


def by_member(viewer: Viewer, job: dict) -> Member | None:
    """Who started the job (shown through {% person %}, which applies the people rule)."""
    pk = job.get("by")
    if pk is None:
        return None
    return (
        Member.objects.filter(pk=pk, process=viewer.process).select_related("user", "party").first()
    )
