"""Every state change of the negotiation app: check policy, write, record, publish after commit.

Validation happens before the first write and every write shares one transaction with its
ledger entry, so a refused request changes nothing (rule 6).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accord.core import access, events
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Party, Process
from accord.core.roles import Perm
from accord.ledger.services import record, tighten_naming
from accord.negotiation import brackets, queries, textstate
from accord.negotiation.models import (
    POSITION_FIELDS,
    Amendment,
    AmendmentComment,
    AnalysisRun,
    Article,
    ArticleText,
    Clause,
    ClauseText,
    Document,
    Issue,
    Option,
    Position,
    PositionRelease,
    PositionRevision,
    Signature,
    Stance,
    Version,
)

MEDIATION = "MEDIATION"
DEFAULT_POSITION_LEVEL = 2  # CONFIDENTIAL in the default scheme (capped at the author's clearance)
DEFAULT_TEXT_LEVEL = 1  # RESTRICTED, releasable to every party of the process
REQUIRED_KINDS = (Party.Kind.ALLY, Party.Kind.CONFLICT_PARTY, Party.Kind.GUARANTOR)


def _actor(viewer: Viewer | None):
    return viewer.member if viewer else None


def _publish(process_id: int, kind: str, obj, label_id: int | None) -> None:
    events.publish(process_id, {"kind": f"negotiation.{kind}", "id": obj.pk, "label": label_id})


def _check_readable(viewer: Viewer, label, what: str) -> None:
    if not access.can_read(viewer, label.value):
        raise NotFound(f"{what} not found")


# --- agenda -----------------------------------------------------------------------------------
def create_issue(
    viewer: Viewer,
    *,
    title: str,
    kind: str,
    cluster: str = "political",
    description: str = "",
    order: int | None = None,
    unit: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    step: float | None = None,
    options: list[str] | None = None,
    label: LabelValue | None = None,
) -> Issue:
    """Put an issue on the agenda (the pen holder: mediator or coordinator)."""
    access.require(viewer, Perm.HOLD_PEN)
    process = viewer.process
    title = (title or "").strip()
    if not title:
        raise Invalid("an issue needs a title", {"title": "required"})
    cluster = (cluster or "").strip().lower() or "political"
    if kind not in Issue.Kind.values:
        raise Invalid("issue kind must be 'discrete' or 'numeric'", {"kind": "invalid"})
    opts = [o.strip() for o in (options or []) if o and o.strip()]
    if kind == Issue.Kind.NUMERIC:
        if opts:
            raise Invalid("a numeric issue has a range, not options", {"options": "not allowed"})
        for name, v in (("minimum", minimum), ("maximum", maximum)):
            if v is None or not math.isfinite(v):
                raise Invalid(f"a numeric issue needs a finite {name}", {name: "required"})
        if minimum >= maximum:
            raise Invalid("minimum must be below maximum", {"maximum": "not above minimum"})
        if step is not None and (not math.isfinite(step) or step <= 0):
            raise Invalid("step must be positive", {"step": "invalid"})
    else:
        if len(opts) < 2:
            raise Invalid("a discrete issue needs at least two options", {"options": "too few"})
        if len({o.lower() for o in opts}) != len(opts):
            raise Invalid("options must be distinct", {"options": "duplicate"})
        minimum = maximum = step = None
        unit = ""
    label = label or LabelValue()
    access.check_can_apply(viewer, label)
    if order is None:
        order = Issue.objects.filter(process=process).count() + 1
    with transaction.atomic():
        issue = Issue.objects.create(
            process=process,
            cluster=cluster,
            title=title,
            description=description,
            order=order,
            kind=kind,
            unit=unit,
            minimum=minimum,
            maximum=maximum,
            step=step,
            label=access.label_row(process, label),
        )
        for i, name in enumerate(opts, start=1):
            Option.objects.create(issue=issue, key=_option_key(name, i), name=name, order=i)
        record(viewer.member, "issue.create", issue, {"title": title, "options": opts})
    _publish(process.pk, "issue.created", issue, issue.label_id)
    return issue


def _option_key(name: str, i: int) -> str:
    from django.utils.text import slugify

    return (slugify(name)[:36] or "option") + f"-{i}"


def set_issue_status(viewer: Viewer, issue: Issue, status: str) -> Issue:
    access.require(viewer, Perm.HOLD_PEN)
    _check_readable(viewer, issue.label, "issue")
    if status not in Issue.Status.values:
        raise Invalid(
            f"status must be one of {', '.join(Issue.Status.values)}", {"status": "invalid"}
        )
    with transaction.atomic():
        old = issue.status
        issue.status = status
        issue.save(update_fields=["status"])
        record(viewer.member, "issue.status", issue, {"from": old, "to": status})
    events.notify(
        issue.process_id, "negotiation.issue.updated", {"issue": issue.pk}, [issue.label_id]
    )
    return issue


# --- positions --------------------------------------------------------------------------------
def _num(v, name: str) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{name} must be a number", {name: "not a number"}) from exc
    if not math.isfinite(f):
        raise Invalid(f"{name} must be finite", {name: "not finite"})
    return f


def _clean_position(issue: Issue, data: dict) -> dict:
    """Validate a position's fields against the issue (range, step, options, salience)."""
    out: dict = {
        "salience": data.get("salience", 50),
        "interests": (data.get("interests") or "").strip(),
        "evidence": (data.get("evidence") or "").strip(),
        "red_line_note": (data.get("red_line_note") or "").strip(),
    }
    sal = out["salience"]
    if isinstance(sal, bool) or not isinstance(sal, int) or not 0 <= sal <= 100:
        raise Invalid("salience must be a whole number 0–100", {"salience": "out of range"})
    if issue.is_numeric:
        for f in ("preferred_option", "acceptable_options", "red_lines"):
            if data.get(f):
                raise Invalid(f"{f} applies to discrete issues only", {f: "not allowed"})
        vals = {
            f: _num(data.get(f), f)
            for f in ("preferred_value", "acceptable_min", "acceptable_max", "reservation_value")
        }
        for f, v in vals.items():
            if v is not None and not issue.minimum <= v <= issue.maximum:
                raise Invalid(
                    f"{f} {v:g} is outside the issue's range {issue.minimum:g}–{issue.maximum:g}"
                    f" {issue.unit}".rstrip(),
                    {f: "out of range"},
                )
            if v is not None and issue.step:
                k = (v - issue.minimum) / issue.step
                if abs(k - round(k)) > 1e-9:
                    raise Invalid(f"{f} must be on a step of {issue.step:g}", {f: "off step"})
        lo, hi, pref = vals["acceptable_min"], vals["acceptable_max"], vals["preferred_value"]
        if (lo is None) != (hi is None):
            raise Invalid(
                "give both ends of the acceptable range, or neither", {"acceptable_max": "missing"}
            )
        if lo is not None and lo > hi:
            raise Invalid("acceptable range is reversed", {"acceptable_max": "below minimum"})
        if pref is not None and lo is not None and not lo <= pref <= hi:
            raise Invalid(
                "the preferred value must lie in the acceptable range",
                {"preferred_value": "outside"},
            )
        out.update(vals)
        out.update(preferred_option="", acceptable_options=[], red_lines=[])
    else:
        for f in ("preferred_value", "acceptable_min", "acceptable_max"):
            if data.get(f) is not None:
                raise Invalid(f"{f} applies to numeric issues only", {f: "not allowed"})
        keys = set(issue.options.values_list("key", flat=True))
        pref = data.get("preferred_option") or ""
        acc = list(dict.fromkeys(data.get("acceptable_options") or []))
        red = list(dict.fromkeys(data.get("red_lines") or []))
        for f, ks in (("preferred_option", [pref] if pref else []), ("acceptable_options", acc)):
            unknown = sorted(set(ks) - keys)
            if unknown:
                raise Invalid(f"unknown option(s) {', '.join(unknown)}", {f: "unknown option"})
        unknown = sorted(set(red) - keys)
        if unknown:
            raise Invalid(f"unknown option(s) {', '.join(unknown)}", {"red_lines": "unknown"})
        if pref and acc and pref not in acc:
            raise Invalid(
                "the preferred option must be among the acceptable ones",
                {"preferred_option": "not acceptable"},
            )
        if set(red) & (set(acc) | ({pref} if pref else set())):
            raise Invalid(
                "an option cannot be both acceptable and a red line", {"red_lines": "overlap"}
            )
        out.update(
            preferred_option=pref,
            acceptable_options=acc,
            red_lines=red,
            preferred_value=None,
            acceptable_min=None,
            acceptable_max=None,
            reservation_value=_num(data.get("reservation_value"), "reservation_value"),
        )
    return out


