"""Every state change of the library app: check, write, record, publish after commit.

The PA-X import is an operator's act (the `library_import_pax` command): the file is checked
whole before the first write, then every agreement is written in one transaction with one ledger
entry in the system log, so a file with one bad row writes nothing. Importing the real file
replaces the demo's generated sample rows; importing again updates agreements by their AgtId.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from accord.core import access, events
from accord.core.access import Viewer
from accord.core.errors import Conflict, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Member
from accord.core.roles import Perm
from accord.ledger.services import record
from accord.library import pax
from accord.library.models import Lesson, PaxAgreement, PaxImport

CHUNK = 500
Progress = Callable[[str, int, int], None]


def _delete(agt_ids: set[int]) -> int:
    """Delete agreements by AgtId, in chunks (databases bound the parameters of one query)."""
    ordered, gone = sorted(agt_ids), 0
    for i in range(0, len(ordered), CHUNK):
        gone += PaxAgreement.objects.filter(agt_id__in=ordered[i : i + CHUNK]).delete()[0]
    return gone


def import_pax(
    text: str,
    *,
    file_name: str,
    by: str = "operator",
    sample: bool = False,
    progress: Progress | None = None,
) -> PaxImport:
    """Check a PA-X v10 CSV (its text) and write its agreements, all or nothing.

    Raises Invalid naming the missing columns, or every bad row by line and column.
    `progress(stage, done, total)` is told as rows are checked and written."""
    tell = progress or (lambda stage, done, total: None)
    parsed = pax.parse(text)
    if not parsed.ok:
        fields = {"file": "missing columns"} if parsed.missing else {}
        for e in parsed.errors[: pax.MAX_REPORTED]:
            fields.setdefault(f"line {e.line}" + (f" {e.column}" if e.column else ""), e.message)
        raise Invalid(f"nothing was imported: {pax.describe(parsed)}", fields)
    if not parsed.rows:
        raise Invalid("nothing was imported: the file has a header but no agreements", {})
    tell("checked", len(parsed.rows), len(parsed.rows))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    total = len(parsed.rows)
    with transaction.atomic():
        batch = PaxImport.objects.create(
            file_name=file_name[:255], sha256=digest, rows=total, sample=sample, by=by[:150]
        )
        # an agreement imported again is replaced whole (nothing refers to its row): one
        # delete and bulk inserts are far faster than updating 22 columns row by row
        ids = [r["agt_id"] for r in parsed.rows]
        existing = set(PaxAgreement.objects.values_list("agt_id", flat=True)) & set(ids)
        _delete(existing)
        rows = [PaxAgreement(**row, sample=sample, source=batch) for row in parsed.rows]
        done = 0
        for i in range(0, len(rows), CHUNK):
            PaxAgreement.objects.bulk_create(rows[i : i + CHUNK])
            done += len(rows[i : i + CHUNK])
            tell("written", done, total)
        new = [r for r in ids if r not in existing]
        changed = [r for r in ids if r in existing]
        removed = 0
        if not sample:  # the real file replaces the generated sample rows
            samples = set(PaxAgreement.objects.filter(sample=True).values_list("agt_id", flat=True))
            removed = _delete(samples - set(ids))
        batch.created, batch.updated = len(new), len(changed)
        batch.save(update_fields=["created", "updated"])
        record(
            by,
            "library.pax_import",
            ("library.paximport", str(batch.pk)),
            {
                "file": batch.file_name,
                "sha256": digest,
                "agreements": total,
                "created": len(new),
                "updated": len(changed),
                "sample_rows_removed": removed,
                "sample": sample,
            },
        )
    return batch


# --- lessons register ---------------------------------------------------------------------------
# NATO lessons learned: observation → lesson identified → remedial action → lesson learned.
# Any member records an observation; its author, or a member who runs meetings or analyses,
# identifies the lesson and assigns the remedial action; only a coordinator (who manages the
# process) validates it as learned. Each step only from the one before: otherwise 409.
TITLE_MAX = 200
TEXT_MAX = 4000
DEFAULT_LEVEL = 1  # RESTRICTED, releasable to every party (capped at the author's clearance)
STEP_PERMS = (Perm.RUN_MEETINGS, Perm.RUN_ANALYSIS)
NEXT = {
    Lesson.Stage.OBSERVATION: Lesson.Stage.IDENTIFIED,
    Lesson.Stage.IDENTIFIED: Lesson.Stage.ACTION,
    Lesson.Stage.ACTION: Lesson.Stage.LEARNED,
}


def _text(value: str | None, what: str, limit: int = TEXT_MAX, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"the {what} is required", {what: "required"})
    if len(value) > limit:
        raise Invalid(
            f"the {what} is at most {limit} characters (this one has {len(value)})",
            {what: "too long"},
        )
    return value


def _publish(lesson: Lesson, kind: str) -> None:
    events.publish(
        lesson.process_id, {"kind": f"library.{kind}", "id": lesson.pk, "label": lesson.label_id}
    )


def record_observation(
    viewer: Viewer, *, title: str, observation: str, label: LabelValue | None = None
) -> Lesson:
    """Record an observation: the first stage of a lesson (any member of the process)."""
    if viewer.member is None:
        raise NotFound("process not found")
    title = _text(title, "title", TITLE_MAX)
    observation = _text(observation, "observation")
    label = label or LabelValue.of(min(DEFAULT_LEVEL, viewer.clearance))
    access.check_can_apply(viewer, label)
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        lesson = Lesson.objects.create(
            process=viewer.process,
            label=row,
            title=title,
            observation=observation,
            created_by=viewer.member,
        )
        record(viewer.member, "library.lesson_observe", lesson, {"title": title})
    _publish(lesson, "lesson")
    return lesson


def _step(viewer: Viewer, lesson: Lesson, to: str) -> Lesson:
    """The lesson re-read through access (404 when unreadable), locked, checked for order."""
    from accord.library import queries

    lesson = queries.lesson(viewer, lesson.pk)
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if NEXT.get(lesson.stage) != to:
        now = Lesson.Stage(lesson.stage).label.lower()
        wanted = Lesson.Stage(to).label.lower()
        before = [s for s, n in NEXT.items() if n == to]
        need = Lesson.Stage(before[0]).label.lower() if before else ""
        raise Conflict(
            f"this lesson is at the stage “{now}”: it can become “{wanted}” only from “{need}”",
            {"stage": lesson.stage},
        )
    return lesson


def _may_step(viewer: Viewer, lesson: Lesson) -> None:
    if lesson.created_by_id == getattr(viewer.member, "pk", None):
        return
    if not any(viewer.can(p) for p in STEP_PERMS):
        access.require(viewer, Perm.RUN_MEETINGS)  # raises, naming the act in words


def identify(viewer: Viewer, lesson: Lesson, *, text: str) -> Lesson:
    """Observation → lesson identified: say what should change (author, or runs meetings or
    analyses)."""
    text = _text(text, "lesson")
    with transaction.atomic():
        lesson = _step(viewer, lesson, Lesson.Stage.IDENTIFIED)
        _may_step(viewer, lesson)
        lesson.lesson, lesson.stage, lesson.updated_at = (
            text,
            Lesson.Stage.IDENTIFIED,
            timezone.now(),
        )
        lesson.save(update_fields=["lesson", "stage", "updated_at"])
        record(viewer.member, "library.lesson_identify", lesson, {"stage": lesson.stage})
    _publish(lesson, "lesson")
    return lesson


def plan_action(
    viewer: Viewer, lesson: Lesson, *, action: str, owner_id: object, due: object
) -> Lesson:
    """Lesson identified → remedial action: what is to be done, by whom (a member who may read
    the lesson), by when."""
    from accord.core import people
    from accord.core.queries import valid_id

    action = _text(action, "remedial action")
    if isinstance(due, str):
        try:
            due = date.fromisoformat(due.strip())
        except ValueError:
            raise Invalid(
                f"the due date {due[:40]!r} is not a date (YYYY-MM-DD)", {"due": "not a date"}
            ) from None
    if not isinstance(due, date):
        raise Invalid("the remedial action needs a due date", {"due": "required"})
    try:
        oid = int(str(owner_id))
    except (TypeError, ValueError):
        raise Invalid("the remedial action needs an owner", {"owner": "required"}) from None
    owner = (
        Member.objects.select_related("party", "user")
        .filter(pk=oid if valid_id(oid) else 0, process=viewer.process, active=True)
        .first()
    )
    if owner is None or not people.can_see(viewer, owner):
        raise Invalid("the owner is not a member of this process", {"owner": "unknown"})
    with transaction.atomic():
        lesson = _step(viewer, lesson, Lesson.Stage.ACTION)
        _may_step(viewer, lesson)
        if not access.can_read(access.viewer_of(owner), lesson.label.value):
            raise Invalid(
                f"{owner.display_name} may not read this lesson; choose an owner who may",
                {"owner": "cannot read the lesson"},
            )
        lesson.remedial_action, lesson.action_owner, lesson.action_due = action, owner, due
        lesson.stage, lesson.updated_at = Lesson.Stage.ACTION, timezone.now()
        lesson.save(
            update_fields=["remedial_action", "action_owner", "action_due", "stage", "updated_at"]
        )
        record(
            viewer.member,
            "library.lesson_action",
            lesson,
            {"stage": lesson.stage, "owner": owner.pk, "due": due.isoformat()},
        )
    _publish(lesson, "lesson")
    return lesson


def validate(viewer: Viewer, lesson: Lesson, *, note: str) -> Lesson:
    """Remedial action → lesson learned: the coordinator validates that the change worked."""
    note = _text(note, "validation")
    with transaction.atomic():
        lesson = _step(viewer, lesson, Lesson.Stage.LEARNED)
        access.require(viewer, Perm.MANAGE_PROCESS)
        now = timezone.now()
        lesson.validation, lesson.validated_by, lesson.validated_at = note, viewer.member, now
        lesson.stage, lesson.updated_at = Lesson.Stage.LEARNED, now
        lesson.save(
            update_fields=["validation", "validated_by", "validated_at", "stage", "updated_at"]
        )
        record(viewer.member, "library.lesson_validate", lesson, {"stage": lesson.stage})
    _publish(lesson, "lesson")
    return lesson


def link_change(viewer: Viewer, lesson: Lesson, kind: str, target_id: object) -> object:
    """Link the lesson to the object that changed because of it (a procedure, a text, a
    constraint…), through core's links: both ends must be readable; ledgered there."""
    from accord.core import links
    from accord.core.services import add_link
    from accord.library import queries

    lesson = queries.lesson(viewer, lesson.pk)
    try:
        tid = int(str(target_id))
    except (TypeError, ValueError):
        raise NotFound("the object to link was not found") from None
    target = links.resolve(viewer, (kind or "").strip(), tid)
    if target is None:
        raise NotFound("the object to link was not found")
    return add_link(viewer, lesson, target, "changed")
