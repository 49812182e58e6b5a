"""Every state change of consultations: check policy, write, record, publish after commit.

Validation happens before the first write, and each write shares one transaction with its
ledger entry, so a refused request changes nothing (rule 6).

Who may do what: opening, closing and importing into a consultation is running a poll, so it
needs `Perm.RUN_MEETINGS` (coordinator and mediator: "meetings, minutes, decisions and polls").
Any member who may read a consultation's label takes part: adds statements and votes while it is
open. Votes are recorded in the ledger under an anonymous actor, as a salted commitment to
(participant, value) whose secret stays on the vote row: the act is in the tamper-evident record,
who voted what is not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accord.consult import queries
from accord.consult.models import STATEMENT_MAX, Consultation, Participant, Statement, Vote
from accord.core import access, events
from accord.core.access import Viewer
from accord.core.errors import Conflict, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.queries import valid_id
from accord.core.roles import Perm
from accord.ledger.services import Act, record, record_many

MANAGE = Perm.RUN_MEETINGS
DEFAULT_LEVEL = 1  # RESTRICTED, releasable to every party (capped at the creator's clearance)
ANONYMOUS = "anonymous participant"
MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_PARTICIPANTS = 20_000
MAX_IMPORT_STATEMENTS = 1_000


def _publish(c: Consultation, kind: str, obj_id: int) -> None:
    events.publish(c.process_id, {"kind": f"consult.{kind}", "id": obj_id, "label": c.label_id})


def _clean_text(text: str, what: str = "text") -> str:
    text = " ".join((text or "").split())
    if not text:
        raise Invalid(f"a statement needs a {what}", {what: "required"})
    if len(text) > STATEMENT_MAX:
        raise Invalid(
            f"a statement is at most {STATEMENT_MAX} characters (this one has {len(text)})",
            {what: "too long"},
        )
    return text


def _open(viewer: Viewer, c: Consultation) -> Consultation:
    """The consultation re-read through access (404 when unreadable), refused when closed."""
    c = queries.consultation(viewer, c.pk)
    if not c.is_open:
        raise Conflict("the consultation is closed", {"consultation": "closed"})
    return c


def create_consultation(
    viewer: Viewer,
    *,
    title: str,
    question: str = "",
    label: LabelValue | None = None,
    statements: list[str] | None = None,
) -> Consultation:
    """Open a consultation (coordinator or mediator), optionally with its first statements."""
    access.require(viewer, MANAGE)
    title = (title or "").strip()
    if not title:
        raise Invalid("a consultation needs a title", {"title": "required"})
    if len(title) > 200:
        raise Invalid("the title is at most 200 characters", {"title": "too long"})
    question = (question or "").strip()
    if len(question) > 2000:
        raise Invalid("the question is at most 2000 characters", {"question": "too long"})
    texts = [_clean_text(t) for t in (statements or []) if (t or "").strip()]
    if len({t.lower() for t in texts}) != len(texts):
        raise Invalid("statements must be distinct", {"statements": "duplicate"})
    label = label or LabelValue.of(min(DEFAULT_LEVEL, viewer.clearance))
    access.check_can_apply(viewer, label)
    process = viewer.process
    with transaction.atomic():
        row = access.label_row(process, label)
        c = Consultation.objects.create(
            process=process, title=title, question=question, label=row, created_by=viewer.member
        )
        record(viewer.member, "consult.create", c, {"title": title})
        for text in texts:
            s = Statement.objects.create(consultation=c, text=text, author=viewer.member, label=row)
            record(viewer.member, "consult.statement", s, {"consultation": c.pk})
    _publish(c, "created", c.pk)
    return c


def close_consultation(viewer: Viewer, c: Consultation) -> Consultation:
    """Close a consultation: no more statements or votes; its results stay readable."""
    access.require(viewer, MANAGE)
    c = _open(viewer, c)
    with transaction.atomic():
        c.status = Consultation.Status.CLOSED
        c.closed_at = timezone.now()
        c.save(update_fields=["status", "closed_at"])
        record(viewer.member, "consult.close", c, {})
    _publish(c, "closed", c.pk)
    return c


def add_statement(viewer: Viewer, c: Consultation, text: str) -> Statement:
    """Add a statement to an open consultation (any member who may read it)."""
    c = _open(viewer, c)
    text = _clean_text(text)
    if Statement.objects.filter(consultation=c, text__iexact=text).exists():
        raise Conflict("this statement is already in the consultation", {"text": "duplicate"})
    with transaction.atomic():
        s = Statement.objects.create(consultation=c, text=text, author=viewer.member, label=c.label)
        record(viewer.member, "consult.statement", s, {"consultation": c.pk})
    _publish(c, "statement", s.pk)
    return s


def ballot(nonce: str, participant_id: int, value: int) -> str:
    """The ledger's commitment to one vote (hiding without the nonce, binding with it)."""
    data = f"{nonce}|{participant_id}|{value}".encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def vote(viewer: Viewer, c: Consultation, statement_id: int, value: int) -> Vote:
    """Cast or change the viewer's vote on a statement while the consultation is open."""
    votes = cast_votes(viewer, c, {statement_id: value})
    return votes[0]