def position_label(
    viewer: Viewer, party: Party, level: int | None, caveats: list[str]
) -> LabelValue:
    """REL TO the position's own party only; mediators read it through the MEDIATION path."""
    if level is None:
        level = min(DEFAULT_POSITION_LEVEL, viewer.clearance, len(viewer.process.level_names) - 1)
    value = access.parse_label(
        viewer.process, {"level": level, "rel_to": [party.code], "caveats": caveats}, LabelValue()
    )
    access.check_can_apply(viewer, value)
    return value


def state_position(
    viewer: Viewer,
    issue: Issue,
    *,
    level: int | str | None = None,
    caveats: list[str] | None = None,
    **data,
) -> Position:
    """State or revise the viewer's party's position on an issue (delegates of that party)."""
    access.require(viewer, Perm.STATE_POSITIONS)
    _check_readable(viewer, issue.label, "issue")
    bad = sorted(set(data) - set(POSITION_FIELDS))
    if bad:
        raise Invalid(f"unknown position fields: {', '.join(bad)}", {bad[0]: "unknown"})
    party = viewer.member.party
    existing = Position.objects.filter(issue=issue, party=party).select_related("label").first()
    merged = existing.fields() if existing else {}
    merged.update(data)
    clean = _clean_position(issue, merged)
    if level is None and existing is not None and not caveats:
        label = existing.label.value
        access.check_can_apply(viewer, label)
    else:
        label = position_label(viewer, party, level, caveats or [])
    with transaction.atomic():
        if existing is None:
            pos = Position(issue=issue, party=party, revision=1, **clean)
            changed = {f: [None, v] for f, v in clean.items()}
        else:
            pos = Position.objects.select_for_update().get(pk=existing.pk)
            changed = {f: [getattr(pos, f), v] for f, v in clean.items() if getattr(pos, f) != v}
            if label.key != pos.label.value.key:
                changed["label"] = [pos.label.value.as_dict(), label.as_dict()]
            if not changed:
                return pos
            for f, v in clean.items():
                setattr(pos, f, v)
            pos.revision += 1
        pos.label = access.label_row(viewer.process, label)
        pos.updated_by = viewer.member
        pos.updated_at = timezone.now()
        pos.save()
        PositionRevision.objects.create(
            position=pos, number=pos.revision, changed=changed, label=pos.label, by=viewer.member
        )
        record(
            viewer.member,
            "position.state",
            pos,
            {"issue": issue.pk, "party": party.code, "changed": sorted(changed)},
        )
        if existing is not None and "label" in changed:  # earlier records follow
            tighten_naming(pos, viewer.process)
        _notify_position(viewer.process, "negotiation.position.stated", pos)
    return pos


