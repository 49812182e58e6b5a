"""Reads of the library app. PA-X agreements and case studies are public reference data, shown
to signed-in members of a process only; lessons are labelled and read through core.access.

Other apps (implementation) read the library through this module only: `case_template(key)`
and `similar_agreements(viewer, …)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import Invalid, NotFound
from accord.core.queries import valid_id
from accord.library import pax
from accord.library.models import Lesson, PaxAgreement, PaxImport

MAX_TEXT = 200


def require_member(viewer: Viewer) -> None:
    """Reference data is for members of the process only (anyone else: 404, as for any
    process route)."""
    if viewer.member is None:
        raise NotFound("process not found")


# --- PA-X search ----------------------------------------------------------------------------
@dataclass
class AgreementFilter:
    """A search of PA-X agreements, checked: every part optional, all parts must hold."""

    q: str = ""
    country: str = ""
    process: str = ""
    stage: str = ""
    agreement_type: str = ""
    since: date | None = None
    until: date | None = None
    topics: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(
            [self.q, self.country, self.process, self.stage, self.agreement_type, self.since,
             self.until, self.topics]
        )  # fmt: skip


def _date(text: str | None, what: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{what} {text[:40]!r} is not a date (YYYY-MM-DD)", {what: "not a date"}
        ) from None


def _text(value: str | None, what: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > MAX_TEXT:
        raise Invalid(f"{what} is at most {MAX_TEXT} characters", {what: "too long"})
    return value


def check_topics(keys: list[str] | None, what: str = "topic") -> list[str]:
    """Topic keys checked against the taxonomy (an unknown one is named), deduplicated."""
    out: list[str] = []
    for key in keys or []:
        key = (key or "").strip()
        if not key:
            continue
        if key not in pax.TOPIC_BY_KEY:
            raise Invalid(f"unknown {what} {key[:40]!r}", {what: "unknown"})
        if key not in out:
            out.append(key)
    return out


def agreement_filter(
    *,
    q: str | None = None,
    country: str | None = None,
    process: str | None = None,
    stage: str | None = None,
    agreement_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    topics: list[str] | None = None,
) -> AgreementFilter:
    """Parse a search from request values; a bad value raises Invalid naming it."""
    f = AgreementFilter(
        q=_text(q, "q"),
        country=_text(country, "country"),
        process=_text(process, "process"),
        stage=(stage or "").strip(),
        agreement_type=(agreement_type or "").strip(),
        since=_date(since, "since"),
        until=_date(until, "until"),
        topics=check_topics(topics),
    )
    if f.stage and f.stage not in pax.STAGES:
        raise Invalid(f"unknown stage {f.stage[:40]!r}", {"stage": "unknown"})
    if f.agreement_type and f.agreement_type not in pax.AGREEMENT_TYPES:
        raise Invalid(
            f"unknown agreement type {f.agreement_type[:40]!r}", {"agreement_type": "unknown"}
        )
    if f.since and f.until and f.since > f.until:
        raise Invalid("the date range ends before it starts", {"until": "before since"})
    return f


def agreements(viewer: Viewer, f: AgreementFilter | None = None) -> QuerySet[PaxAgreement]:
    """PA-X agreements matching a search (members of a process only)."""
    require_member(viewer)
    qs = PaxAgreement.objects.all()
    f = f or AgreementFilter()
    if f.q:
        for word in f.q.split()[:8]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(country__icontains=word)
                | Q(process_name__icontains=word)
                | Q(parties__icontains=word)
                | Q(third_parties__icontains=word)
            )
    if f.country:
        qs = qs.filter(country__icontains=f.country)
    if f.process:
        qs = qs.filter(process_name__icontains=f.process)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.agreement_type:
        qs = qs.filter(agreement_type=f.agreement_type)
    if f.since:
        qs = qs.filter(date__gte=f.since)
    if f.until:
        qs = qs.filter(date__lte=f.until)
    for key in f.topics:
        qs = qs.filter(topics__contains=f",{key},")
    return qs.order_by("-date", "agt_id")


def agreement(viewer: Viewer, agt_id: object) -> PaxAgreement:
    """One PA-X agreement by its AgtId, or 404."""
    require_member(viewer)
    try:
        agt = int(str(agt_id).strip())
    except (TypeError, ValueError):
        raise NotFound("agreement not found: give its PA-X id (AgtId)") from None
    obj = PaxAgreement.objects.filter(agt_id=agt).first() if valid_id(agt) else None
    if obj is None:
        raise NotFound(f"no PA-X agreement has the id {agt}")
    return obj


def facets(viewer: Viewer) -> dict:
    """Values people pick from: countries and processes present, how many agreements, samples."""
    require_member(viewer)
    qs = PaxAgreement.objects.all()
    return {
        "countries": sorted(set(qs.exclude(country="").values_list("country", flat=True))),
        "processes": sorted(
            set(qs.exclude(process_name="").values_list("process_name", flat=True))
        ),
        "total": qs.count(),
        "samples": qs.filter(sample=True).count(),
        "last_import": PaxImport.objects.first(),
    }


@dataclass(frozen=True)
class Coded:
    """One coded column of an agreement, for people."""

    column: str
    value: int
    topic: pax.Topic | None


def coding(a: PaxAgreement) -> list[tuple[pax.Topic, list[Coded]]]:
    """An agreement's non-zero coding grouped by topic, in the taxonomy's order."""
    by_topic: dict[str, list[Coded]] = {}
    for col in pax.CODED:
        value = a.codes.get(col)
        if value:
            key = pax.COLUMN_TOPIC.get(col, "")
            by_topic.setdefault(key, []).append(Coded(col, value, pax.TOPIC_BY_KEY.get(key)))
    return [(t, by_topic[t.key]) for t in pax.TOPICS if t.key in by_topic]


# --- similarity ---------------------------------------------------------------------------
@dataclass
class Similar:
    """A past agreement whose coding resembles a draft's, and what it covered that the draft
    does not."""

    agreement: PaxAgreement
    score: float  # Jaccard index of the topic sets, 0..1
    shared: list[pax.Topic]
    lacking: list[pax.Topic]  # covered by the agreement, absent from the draft


@dataclass
class Comparison:
    draft: list[pax.Topic]
    unmapped: list[str]  # PAM provision types without a PA-X topic
    results: list[Similar]
    gaps: list[tuple[pax.Topic, int]]  # topics the similar agreements cover and the draft lacks


def draft_topics(topics: list[str] | None, pam: list[str] | None) -> tuple[list[str], list[str]]:
    """A draft's topics from topic keys and PAM provision-type stems; unknown names raise."""
    keys = check_topics(topics)
    unmapped: list[str] = []
    for stem in pam or []:
        stem = (stem or "").strip().lower()
        if not stem:
            continue
        if stem not in pax.PAM_TOPICS:
            raise Invalid(f"unknown PAM provision type {stem[:40]!r}", {"pam": "unknown"})
        mapped = pax.PAM_TOPICS[stem]
        if not mapped and stem not in unmapped:
            unmapped.append(stem)
        keys += [k for k in mapped if k not in keys]
    return keys, unmapped