def cast_votes(viewer: Viewer, c: Consultation, votes: dict[int, int]) -> list[Vote]:
    """Cast or change several of the viewer's votes at once (all or none): one act, one
    anonymous ledger entry holding a commitment per changed vote; unchanged votes record
    nothing."""
    c = _open(viewer, c)
    if not votes:
        raise Invalid("no votes given", {"votes": "required"})
    for value in votes.values():
        if isinstance(value, bool) or value not in (-1, 0, 1):
            raise Invalid("a vote is 1 (agree), -1 (disagree) or 0 (pass)", {"value": "invalid"})
    wanted = [sid for sid in votes if valid_id(sid)]
    found = {
        st.pk: st
        for st in access.readable(Statement.objects.filter(consultation=c, pk__in=wanted), viewer)
    }
    if len(found) != len(votes):
        raise NotFound("statement not found")
    out: list[Vote] = []
    changed: list[tuple[int, str]] = []
    with transaction.atomic():
        participant, _ = Participant.objects.get_or_create(consultation=c, member=viewer.member)
        existing = {
            v.statement_id: v
            for v in Vote.objects.select_for_update().filter(
                participant=participant, statement_id__in=wanted
            )
        }
        for sid, value in sorted(votes.items()):
            v = existing.get(sid)
            if v is not None and v.value == value:
                out.append(v)
                continue
            nonce = secrets.token_hex(16)
            if v is None:
                v = Vote.objects.create(
                    participant=participant, statement=found[sid], value=value, nonce=nonce
                )
            else:
                v.value, v.nonce, v.updated_at = value, nonce, timezone.now()
                v.save(update_fields=["value", "nonce", "updated_at"])
            out.append(v)
            changed.append((sid, ballot(nonce, participant.pk, value)))
        if changed:
            record(
                ANONYMOUS,
                "consult.vote",
                ("consult.consultation", str(c.pk)),
                {"statements": [sid for sid, _ in changed], "ballots": [b for _, b in changed]},
                c.label,
                process=c.process,
            )
    if changed:
        _publish(c, "tally", c.pk)
    return out


def _comment_texts(comments_csv: str | None) -> dict[str, str]:
    """Pol.is comments export (`comment-id`, `comment-body`, …) → id → text."""
    if not comments_csv or not comments_csv.strip():
        return {}
    try:
        rows = list(csv.reader(io.StringIO(comments_csv.lstrip("\ufeff"))))
    except csv.Error as exc:
        raise Invalid(f"comments CSV is malformed: {exc}", {"comments_csv": "malformed"}) from exc
    head = [h.strip().lower() for h in rows[0]] if rows else []
    if "comment-id" not in head or "comment-body" not in head:
        raise Invalid(
            "comments CSV needs the columns comment-id and comment-body",
            {"comments_csv": "header"},
        )
    i, b = head.index("comment-id"), head.index("comment-body")
    return {r[i].strip(): r[b] for r in rows[1:] if len(r) > max(i, b) and r[i].strip()}