RELEASE_FIELDS = {
    PositionRelease.Scope.FULL: POSITION_FIELDS,
    PositionRelease.Scope.ACCEPTABLE: ("acceptable_options", "acceptable_min", "acceptable_max"),
    PositionRelease.Scope.PREFERRED: ("preferred_option", "preferred_value"),
}


def release_position(
    viewer: Viewer, position: Position, *, to: list[str], scope: str = "full"
) -> PositionRelease:
    """Release a position, or a coarser part of it, to chosen parties (own head of delegation)."""
    access.require(viewer, Perm.RELEASE_POSITIONS)
    if position.party_id != viewer.member.party_id:
        # Mediators may read others' positions, but only the owning party may release them.
        if access.can_read(viewer, position.label.value) or _mediation_readable(viewer, position):
            raise Forbidden("only the party that holds a position may release it")
        raise NotFound("position not found")
    if scope not in PositionRelease.Scope.values:
        raise Invalid(
            f"scope must be one of {', '.join(PositionRelease.Scope.values)}", {"scope": "invalid"}
        )
    codes = sorted({(c or "").strip().upper() for c in to} - {""})
    if not codes:
        raise Invalid("name at least one party to release to", {"to": "required"})
    own = position.party.code
    known = set(Party.objects.filter(process=viewer.process).values_list("code", flat=True))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise Invalid(f"unknown parties: {', '.join(unknown)}", {"to": "unknown party"})
    if codes == [own]:
        raise Invalid("a release must name a party other than your own", {"to": "only own party"})
    base = position.label.value
    label = LabelValue.of(base.level, {*codes, own}, base.caveats)
    access.check_can_apply(viewer, label)
    released = {f: position.fields()[f] for f in RELEASE_FIELDS[scope]}
    with transaction.atomic():
        rel = PositionRelease.objects.create(
            position=position,
            scope=scope,
            released=released,
            position_revision=position.revision,
            label=access.label_row(viewer.process, label),
            released_by=viewer.member,
        )
        record(
            viewer.member,
            "position.release",
            rel,
            {"position": position.pk, "scope": scope, "to": sorted({*codes, own})},
        )
    _notify_issue(viewer.process, "negotiation.position.released", position.issue, [rel.label_id])
    return rel


def _own_position(viewer: Viewer, position: Position, act: str) -> None:
    """Only the party that holds a position acts on it; who may not even read it learns
    nothing (404), a mediator who reads it learns why not (403)."""
    _check_readable(viewer, position.issue.label, "position")
    if viewer.member is None or position.party_id != viewer.member.party_id:
        if access.can_read(viewer, position.label.value) or _mediation_readable(viewer, position):
            raise Forbidden(f"only the party that holds a position may {act}")
        raise NotFound("position not found")


def withdraw_position(viewer: Viewer, position: Position) -> list[int]:
    """Withdraw the viewer's party's position on an issue (delegates of that party): the
    position and every release of it are gone for every reader at once, and their open pages
    are told (notices); the ledger keeps what was withdrawn, each record under its own label."""
    access.require(viewer, Perm.STATE_POSITIONS)
    _own_position(viewer, position, "withdraw it")
    with transaction.atomic():
        pos = (
            Position.objects.select_for_update()
            .select_related("label", "party", "issue__label")
            .filter(pk=position.pk)
            .first()
        )
        if pos is None:
            raise NotFound("position not found (already withdrawn?)")
        rels = list(pos.releases.select_related("label"))
        for rel in rels:  # each release's readers see in the record that it was withdrawn
            record(
                viewer.member,
                "position.release.withdraw",
                rel,
                {"position": pos.pk, "scope": rel.scope, "with_position": True},
            )
        record(
            viewer.member,
            "position.withdraw",
            pos,
            {"issue": pos.issue_id, "party": pos.party.code, "revision": pos.revision},
        )
        _notify_position(viewer.process, "negotiation.position.withdrawn", pos)
        _notify_issue(
            viewer.process,
            "negotiation.position.withdrawn",
            pos.issue,
            [r.label_id for r in rels],
        )
        gone = [r.pk for r in rels]
        pos.delete()  # its revisions and releases go with it
    return gone


def withdraw_release(viewer: Viewer, release: PositionRelease) -> None:
    """Withdraw one release of the viewer's party's position (its head of delegation): its
    readers lose it at once — their open pages are told — and the ledger records the act."""
    access.require(viewer, Perm.RELEASE_POSITIONS)
    mine = viewer.member is not None and release.position.party_id == viewer.member.party_id
    if not mine and access.can_read(viewer, release.label.value):
        raise Forbidden("only the party that made a release may withdraw it")
    _own_position(viewer, release.position, "withdraw its releases")
    with transaction.atomic():
        rel = (
            PositionRelease.objects.select_for_update()
            .select_related("label", "position__issue__label")
            .filter(pk=release.pk)
            .first()
        )
        if rel is None:
            raise NotFound("release not found (already withdrawn?)")
        record(
            viewer.member,
            "position.release.withdraw",
            rel,
            {"position": rel.position_id, "scope": rel.scope},
        )
        _notify_issue(
            viewer.process, "negotiation.release.withdrawn", rel.position.issue, [rel.label_id]
        )
        rel.delete()