def similar_agreements(
    viewer: Viewer,
    *,
    topics: list[str] | None = None,
    pam: list[str] | None = None,
    limit: int = 10,
) -> Comparison:
    """The past agreements whose coded topics are most like a draft's (Jaccard index over the
    topic sets), each with the topics it covered that the draft lacks."""
    require_member(viewer)
    keys, unmapped = draft_topics(topics, pam)
    if not keys:
        raise Invalid(
            "choose at least one provision type or coded category of the draft",
            {"topics": "required"},
        )
    limit = max(1, min(int(limit), 50))
    draft = set(keys)
    scored: list[tuple[float, int, date, int, set[str]]] = []
    for pk, stored, when in PaxAgreement.objects.values_list("pk", "topics", "date"):
        have = {k for k in stored.strip(",").split(",") if k}
        inter = len(have & draft)
        if not inter:
            continue
        score = inter / len(have | draft)
        scored.append((score, inter, when, pk, have))
    scored.sort(key=lambda s: (-s[0], -s[1], -s[2].toordinal(), s[3]))
    top = scored[:limit]
    objs = PaxAgreement.objects.in_bulk([s[3] for s in top])
    results = [
        Similar(objs[pk], round(score, 3), pax.topics_of(have & draft), pax.topics_of(have - draft))
        for score, _, _, pk, have in top
    ]
    counts: dict[str, int] = {}
    for *_, have in top:
        for k in have - draft:
            counts[k] = counts.get(k, 0) + 1
    gaps = [(pax.TOPIC_BY_KEY[k], n) for k, n in counts.items()]
    gaps.sort(key=lambda g: (-g[1], pax.TOPIC_KEYS.index(g[0].key)))
    return Comparison(pax.topics_of(keys), unmapped, results, gaps)