def _read_votes(votes_csv: str) -> tuple[list[str], list[str], list[list[float]]]:
    """Parse a Pol.is participants-votes export with the analysis library's reader."""
    from accord import analysis as lib

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "participants-votes.csv"
        path.write_text(votes_csv, encoding="utf-8")
        try:
            parts, stmts, votes = lib.read_votes_csv(path)
        except lib.AnalysisError as exc:
            msg = str(exc).replace(str(path), "votes CSV").replace(tmp, "")
            raise Invalid(f"the votes CSV cannot be read: {msg}", {"votes_csv": "invalid"}) from exc
    return parts, stmts, votes.tolist()


def import_votes(
    viewer: Viewer,
    c: Consultation,
    *,
    votes_csv: str,
    comments_csv: str | None = None,
    statements: dict[str, str] | None = None,
    source: str = "",
) -> dict:
    """Import a Pol.is "participants-votes" export run elsewhere (e.g. a civil-society
    consultation): its participants stay anonymous ids, its statement columns become statements
    (text from the comments export or `statements`; re-importing the same ids replaces the
    earlier votes of those participants). One ledger entry records the file's digest."""
    access.require(viewer, MANAGE)
    c = _open(viewer, c)
    if not votes_csv or not votes_csv.strip():
        raise Invalid("the votes CSV is empty", {"votes_csv": "required"})
    if len(votes_csv.encode()) > MAX_IMPORT_BYTES:
        raise Invalid(
            f"the votes CSV is larger than {MAX_IMPORT_BYTES // 1_000_000} MB",
            {"votes_csv": "too large"},
        )
    parts, ids, matrix = _read_votes(votes_csv)
    if len(parts) > MAX_IMPORT_PARTICIPANTS or len(ids) > MAX_IMPORT_STATEMENTS:
        raise Invalid(
            f"at most {MAX_IMPORT_PARTICIPANTS} participants and {MAX_IMPORT_STATEMENTS} "
            "statements per import",
            {"votes_csv": "too large"},
        )
    bad = [p for p in parts if not p or len(p) > 60]
    if bad or len(set(parts)) != len(parts):
        raise Invalid(
            "participant ids must be distinct, non-empty and at most 60 characters",
            {"votes_csv": "participants"},
        )
    if len(set(ids)) != len(ids) or any(len(i) > 60 for i in ids):
        raise Invalid(
            "statement columns must be distinct ids of at most 60 characters",
            {"votes_csv": "statements"},
        )
    texts = {**_comment_texts(comments_csv), **{str(k): v for k, v in (statements or {}).items()}}
    clean = {i: _clean_text(texts.get(i) or f"Imported statement {i}") for i in ids}
    known = {s.external_id: s for s in Statement.objects.filter(consultation=c, imported=True)}
    process = c.process
    with transaction.atomic():
        acts: list[Act] = []
        cols: list[Statement] = []
        for i in ids:
            s = known.get(i)
            if s is None:
                s = Statement.objects.create(
                    consultation=c, text=clean[i], imported=True, external_id=i, label=c.label
                )
                acts.append(Act(viewer.member, "consult.statement", s, {"consultation": c.pk}))
            cols.append(s)
        existing = dict(
            Participant.objects.filter(
                consultation=c, member__isnull=True, external_id__in=parts
            ).values_list("external_id", "pk")
        )
        Vote.objects.filter(participant_id__in=existing.values()).delete()
        Participant.objects.bulk_create(
            [Participant(consultation=c, external_id=p) for p in parts if p not in existing]
        )
        pid = dict(
            Participant.objects.filter(
                consultation=c, member__isnull=True, external_id__in=parts
            ).values_list("external_id", "pk")
        )
        now = timezone.now()
        rows = [
            Vote(participant_id=pid[p], statement=cols[j], value=int(x), updated_at=now)
            for p, row in zip(parts, matrix, strict=True)
            for j, x in enumerate(row)
            if x == x  # not NaN
        ]
        Vote.objects.bulk_create(rows, batch_size=2000)
        summary = {
            "consultation": c.pk,
            "source": (source or "")[:200],
            "participants": len(parts),
            "statements": len(ids),
            "new_statements": len(acts),
            "votes": len(rows),
            "sha256": hashlib.sha256(votes_csv.encode()).hexdigest(),
        }
        record_many([Act(viewer.member, "consult.import", c, summary), *acts], process=process)
    _publish(c, "imported", c.pk)
    return summary