def _notify_issue(process: Process, kind: str, issue: Issue, label_ids: list[int]) -> None:
    """One notice per label: its readers who also read the issue are told (after commit)."""
    for label_id in dict.fromkeys(label_ids):
        events.notify(process.pk, kind, {"issue": issue.pk}, [label_id, issue.label_id])


def _notify_position(process: Process, kind: str, position: Position) -> None:
    """Notices to a position's readers: its own party (its label) and the mediators (its
    mediation view); inside the act's transaction (the view's label row may be new)."""
    from accord.negotiation.queries import mediation_view

    med = access.label_row(process, mediation_view(position.label.value))
    _notify_issue(process, kind, position.issue, [position.label_id, med.pk])


def _mediation_readable(viewer: Viewer, position: Position) -> bool:
    from accord.negotiation.queries import mediation_view

    return access.can_read(viewer, mediation_view(position.label.value))


# --- the single negotiating text ---------------------------------------------------------------
def default_required(process: Process) -> list[str]:
    return sorted(
        Party.objects.filter(process=process, kind__in=REQUIRED_KINDS).values_list(
            "code", flat=True
        )
    )


def _clean_required(process: Process, codes: list[str] | None) -> list[str]:
    if codes is None:
        return default_required(process)
    clean = sorted({c.strip().upper() for c in codes if c and c.strip()})
    known = set(Party.objects.filter(process=process).values_list("code", flat=True))
    unknown = sorted(set(clean) - known)
    if unknown:
        raise Invalid(f"unknown parties: {', '.join(unknown)}", {"required_parties": "unknown"})
    if not clean:
        raise Invalid("name at least one required party", {"required_parties": "empty"})
    return clean


def _codes(process: Process) -> set[str]:
    return set(Party.objects.filter(process=process).values_list("code", flat=True))


def create_document(
    viewer: Viewer,
    *,
    title: str,
    articles: list[tuple[str, list[str]]] | None = None,
    required_parties: list[str] | None = None,
    label: LabelValue | None = None,
) -> Document:
    """Open a negotiating text with version 1 (the pen holder)."""
    access.require(viewer, Perm.HOLD_PEN)
    process = viewer.process
    title = (title or "").strip()
    if not title:
        raise Invalid("a document needs a title", {"title": "required"})
    required = _clean_required(process, required_parties)
    label = label or LabelValue.of(min(DEFAULT_TEXT_LEVEL, viewer.clearance))
    access.check_can_apply(viewer, label)
    known = _codes(process)
    parsed = []
    for heading, clauses in articles or []:
        if not (heading or "").strip():
            raise Invalid("every article needs a heading", {"articles": "heading required"})
        parsed.append(
            (heading.strip(), [brackets.parse(t, viewer.party_code, known) for t in clauses])
        )
    with transaction.atomic():
        doc = Document.objects.create(
            process=process,
            title=title,
            label=access.label_row(process, label),
            required_parties=required,
        )
        record(viewer.member, "document.create", doc, {"title": title, "required": required})
        version = Version.objects.create(
            document=doc, number=1, note="first draft", content_hash=""
        )
        order = 0
        for a_order, (heading, clauses) in enumerate(parsed, start=1):
            art = Article.objects.create(document=doc)
            ArticleText.objects.create(version=version, article=art, order=a_order, heading=heading)
            for segs in clauses:
                order += 1
                cl = Clause.objects.create(document=doc)
                ClauseText.objects.create(
                    version=version,
                    clause=cl,
                    article=art,
                    order=order,
                    segments=segs,
                    text_hash=brackets.text_hash(segs),
                )
        _seal_version(doc, version, viewer)
    _publish(process.pk, "document.created", doc, doc.label_id)
    return doc


def _seal_version(doc: Document, version: Version, viewer: Viewer | None) -> None:
    version.content_hash = textstate.content_hash(doc.title, textstate.structure(version))
    version.created_by = _actor(viewer)
    version.save(update_fields=["content_hash", "created_by"])
    record(
        _actor(viewer),
        "text.version",
        version,
        {"document": doc.pk, "number": version.number, "note": version.note},
        doc.label,
    )


def latest_version(doc: Document) -> Version:
    return doc.versions.order_by("-number").first()


def _text_of(version: Version, clause_id: int) -> ClauseText | None:
    return ClauseText.objects.filter(version=version, clause_id=clause_id).first()


def _check_base(doc: Document, latest: Version, base_version: int | None, clause_id: int | None):
    """Optimistic concurrency: 409 with the current version if the edited text moved on."""
    if base_version is None:
        raise Invalid("send the version you edited (base_version)", {"base_version": "required"})
    if base_version == latest.number:
        return
    base = doc.versions.filter(number=base_version).first()
    if base is None or base_version > latest.number:
        raise Invalid(f"version {base_version} does not exist", {"base_version": "unknown"})
    if clause_id is None:
        raise Conflict(
            f"the text changed since version {base_version}: the current version is "
            f"{latest.number}; reload and edit again",
            {"current_version": str(latest.number)},
        )
    old, new = _text_of(base, clause_id), _text_of(latest, clause_id)
    if old is None or new is None or old.text_hash != new.text_hash:
        current = "" if new is None else brackets.render(new.segments)
        raise Conflict(
            f"this clause was changed since version {base_version} (now version "
            f"{latest.number}); your edit was not applied — reload and edit again",
            {"current_version": str(latest.number), "current_text": current},
        )