def topic_groups() -> list[tuple[str, list[pax.Topic]]]:
    """The topics grouped as people scan them (Security, Power sharing, …)."""
    out: dict[str, list[pax.Topic]] = {}
    for t in pax.TOPICS:
        out.setdefault(t.group, []).append(t)
    return list(out.items())


# --- lessons register ---------------------------------------------------------------------------
def lessons(viewer: Viewer) -> QuerySet[Lesson]:
    """The process's lessons the viewer may read."""
    if viewer.member is None:
        return Lesson.objects.none()
    qs = Lesson.objects.filter(process=viewer.process).select_related(
        "label", "process", "action_owner__user", "action_owner__party", "created_by__user"
    )
    return access.readable(qs, viewer)


def lesson(viewer: Viewer, lesson_id: object) -> Lesson:
    """One readable lesson, or 404 (an unreadable one is answered like a missing one)."""
    if not valid_id(lesson_id):
        raise NotFound("lesson not found")
    obj = lessons(viewer).filter(pk=lesson_id).first()
    if obj is None:
        raise NotFound("lesson not found")
    return obj


def _search(qs: QuerySet[Lesson], q: str, stage: str) -> QuerySet[Lesson]:
    for word in q.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(observation__icontains=word)
            | Q(lesson__icontains=word)
            | Q(remedial_action__icontains=word)
            | Q(validation__icontains=word)
        )
    return qs.filter(stage=stage) if stage else qs


def check_stage(stage: str | None) -> str:
    stage = (stage or "").strip()
    if stage and stage not in Lesson.Stage.values:
        raise Invalid(f"unknown stage {stage[:40]!r}", {"stage": "unknown"})
    return stage


def search_lessons(viewer: Viewer, q: str = "", stage: str = "") -> QuerySet[Lesson]:
    """Lessons of this process matching words and a stage, readable by the viewer."""
    return _search(lessons(viewer), _text(q, "q"), check_stage(stage))


def lessons_everywhere(user, q: str = "", stage: str = "", limit: int = 200) -> list[Lesson]:
    """Lessons of every process the user belongs to, each read as their member there: only
    what they may read in each."""
    from accord.core.access import viewer_for
    from accord.core.queries import processes_for

    q, stage = _text(q, "q"), check_stage(stage)
    out: list[Lesson] = []
    for process in processes_for(user):
        v = viewer_for(user, process)
        out += list(_search(lessons(v), q, stage)[:limit])
    out.sort(key=lambda x: (x.updated_at, x.pk), reverse=True)
    return out[:limit]


def case_template(key: str) -> dict:
    """A built-in case study as a template (for the implementation app)."""
    from accord.library import cases

    return cases.template(cases.case(key))


def case_templates() -> list[dict]:
    """The built-in case studies an agreement may start from: key, short name, full name, year
    (public reference material, the same for everyone)."""
    from accord.library import cases

    return [{"key": c.key, "short": c.short, "name": c.name, "year": c.year} for c in cases.CASES]