Mutation = Callable[[list[ArticleText], list[ClauseText]], None]


def _new_version(
    viewer: Viewer,
    doc: Document,
    note: str,
    mutate: Mutation,
    *,
    base_version: int | None,
    clause_id: int | None = None,
    allow_signed: bool = False,
) -> Version:
    """Copy the latest version's rows, let `mutate` edit the copies in memory, save them as the
    next version. Runs inside the caller's transaction with the document row locked."""
    Document.objects.select_for_update().filter(pk=doc.pk).first()
    latest = latest_version(doc)
    if not allow_signed and latest.signatures.exists():
        signed = ", ".join(latest.signatures.values_list("party__code", flat=True))
        raise Conflict(
            f"version {latest.number} is signed ({signed}); a signed version cannot be amended — "
            "the pen holder must open a new version first",
            {"current_version": str(latest.number)},
        )
    _check_base(doc, latest, base_version, clause_id)
    arts = list(ArticleText.objects.filter(version=latest).order_by("order"))
    texts = list(ClauseText.objects.filter(version=latest).order_by("order"))
    mutate(arts, texts)
    new = Version.objects.create(
        document=doc, number=latest.number + 1, note=note[:300], content_hash=""
    )
    for i, a in enumerate(arts, start=1):
        ArticleText.objects.create(version=new, article_id=a.article_id, order=i, heading=a.heading)
    art_order = {a.article_id: i for i, a in enumerate(arts)}
    texts.sort(key=lambda t: (art_order[t.article_id], t.order))
    for i, t in enumerate(texts, start=1):
        ClauseText.objects.create(
            version=new,
            clause_id=t.clause_id,
            article_id=t.article_id,
            order=i,
            segments=t.segments,
            text_hash=brackets.text_hash(t.segments),
        )
    _seal_version(doc, new, viewer)
    return new


def _find(texts: list[ClauseText], clause_id: int) -> ClauseText:
    for t in texts:
        if t.clause_id == clause_id:
            return t
    raise NotFound("clause not found in the current version")


def _pen(viewer: Viewer, doc: Document) -> None:
    access.require(viewer, Perm.HOLD_PEN)
    _check_readable(viewer, doc.label, "document")


def add_article(
    viewer: Viewer, doc: Document, *, heading: str, base_version: int | None
) -> Version:
    _pen(viewer, doc)
    heading = (heading or "").strip()
    if not heading:
        raise Invalid("an article needs a heading", {"heading": "required"})
    with transaction.atomic():
        art = Article.objects.create(document=doc)

        def mutate(arts, texts):
            arts.append(ArticleText(article_id=art.pk, order=len(arts) + 1, heading=heading))

        v = _new_version(
            viewer, doc, f"article added: {heading}", mutate, base_version=base_version
        )
    _publish(doc.process_id, "text.version", v, doc.label_id)
    return v


def add_clause(
    viewer: Viewer,
    doc: Document,
    *,
    article_id: int,
    text: str,
    base_version: int | None,
    after_clause: int | None = None,
) -> tuple[Version, Clause]:
    """Insert a clause at the end of an article (or after a given clause of it)."""
    _pen(viewer, doc)
    segs = brackets.parse(text, viewer.party_code, _codes(doc.process))
    with transaction.atomic():
        clause = Clause.objects.create(document=doc)
        _insert_clause(viewer, doc, clause, article_id, segs, after_clause, base_version, "added")
        v = latest_version(doc)
    _publish(doc.process_id, "text.version", v, doc.label_id)
    return v, clause


def _insert_clause(viewer, doc, clause, article_id, segs, after_clause, base_version, why):
    def mutate(arts, texts):
        if not any(a.article_id == article_id for a in arts):
            raise NotFound("article not found in the current version")
        in_art = [t for t in texts if t.article_id == article_id]
        pos = max((t.order for t in in_art), default=0) + 0.5
        if after_clause is not None:
            pos = _find(in_art, after_clause).order + 0.5
        texts.append(
            ClauseText(clause_id=clause.pk, article_id=article_id, order=pos, segments=segs)
        )

    return _new_version(viewer, doc, f"clause {why}", mutate, base_version=base_version)


def edit_clause(
    viewer: Viewer, doc: Document, clause: Clause, *, text: str, base_version: int | None
) -> Version:
    """Replace a clause's text; a concurrent edit of the same clause gets 409, never overwritten."""
    _pen(viewer, doc)
    with transaction.atomic():
        v = _edit(viewer, doc, clause, text, base_version, "clause edited")
    _publish(doc.process_id, "text.version", v, doc.label_id)
    return v


def _edit(viewer, doc, clause, text, base_version, note):
    segs = _reparse(doc, clause.pk, text, viewer.party_code)

    def mutate(arts, texts):
        _find(texts, clause.pk).segments = segs

    return _new_version(viewer, doc, note, mutate, base_version=base_version, clause_id=clause.pk)


def _reparse(doc: Document, clause_id: int, text: str, author: str) -> list:
    """Parse edited text; brackets and proposers carried over from the current text."""
    segs = brackets.parse(text, None, _codes(doc.process), first_id=1)
    old = _text_of(latest_version(doc), clause_id)
    return brackets.inherit(old.segments if old else [], segs, author)


def delete_clause(
    viewer: Viewer, doc: Document, clause: Clause, *, base_version: int | None
) -> Version:
    _pen(viewer, doc)

    def mutate(arts, texts):
        texts.remove(_find(texts, clause.pk))

    with transaction.atomic():
        v = _new_version(
            viewer, doc, "clause deleted", mutate, base_version=base_version, clause_id=clause.pk
        )
    _publish(doc.process_id, "text.version", v, doc.label_id)
    return v


def resolve_bracket(
    viewer: Viewer,
    doc: Document,
    clause: Clause,
    *,
    bracket: int,
    choice: int,
    base_version: int | None,
) -> Version:
    """Close a bracket by keeping one alternative (the pen holder)."""
    _pen(viewer, doc)
    latest = latest_version(doc)
    current = _text_of(latest, clause.pk)
    if current is None:
        raise NotFound("clause not found in the current version")
    brackets.resolve(current.segments, bracket, choice)  # validate before writing

    def mutate(arts, texts):
        t = _find(texts, clause.pk)
        t.segments = brackets.resolve(t.segments, bracket, choice)

    with transaction.atomic():
        v = _new_version(
            viewer,
            doc,
            f"bracket {bracket} resolved",
            mutate,
            base_version=base_version,
            clause_id=clause.pk,
        )
    _publish(doc.process_id, "text.version", v, doc.label_id)
    return v


def reopen(viewer: Viewer, doc: Document, *, note: str = "") -> Version:
    """Open a new (unsigned) version after a signed one: the only way to change a signed text."""
    _pen(viewer, doc)
    latest = latest_version(doc)
    if not latest.signatures.exists():
        raise Conflict("the current version is not signed; edit it directly", {})
    with transaction.atomic():
        v = _new_version(
            viewer,
            doc,
            note or f"reopened after signed version {latest.number}",
            lambda a, t: None,
            base_version=latest.number,
            allow_signed=True,
        )
    _publish(doc.process_id, "text.version", v, doc.label_id)
    return v


def link_issues(viewer: Viewer, doc: Document, clause: Clause, issue_ids: list[int]) -> Clause:
    """Link a clause to agenda issues (the pen holder); the links are not part of the text."""
    _pen(viewer, doc)
    readable = access.readable(Issue.objects.filter(process=doc.process), viewer)
    issues = list(readable.filter(pk__in=issue_ids))
    if len(issues) != len(set(issue_ids)):
        raise Invalid("unknown issue ids", {"issues": "unknown"})
    with transaction.atomic():
        clause.issues.set(issues)
        record(
            viewer.member,
            "clause.issues",
            ("negotiation.clause", str(clause.pk)),
            {"issues": sorted(i.pk for i in issues)},
            doc.label,
            process=doc.process,
            refs=[i.label for i in issues],  # the record names the issues: their labels too
        )
    _publish(doc.process_id, "clause.linked", clause, doc.label_id)
    return clause


# --- stances ----------------------------------------------------------------------------------
def _required_member(viewer: Viewer, doc: Document, perm: Perm) -> None:
    access.require(viewer, perm)
    _check_readable(viewer, doc.label, "document")
    if viewer.party_code not in doc.required_parties:
        raise Forbidden(f"{viewer.party_code} is not among the parties this text requires")


def record_stance(
    viewer: Viewer,
    doc: Document,
    clause: Clause,
    *,
    stance: str,
    comment: str = "",
    version: int | None,
) -> Stance:
    """Record the viewer's party's stance on a clause as it reads in the current version."""
    _required_member(viewer, doc, Perm.RECORD_STANCE)
    if stance not in Stance.Kind.values:
        raise Invalid(
            f"stance must be one of {', '.join(Stance.Kind.values)}", {"stance": "invalid"}
        )
    latest = latest_version(doc)
    if version is None:
        raise Invalid("send the version you read (version)", {"version": "required"})
    if version != latest.number:
        raise Conflict(
            f"you read version {version}; the current version is {latest.number} — "
            "reload and record your stance on the current text",
            {"current_version": str(latest.number)},
        )
    if latest.signatures.exists():
        raise Conflict("this version is signed; stances can no longer change", {})
    text = _text_of(latest, clause.pk)
    if text is None:
        raise NotFound("clause not found in the current version")
    with transaction.atomic():
        st = Stance.objects.create(
            clause=clause,
            party=viewer.member.party,
            version=latest,
            text_hash=text.text_hash,
            stance=stance,
            comment=(comment or "").strip(),
            label=doc.label,
            by=viewer.member,
        )
        record(viewer.member, "text.stance", st, {"clause": clause.pk, "stance": stance})
    _publish(doc.process_id, "text.stance", st, doc.label_id)
    return st


# --- amendments -------------------------------------------------------------------------------
def _may_propose(viewer: Viewer) -> None:
    if viewer.member is None:
        raise NotFound("process not found")
    if not (viewer.can(Perm.RECORD_STANCE) or viewer.can(Perm.HOLD_PEN)):
        raise Forbidden("your roles in this process do not allow proposing amendments")


def propose_amendment(
    viewer: Viewer,
    doc: Document,
    *,
    kind: str,
    base_version: int | None,
    clause_id: int | None = None,
    article_id: int | None = None,
    text: str = "",
    rationale: str = "",
) -> Amendment:
    """Propose inserting, deleting or replacing a clause (delegates and the pen holder)."""
    _may_propose(viewer)
    _check_readable(viewer, doc.label, "document")
    if kind not in Amendment.Kind.values:
        raise Invalid("kind must be insert, delete or replace", {"kind": "invalid"})
    latest = latest_version(doc)
    if latest.signatures.exists():
        raise Conflict(
            f"version {latest.number} is signed; a signed version cannot be amended",
            {"current_version": str(latest.number)},
        )
    if base_version != latest.number:
        raise Conflict(
            f"amend the current version {latest.number}, not {base_version}",
            {"current_version": str(latest.number)},
        )
    clause = article = None
    if kind in (Amendment.Kind.DELETE, Amendment.Kind.REPLACE):
        clause = Clause.objects.filter(document=doc, pk=clause_id).first()
        if clause is None or _text_of(latest, clause.pk) is None:
            raise Invalid("name a clause of the current version", {"clause_id": "unknown"})
    if kind == Amendment.Kind.INSERT:
        article = Article.objects.filter(document=doc, pk=article_id).first()
        if (
            article is None
            or not ArticleText.objects.filter(version=latest, article=article).exists()
        ):
            raise Invalid("name an article of the current version", {"article_id": "unknown"})
        if clause_id is not None:
            clause = Clause.objects.filter(document=doc, pk=clause_id).first()
            if clause is None:
                raise Invalid("unknown clause to insert after", {"clause_id": "unknown"})
    if kind != Amendment.Kind.DELETE:
        brackets.parse(text, viewer.party_code, _codes(doc.process))
    with transaction.atomic():
        am = Amendment.objects.create(
            document=doc,
            base_version=latest,
            kind=kind,
            clause=clause,
            article=article,
            text=(text or "").strip() if kind != Amendment.Kind.DELETE else "",
            rationale=(rationale or "").strip(),
            label=doc.label,
            party=viewer.member.party,
            proposed_by=viewer.member,
        )
        record(viewer.member, "amendment.propose", am, {"kind": kind})
    _publish(doc.process_id, "amendment.proposed", am, doc.label_id)
    return am


def comment_amendment(viewer: Viewer, amendment: Amendment, text: str) -> AmendmentComment:
    _may_propose(viewer)
    _check_readable(viewer, amendment.label, "amendment")
    text = (text or "").strip()
    if not text:
        raise Invalid("a comment needs text", {"text": "required"})
    with transaction.atomic():
        c = AmendmentComment.objects.create(
            amendment=amendment, text=text, label=amendment.label, by=viewer.member
        )
        record(viewer.member, "amendment.comment", c, {"amendment": amendment.pk})
    _publish(amendment.document.process_id, "amendment.comment", c, c.label_id)
    return c


def decide_amendment(viewer: Viewer, amendment: Amendment, *, accept: bool) -> Amendment:
    """Accept (into a new version) or reject an amendment: only the holder of the pen."""
    doc = amendment.document
    _pen(viewer, doc)
    if amendment.status != Amendment.Status.PROPOSED:
        raise Conflict(f"this amendment was already {amendment.status}", {})
    with transaction.atomic():
        if accept:
            base = amendment.base_version.number
            party = amendment.party.code
            if amendment.kind == Amendment.Kind.INSERT:
                clause = Clause.objects.create(document=doc)
                segs = brackets.parse(amendment.text, party, _codes(doc.process))
                after = amendment.clause_id if amendment.clause_id else None
                latest = latest_version(doc)
                if base != latest.number:
                    base = latest.number  # inserting does not overwrite anyone's edit
                v = _insert_clause(
                    viewer, doc, clause, amendment.article_id, segs, after, base, "inserted"
                )
            elif amendment.kind == Amendment.Kind.DELETE:

                def mutate(arts, texts):
                    texts.remove(_find(texts, amendment.clause_id))

                v = _new_version(
                    viewer,
                    doc,
                    f"amendment {amendment.pk}: clause deleted",
                    mutate,
                    base_version=base,
                    clause_id=amendment.clause_id,
                )
            else:
                v = _edit_as(viewer, doc, amendment, base)
            amendment.result_version = v
        amendment.status = Amendment.Status.ACCEPTED if accept else Amendment.Status.REJECTED
        amendment.decided_by = viewer.member
        amendment.save(update_fields=["status", "decided_by", "result_version"])
        record(viewer.member, f"amendment.{amendment.status}", amendment, {})
    _publish(doc.process_id, "amendment.decided", amendment, doc.label_id)
    return amendment


def _edit_as(viewer, doc, amendment, base):
    """Replace the clause with the amendment text (new alternatives attributed to the proposer)."""
    segs = _reparse(doc, amendment.clause_id, amendment.text, amendment.party.code)

    def mutate(arts, texts):
        _find(texts, amendment.clause_id).segments = segs

    return _new_version(
        viewer,
        doc,
        f"amendment {amendment.pk} accepted",
        mutate,
        base_version=base,
        clause_id=amendment.clause_id,
    )


# --- sign-off ---------------------------------------------------------------------------------
def sign_version(viewer: Viewer, doc: Document, *, version: int) -> Signature:
    """A head of delegation signs a fully agreed version, binding its content hash."""
    _required_member(viewer, doc, Perm.SIGN_TEXT)
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=doc.pk).first()
        latest = latest_version(doc)
        if version != latest.number:
            raise Conflict(
                f"only the current version ({latest.number}) can be signed",
                {"current_version": str(latest.number)},
            )
        arts = textstate.structure(latest)
        status = textstate.annotate(latest, arts, doc.required_parties)
        if status.status != "agreed":
            raise Conflict(
                f"version {latest.number} is not fully agreed ({status.status}: "
                f"{status.clauses_agreed} of {status.clauses_total} clauses agreed, "
                f"{status.open_brackets} open brackets); nothing is agreed until "
                "everything is agreed",
                {"status": status.status},
            )
        digest = textstate.content_hash(doc.title, arts)
        if digest != latest.content_hash:
            raise Conflict("the stored text does not match its recorded hash; verify the ledger")
        if latest.signatures.filter(party=viewer.member.party).exists():
            raise Conflict(f"{viewer.party_code} has already signed version {latest.number}")
        sig = Signature.objects.create(
            version=latest,
            party=viewer.member.party,
            member=viewer.member,
            content_hash=digest,
            label=doc.label,
        )
        record(
            viewer.member,
            "text.sign",
            sig,
            {"document": doc.pk, "version": latest.number, "content_hash": digest},
        )
    _publish(doc.process_id, "text.signed", sig, doc.label_id)
    return sig


# --- analysis runs ----------------------------------------------------------------------------
def run_analysis(
    viewer: Viewer,
    *,
    kind: str,
    issue_ids: list[int] | None = None,
    issue_id: int | None = None,
    capability: dict[str, float] | None = None,
    samples: int = 200,
    seed: int = 0,
    consultation_id: int | None = None,
    min_votes: int = 7,
    relax: bool = False,
) -> AnalysisRun:
    """Run an analysis over what the viewer may read; the run carries the combined label.
    A packages run keeps to every party's acceptable set unless `relax` (see analysis.md)."""
    from accord import analysis as lib
    from accord.negotiation import analysis as adapter

    access.require(viewer, Perm.RUN_ANALYSIS)
    if kind not in AnalysisRun.Kind.values:
        raise Invalid(
            f"kind must be one of {', '.join(AnalysisRun.Kind.values)}", {"kind": "invalid"}
        )
    if not 0 <= samples <= 5000:
        raise Invalid("samples must be 0–5000", {"samples": "out of range"})
    if not 0 <= seed <= 2**31 - 1:
        raise Invalid("seed must be 0–2147483647", {"seed": "out of range"})
    if relax and kind != AnalysisRun.Kind.PACKAGES:
        raise Invalid("relax applies to packages runs only", {"relax": "not for this kind"})
    try:
        if kind == AnalysisRun.Kind.OPINION_GROUPS:
            if consultation_id is None:
                raise Invalid("opinion groups need a consultation", {"consultation": "required"})
            if not 1 <= min_votes <= 1000:
                raise Invalid("min_votes must be 1–1000", {"min_votes": "out of range"})
            outputs, inputs, labels = adapter.run_opinion_groups(
                viewer, consultation_id, min_votes, seed
            )
            label = combine(labels)
            params = {"consultation": consultation_id, "min_votes": min_votes, "seed": seed}
        elif kind == AnalysisRun.Kind.PACKAGES:
            wp = adapter.build_problem(viewer, issue_ids)
            outputs, inputs, label = (
                adapter.run_packages(wp, relax=relax),
                adapter.snapshot(wp),
                wp.label,
            )
            params = {"issues": [i.pk for i in wp.issues], "relax": bool(relax)}
        else:
            if issue_id is None:
                raise Invalid("a forecast needs an issue", {"issue": "required"})
            issue = queries.issue(viewer, issue_id)
            caps = {k.upper(): float(v) for k, v in (capability or {}).items()}
            if any(v <= 0 for v in caps.values()):
                raise Invalid("capabilities must be > 0", {"capability": "out of range"})
            outputs, labels = adapter.run_forecast(viewer, issue, caps, samples, seed)
            inputs = {
                "issue": issue.title,
                "capability": caps,
                "scale": [float(issue.minimum), float(issue.maximum)],
            }
            label = combine(labels)
            params = {"issue": issue.pk, "samples": samples, "seed": seed}
    except lib.AnalysisError as exc:
        raise Invalid(f"the analysis cannot run: {exc}", {"issues": "analysis"}) from exc
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            process=viewer.process,
            kind=kind,
            params=params,
            inputs=inputs,
            outputs=outputs,
            label=access.label_row(viewer.process, label),
            created_by=viewer.member,
        )
        record(viewer.member, "analysis.run", run, {"kind": kind})
    events.publish(viewer.process.pk, {"kind": "analysis.run", "id": run.pk, "label": run.label_id})
    return run


def release_run(viewer: Viewer, run: AnalysisRun, *, rel_to: list[str] | None) -> AnalysisRun:
    """Release a run to chosen parties (or to all with None): the holder of the pen decides,
    and the release is itself recorded. The MEDIATION caveat is lifted; level and other caveats stay."""
    access.require(viewer, Perm.HOLD_PEN)
    current = run.label.value
    parties = None
    if rel_to is not None:
        parties = sorted({c.upper() for c in rel_to} | {viewer.party_code})
    new = access.parse_label(
        viewer.process,
        {
            "level": current.level,
            "rel_to": parties,
            "caveats": sorted(current.caveats - {"MEDIATION"}),
        },
        current,
    )
    access.check_can_apply(viewer, new)
    with transaction.atomic():
        run.label = access.label_row(viewer.process, new)
        run.released_by = viewer.member
        run.released_at = timezone.now()
        run.save(update_fields=["label", "released_by", "released_at"])
        record(
            viewer.member,
            "analysis.release",
            run,
            {"from": current.as_dict(), "to": new.as_dict()},
            new,
        )
    events.publish(
        viewer.process.pk, {"kind": "analysis.released", "id": run.pk, "label": run.label_id}
    )
    return run
