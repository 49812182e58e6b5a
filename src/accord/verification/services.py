"""Every state change of the verification app: check policy, write, record, publish after commit.

Who may do what (core.roles): any member may report a claim (a rumour is everyone's business);
adding sources takes ASSESS_CLAIMS or FILE_REPORTS (analysts and monitors find them); rating a
source and assessing a claim take ASSESS_CLAIMS (analysts). Validation happens before the first
write, and each write shares one transaction with its ledger entry (rule 6).

Corroboration counts independent sources only: a source's lineage root is found by following
`relays` (this account relays that outlet) to its end; two sources are independent when their
roots differ. Credibility 1 ("confirmed") needs two independent sources.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accord.core import access, events, files, links
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Party
from accord.core.queries import valid_id
from accord.core.roles import Perm
from accord.ledger.services import record
from accord.verification import approval, disarm, queries
from accord.verification.models import (
    CREDIBILITY,
    ESTIMATIVE,
    RELIABILITY,
    Assessment,
    Claim,
    Counter,
    Evidence,
    LineResponse,
    PublicLine,
    Source,
    SourceRating,
    Tactic,
    Technique,
)

log = logging.getLogger("accord.verification")
DEFAULT_LEVEL = 1  # RESTRICTED, releasable to every party (capped at the creator's clearance)
MAX_CLAIM = 5000
MAX_SOURCES_PER_CLAIM = 50
MAX_TECHNIQUES = 20


def _notify(obj, kind: str, key: str, labels: list[int]) -> None:
    events.notify(obj_process(obj), f"verification.{kind}", {key: obj.pk}, labels)


def obj_process(obj) -> int:
    if isinstance(obj, Assessment | Evidence):
        return obj.claim.process_id
    return obj.process_id


def _default_label(viewer: Viewer) -> LabelValue:
    return LabelValue.of(min(DEFAULT_LEVEL, max(viewer.clearance, 0)))


def _text(value: str | None, what: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"a {what} is required", {what: "required"})
    if len(value) > limit:
        raise Invalid(f"the {what} is at most {limit} characters", {what: "too long"})
    return value


def _url(value: str | None, what: str = "url") -> str:
    value = _text(value, what, 500)
    if value and not value.lower().startswith(("http://", "https://")):
        raise Invalid(
            f"the {what} must start with http:// or https://", {what: "not a web address"}
        )
    return value


def _reliability(value: str | None) -> str:
    v = (value or "").strip().upper()
    if v not in RELIABILITY:
        raise Invalid(
            f"source reliability is a letter A–F on the Admiralty scale, not {value!r}",
            {"reliability": "outside A–F"},
        )
    return v


def _require_any(viewer: Viewer, *perms: Perm) -> None:
    if viewer.member is None:
        raise NotFound("process not found")
    if not any(viewer.can(p) for p in perms):
        access.require(viewer, perms[0])


# --- DISARM ------------------------------------------------------------------------------------
def import_disarm(path: str | Path, *, actor: str = "accord verification import-disarm") -> dict:
    """Load the DISARM framework from a STIX 2.1 bundle into the reference tables (replacing
    what an earlier import wrote, by external id); recorded in the system ledger."""
    fw = disarm.read(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    with transaction.atomic():
        for t in fw.tactics:
            Tactic.objects.update_or_create(
                external_id=t.external_id,
                defaults={"name": t.name, "shortname": t.shortname, "description": t.description},
            )
        existing = set(Technique.objects.values_list("external_id", flat=True))
        new = [
            Technique(
                external_id=t.external_id,
                name=t.name,
                description=t.description,
                tactics=list(t.tactics),
                parent=t.parent,
                url=t.url,
            )
            for t in fw.techniques
            if t.external_id not in existing
        ]
        Technique.objects.bulk_create(new)
        for t in fw.techniques:
            if t.external_id in existing:
                Technique.objects.filter(external_id=t.external_id).update(
                    name=t.name,
                    description=t.description,
                    tactics=list(t.tactics),
                    parent=t.parent,
                    url=t.url,
                )
        for c in fw.counters:
            Counter.objects.update_or_create(
                external_id=c.external_id, defaults={"name": c.name, "description": c.description}
            )
        summary = {
            "tactics": len(fw.tactics),
            "techniques": len(fw.techniques),
            "counters": len(fw.counters),
            "sha256": digest,
            "credit": disarm.CREDIT,
        }
        record(actor, "verification.import_disarm", ("verification.framework", "disarm"), summary)
    return summary


def validate_techniques(ids: list[str] | None) -> list[str]:
    """DISARM technique IDs checked against the imported table (unknown → 422 naming them)."""
    out: list[str] = []
    for raw in ids or []:
        t = str(raw or "").strip().upper()
        if t and t not in out:
            out.append(t)
    if len(out) > MAX_TECHNIQUES:
        raise Invalid(f"at most {MAX_TECHNIQUES} techniques per claim", {"techniques": "too many"})
    bad = [t for t in out if not disarm.TECHNIQUE_RE.match(t)]
    if bad:
        raise Invalid(
            f"not DISARM technique IDs (T0000 or T0000.000): {', '.join(bad)}",
            {"techniques": "malformed"},
        )
    known = set(Technique.objects.filter(external_id__in=out).values_list("external_id", flat=True))
    unknown = [t for t in out if t not in known]
    if unknown:
        hint = "" if Technique.objects.exists() else " (the DISARM framework is not imported yet)"
        raise Invalid(
            f"unknown DISARM technique(s): {', '.join(unknown)}{hint}",
            {"techniques": "unknown"},
        )
    return out


# --- sources -----------------------------------------------------------------------------------
def lineage_root(source: Source) -> int:
    """The id of the source at the end of the relay chain (itself when it relays nothing)."""
    seen: set[int] = set()
    s = source
    while s.relays_id is not None and s.relays_id not in seen:
        seen.add(s.pk)
        nxt = Source.objects.filter(pk=s.relays_id).only("pk", "relays_id").first()
        if nxt is None:
            break
        s = nxt
    return s.pk


def independent_count(sources: list[Source]) -> int:
    """How many independent sources among these: distinct lineage roots."""
    return len({lineage_root(s) for s in sources})


def create_source(
    viewer: Viewer,
    *,
    name: str,
    kind: str,
    url: str = "",
    platform: str = "",
    relays: int | None = None,
    reliability: str = "F",
    status: str = Source.Status.UNDETERMINED,
    notes: str = "",
    label: LabelValue | None = None,
) -> Source:
    """Add a source (analysts and monitors); its first reliability rating starts its history."""
    _require_any(viewer, Perm.ASSESS_CLAIMS, Perm.FILE_REPORTS)
    name = _text(name, "name", 200, required=True)
    if kind not in Source.Kind.values:
        raise Invalid(
            f"a source is one of: {', '.join(Source.Kind.values)} (not {kind!r})",
            {"kind": "unknown"},
        )
    rel = _reliability(reliability)
    if status not in Source.Status.values:
        raise Invalid(
            f"a source status is one of: {', '.join(Source.Status.values)}", {"status": "unknown"}
        )
    url = _url(url)
    platform = _text(platform, "platform", 60)
    notes = _text(notes, "notes", 2000)
    parent = None
    if relays is not None:
        parent = queries.source(viewer, relays)
    label = label or _default_label(viewer)
    access.check_can_apply(viewer, label)
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        s = Source.objects.create(
            process=viewer.process,
            name=name,
            kind=kind,
            url=url,
            platform=platform,
            relays=parent,
            reliability=rel,
            status=status,
            notes=notes,
            label=row,
            created_by=viewer.member,
        )
        SourceRating.objects.create(
            source=s, reliability=rel, note="first rating", rated_by=viewer.member
        )
        record(
            viewer.member,
            "verification.source",
            s,
            {"relays": parent.pk if parent else None},
            refs=[parent] if parent else [],
        )
    _notify(s, "source", "source", [s.label_id])
    return s


def rate_source(
    viewer: Viewer, source: Source, *, reliability: str, note: str = "", status: str | None = None
) -> SourceRating:
    """A new reliability rating (and optionally status) of a source; the history keeps all."""
    access.require(viewer, Perm.ASSESS_CLAIMS)
    source = queries.source(viewer, source.pk)
    rel = _reliability(reliability)
    note = _text(note, "note", 500)
    if status is not None and status not in Source.Status.values:
        raise Invalid(
            f"a source status is one of: {', '.join(Source.Status.values)}", {"status": "unknown"}
        )
    with transaction.atomic():
        rating = SourceRating.objects.create(
            source=source, reliability=rel, note=note, rated_by=viewer.member
        )
        source.reliability = rel
        if status is not None:
            source.status = status
        source.save(update_fields=["reliability", "status"])
        record(viewer.member, "verification.rate_source", source, {"note": note})
    _notify(source, "source", "source", [source.label_id])
    return rating


def set_relays(viewer: Viewer, source: Source, relays: int | None) -> Source:
    """Say which source this one relays (its lineage); a loop is refused."""
    _require_any(viewer, Perm.ASSESS_CLAIMS, Perm.FILE_REPORTS)
    source = queries.source(viewer, source.pk)
    parent = None if relays is None else queries.source(viewer, relays)
    if parent is not None:
        s: Source | None = parent
        seen: set[int] = set()
        while s is not None and s.pk not in seen:
            if s.pk == source.pk:
                raise Invalid(
                    "a source cannot relay itself, directly or through others",
                    {"relays": "loop"},
                )
            seen.add(s.pk)
            s = s.relays
    with transaction.atomic():
        source.relays = parent
        source.save(update_fields=["relays"])
        record(
            viewer.member,
            "verification.relays",
            source,
            {"relays": parent.pk if parent else None},
            refs=[parent] if parent else [],
        )
    _notify(source, "source", "source", [source.label_id])
    return source


# --- claims ------------------------------------------------------------------------------------
def create_claim(
    viewer: Viewer,
    *,
    text: str,
    language: str = "en",
    url: str = "",
    platform: str = "",
    place: str = "",
    seen_at: datetime | None = None,
    sources: list[int] | None = None,
    techniques: list[str] | None = None,
    disinformant_category: str = "",
    disinformant_country: str = "",
    attribution: str = "",
    intent: str = "",
    label: LabelValue | None = None,
    concerns: list[tuple[str, int]] | None = None,
) -> Claim:
    """Report a claim as seen (any member); it joins the similar-claim index at once."""
    if viewer.member is None:
        raise NotFound("process not found")
    text = _text(text, "text", MAX_CLAIM, required=True)
    language = _text(language, "language", 12) or "en"
    url = _url(url)
    platform = _text(platform, "platform", 60)
    place = _text(place, "place", 200)
    for value, choices, what in (
        (disinformant_category, Claim.Category.values, "disinformant_category"),
        (attribution, Claim.Attribution.values, "attribution"),
        (intent, Claim.Intent.values, "intent"),
    ):
        if value not in choices:
            opts = ", ".join(c for c in choices if c)
            raise Invalid(f"{what.replace('_', ' ')} is one of: {opts}", {what: "unknown"})
    country = _text(disinformant_country, "disinformant_country", 60)
    source_ids = list(dict.fromkeys(sources or []))
    if len(source_ids) > MAX_SOURCES_PER_CLAIM:
        raise Invalid(f"at most {MAX_SOURCES_PER_CLAIM} sources per claim", {"sources": "too many"})
    found = list(queries.sources(viewer).filter(pk__in=[i for i in source_ids if valid_id(i)]))
    if len(found) != len(source_ids):
        raise NotFound("source not found")
    tech = validate_techniques(techniques)
    if len(concerns or []) > MAX_CONCERNS:
        raise Invalid(f"a claim concerns at most {MAX_CONCERNS} things", {"concerns": "too many"})
    targets = [_concern(viewer, kind_name, obj_id) for kind_name, obj_id in concerns or []]
    label = label or _default_label(viewer)
    access.check_can_apply(viewer, label)
    if seen_at is not None and seen_at > timezone.now() + timezone.timedelta(minutes=5):
        raise Invalid("a claim cannot be seen in the future", {"seen_at": "in the future"})
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        claim = Claim.objects.create(
            process=viewer.process,
            text=text,
            language=language,
            url=url,
            platform=platform,
            place=place,
            seen_at=seen_at or timezone.now(),
            techniques=tech,
            disinformant_category=disinformant_category,
            disinformant_country=country,
            attribution=attribution,
            intent=intent,
            label=row,
            created_by=viewer.member,
        )
        if found:
            claim.sources.set(found)
        record(
            viewer.member,
            "verification.claim",
            claim,
            {"sources": [s.pk for s in found], "techniques": tech},
            refs=found,
        )
        for obj in targets:
            _attach_concern(viewer, claim, obj)
    transaction.on_commit(lambda: queries.index_claim(claim))
    _notify(claim, "claim", "claim", [claim.label_id])
    return claim


MAX_CONCERNS = 20
PARTY = "core.party"  # parties are known to every member: no label, no link kind
CONCERN_KINDS = (
    "negotiation.issue",
    "negotiation.clause",
    "negotiation.document",
    "implementation.violation",
    "implementation.commitment",
    "meetings.decision",
    "meetings.meeting",
    "alignment.action",
    "alignment.constraint",
)


def _concern(viewer: Viewer, kind_name: str, obj_id: int):
    """What a claim may concern (a party of the process, an agenda issue, a clause, an
    incident…), read through the reader's access: an object they may not read is 'not found',
    like a missing one."""
    if kind_name == PARTY:
        party = viewer.process.parties.filter(pk=obj_id).first() if valid_id(obj_id) else None
        if party is None:
            raise NotFound("the party the claim concerns was not found")
        return party
    if kind_name not in CONCERN_KINDS:
        words = ", ".join((PARTY, *CONCERN_KINDS))
        raise Invalid(f"a claim may concern one of: {words}", {"concerns": "unknown kind"})
    obj = links.resolve(viewer, kind_name, obj_id) if valid_id(obj_id) else None
    if obj is None:
        raise NotFound("what the claim concerns was not found")
    return obj


def _attach_concern(viewer: Viewer, claim: Claim, target) -> None:
    if isinstance(target, Party):
        claim.parties.add(target)
        record(viewer.member, "verification.claim_party", claim, {"party": target.code})
        return
    from accord.core import services as core_services

    core_services.add_link(viewer, claim, target, "concerns")


def link_claim(viewer: Viewer, claim: Claim, kind_name: str, obj_id: int) -> None:
    """Say what a claim concerns after it was reported (its reporter, analysts, monitors)."""
    claim = queries.claim(viewer, claim.pk)
    if claim.created_by_id != viewer.member.pk:
        _require_any(viewer, Perm.ASSESS_CLAIMS, Perm.FILE_REPORTS)
    target = _concern(viewer, kind_name, obj_id)
    with transaction.atomic():
        _attach_concern(viewer, claim, target)
    _notify(claim, "claim", "claim", [claim.label_id])


def add_claim_source(viewer: Viewer, claim: Claim, source_id: int) -> Claim:
    """Another source seen carrying the claim."""
    _require_any(viewer, Perm.ASSESS_CLAIMS, Perm.FILE_REPORTS)
    claim = queries.claim(viewer, claim.pk)
    source = queries.source(viewer, source_id)
    if claim.sources.filter(pk=source.pk).exists():
        raise Conflict("this source is already recorded as carrying the claim", {"source": "dup"})
    with transaction.atomic():
        claim.sources.add(source)
        record(
            viewer.member, "verification.claim_source", claim, {"source": source.pk}, refs=[source]
        )
    _notify(claim, "claim", "claim", [claim.label_id, source.label_id])
    return claim


def check_estimative(likelihood: str | None, probability: int | None) -> tuple[str, int | None]:
    """ICD 203: the estimative word must match the probability given (its band, inclusive)."""
    word = (likelihood or "").strip().lower()
    if not word and probability is None:
        return "", None
    if not word:
        raise Invalid(
            "a probability needs its estimative word (ICD 203), such as “likely”",
            {"likelihood": "required"},
        )
    if word not in ESTIMATIVE:
        raise Invalid(
            f"{likelihood!r} is not an ICD 203 estimative word; use one of: "
            + ", ".join(ESTIMATIVE),
            {"likelihood": "unknown"},
        )
    if probability is None or isinstance(probability, bool) or not isinstance(probability, int):
        raise Invalid(
            f"“{word}” needs the probability it stands for, in per cent",
            {"probability": "required"},
        )
    lo, hi = ESTIMATIVE[word]
    if not lo <= probability <= hi:
        fits = [w for w, (a, b) in ESTIMATIVE.items() if a <= probability <= b]
        hint = f"; {probability} % is “{' / '.join(fits)}”" if fits else ""
        raise Invalid(
            f"“{word}” means {lo}–{hi} % (ICD 203), not {probability} %{hint}",
            {"likelihood": "outside its band"},
        )
    return word, probability


def assess(
    viewer: Viewer,
    claim: Claim,
    *,
    status: str,
    credibility: int,
    rationale: str,
    likelihood: str = "",
    probability: int | None = None,
    source: int | None = None,
    label: LabelValue | None = None,
    evidence: list[int] | None = None,
) -> Assessment:
    """An analyst's assessment: workflow status, credibility 1–6, ICD 203 words, rationale;
    written with the reliability of its source as "B2". Credibility 1 needs two independent
    sources by lineage (of those carrying the claim that the analyst may read)."""
    access.require(viewer, Perm.ASSESS_CLAIMS)
    claim = queries.claim(viewer, claim.pk)
    if status not in Claim.Status.values:
        raise Invalid(
            f"a workflow status is one of: {', '.join(Claim.Status.labels)}", {"status": "unknown"}
        )
    if (
        isinstance(credibility, bool)
        or not isinstance(credibility, int)
        or credibility not in CREDIBILITY
    ):
        raise Invalid(
            f"information credibility is 1–6 on the Admiralty scale, not {credibility!r}",
            {"credibility": "outside 1–6"},
        )
    rationale = _text(rationale, "rationale", 5000, required=True)
    word, prob = check_estimative(likelihood, probability)
    carried = list(queries.sources(viewer).filter(claims=claim))
    independent = independent_count(carried)
    if credibility == 1 and independent < 2:
        raise Conflict(
            "credibility 1 (confirmed by other sources) needs at least two independent sources; "
            f"this claim has {independent} independent source{'s' if independent != 1 else ''} "
            f"among the {len(carried)} carrying it (sources that relay the same origin count once)",
            {"credibility": "not confirmed by independent sources"},
        )
    src = None
    if source is not None:
        src = queries.source(viewer, source)
    reliability = src.reliability if src is not None else "F"
    cited_ids = list(dict.fromkeys(evidence or []))
    cited = list(
        queries.evidence(viewer, claim).filter(pk__in=[i for i in cited_ids if valid_id(i)])
    )
    if len(cited) != len(cited_ids):
        raise NotFound("evidence not found among the files kept for this claim")
    # a cited file is a reference: readers of the assessment who may not read the file do
    # not see it named (queries.assessment_evidence), so it does not tighten the label
    value = combine([claim.label.value, label or claim.label.value])
    access.check_can_apply(viewer, value)
    with transaction.atomic():
        row = access.label_row(viewer.process, value)
        a = Assessment.objects.create(
            claim=claim,
            status=status,
            source=src,
            reliability=reliability,
            credibility=credibility,
            likelihood=word,
            probability=prob,
            rationale=rationale,
            independent_sources=independent,
            label=row,
            analyst=viewer.member,
        )
        if cited:
            a.evidence.set(cited)
        record(
            viewer.member,
            "verification.assess",
            a,
            {
                "rating": a.rating,
                "probability": prob,
                "independent_sources": independent,
                "evidence": [e.sha256 for e in cited],
            },
            refs=([src] if src else []) + cited,
        )
    _notify(a, "assessment", "assessment", [a.label_id, claim.label_id])
    return a


MAX_EVIDENCE_PER_CLAIM = 50


def add_evidence(
    viewer: Viewer,
    claim: Claim,
    *,
    name: str,
    data: bytes,
    note: str = "",
    label: LabelValue | None = None,
) -> Evidence:
    """Keep a file as evidence for a claim (its reporter, analysts and monitors). The type is
    sniffed from the bytes and must match the name (core.files); the file is stored by its
    SHA-256, which the claim page and the verification report show so a copy can be checked.
    Labelled like the claim, or tighter: the claim's label combined with the one chosen."""
    claim = queries.claim(viewer, claim.pk)
    if claim.created_by_id != viewer.member.pk:
        _require_any(viewer, Perm.ASSESS_CLAIMS, Perm.FILE_REPORTS)
    name = files.clean_name(name, "evidence")
    note = _text(note, "note", 500)
    ctype = files.check(name, data)
    if Evidence.objects.filter(claim=claim).count() >= MAX_EVIDENCE_PER_CLAIM:
        raise Conflict(
            f"a claim keeps at most {MAX_EVIDENCE_PER_CLAIM} files of evidence",
            {"file": "too many"},
        )
    value = combine([claim.label.value, label or claim.label.value])
    access.check_can_apply(viewer, value)
    digest = files.store(data)
    with transaction.atomic():
        row = access.label_row(viewer.process, value)
        ev = Evidence.objects.create(
            claim=claim,
            name=name,
            content_type=ctype,
            size=len(data),
            sha256=digest,
            note=note,
            label=row,
            added_by=viewer.member,
        )
        record(viewer.member, "verification.evidence", ev)
    _notify(ev, "evidence", "evidence", [ev.label_id, claim.label_id])
    return ev


# --- joint public lines ----------------------------------------------------------------------
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
MAX_LINE_TEXT = 4000


def _clean_texts(texts: dict | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in (texts or {}).items():
        code = str(lang or "").strip()
        if not LANG_RE.match(code):
            raise Invalid(
                f"{code!r} is not a language code such as en or fr", {"texts": "language"}
            )
        body = " ".join(str(text or "").split())
        if not body:
            continue
        if len(body) > MAX_LINE_TEXT:
            raise Invalid(
                f"the {code} text is at most {MAX_LINE_TEXT} characters", {"texts": "too long"}
            )
        out[code] = body
    if not out:
        raise Invalid(
            "a public line needs its text in at least one language", {"texts": "required"}
        )
    return dict(sorted(out.items()))


def _clean_counters(ids: list[str] | None) -> list[str]:
    out = []
    for raw in ids or []:
        c = str(raw or "").strip().upper()
        if c and c not in out:
            out.append(c)
    bad = [c for c in out if not disarm.COUNTER_RE.match(c)]
    if bad:
        raise Invalid(
            f"not DISARM counter IDs (C00000): {', '.join(bad)}", {"counters": "malformed"}
        )
    if Counter.objects.exists():  # a bundle with counters: they must be known
        known = set(
            Counter.objects.filter(external_id__in=out).values_list("external_id", flat=True)
        )
        unknown = [c for c in out if c not in known]
        if unknown:
            raise Invalid(
                f"unknown DISARM counter(s): {', '.join(unknown)}", {"counters": "unknown"}
            )
    return out


def line_content(line: PublicLine, claim_ids: list[int] | None = None) -> dict:
    """What the allies approve: everything a spokesperson would say or act on."""
    ids = sorted(claim_ids if claim_ids is not None else line.claims.values_list("pk", flat=True))
    return {
        "series": line.series,
        "version": line.version,
        "title": line.title,
        "texts": line.texts,
        "claims": ids,
        "verdict": line.verdict,
        "counters": line.counters,
        "audience": line.audience,
        "guidance": line.guidance,
        "public": line.public,
        "embargo_until": line.embargo_until.isoformat() if line.embargo_until else None,
        "rule": line.rule,
        "deadline": line.deadline.isoformat() if line.deadline else None,
    }


def content_hash(line: PublicLine, claim_ids: list[int] | None = None) -> str:
    data = json.dumps(line_content(line, claim_ids), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def _ally_labels(process) -> LabelValue:
    codes = list(Party.objects.filter(process=process, kind="ally").values_list("code", flat=True))
    return LabelValue.of(1, codes or None)


def _tell_allies(line: PublicLine, kind: str) -> None:
    """Every ally told at once (one notice to every reader of the line)."""
    events.notify(line.process_id, f"verification.{kind}", {"line": line.pk}, [line.label_id])


def _check_line_fields(
    viewer: Viewer,
    *,
    title: str,
    texts: dict,
    claims: list[int] | None,
    verdict: str,
    counters: list[str] | None,
    audience: str,
    guidance: str,
    public: bool,
    embargo_until: datetime | None,
    rule: str,
    deadline: datetime | None,
    now: datetime,
) -> dict:
    title = _text(title, "title", 200, required=True)
    clean = _clean_texts(texts)
    if verdict not in PublicLine.Verdict.values:
        raise Invalid(
            f"the line's verdict is one of: {', '.join(PublicLine.Verdict.values)}",
            {"verdict": "unknown"},
        )
    if rule not in approval.RULES:
        raise Invalid("the decision rule is unanimity or silence", {"rule": "unknown"})
    if rule == approval.SILENCE and deadline is None:
        raise Invalid(
            "the silence procedure needs a deadline (the time silence expires)",
            {"deadline": "required"},
        )
    if deadline is not None and deadline <= now:
        raise Invalid("the deadline must be in the future", {"deadline": "in the past"})
    ids = list(dict.fromkeys(claims or []))
    found = list(queries.claims(viewer).filter(pk__in=[i for i in ids if valid_id(i)]))
    if len(found) != len(ids):
        raise NotFound("claim not found")
    return {
        "title": title,
        "texts": clean,
        "claims": found,
        "verdict": verdict,
        "counters": _clean_counters(counters),
        "audience": _text(audience, "audience", 200),
        "guidance": _text(guidance, "guidance", 4000),
        "public": bool(public),
        "embargo_until": embargo_until,
        "rule": rule,
        "deadline": deadline,
    }


def _require_drafter(viewer: Viewer, act: str) -> None:
    access.require(viewer, Perm.DRAFT_PUBLIC_LINES)
    if viewer.member.party.kind != "ally":
        raise Forbidden(
            f"only the allies' members {act} joint public lines; your party is not an ally"
        )


def draft_line(
    viewer: Viewer,
    *,
    title: str,
    texts: dict,
    claims: list[int] | None = None,
    verdict: str = "false",
    counters: list[str] | None = None,
    audience: str = "",
    guidance: str = "",
    public: bool = False,
    embargo_until: datetime | None = None,
    rule: str = approval.UNANIMITY,
    deadline: datetime | None = None,
    label: LabelValue | None = None,
    now: datetime | None = None,
    _previous: PublicLine | None = None,
) -> PublicLine:
    """Draft a joint public line and circulate it to every ally for approval under its rule
    (an ally's communications officer or head of delegation)."""
    _require_drafter(viewer, "draft")
    now = now or timezone.now()
    fields = _check_line_fields(
        viewer,
        title=title,
        texts=texts,
        claims=claims,
        verdict=verdict,
        counters=counters,
        audience=audience,
        guidance=guidance,
        public=public,
        embargo_until=embargo_until,
        rule=rule,
        deadline=deadline,
        now=now,
    )
    found = fields.pop("claims")
    label = label or _ally_labels(viewer.process)
    access.check_can_apply(viewer, label)
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        line = PublicLine.objects.create(
            process=viewer.process,
            version=(_previous.version + 1) if _previous else 1,
            series=_previous.series if _previous else 0,
            label=row,
            created_by=viewer.member,
            content_hash="",
            **fields,
        )
        if not line.series:
            line.series = line.pk
        line.claims.set(found)
        line.content_hash = content_hash(line, [c.pk for c in found])
        line.save(update_fields=["series", "content_hash"])
        if _previous is not None:
            _previous.status = PublicLine.Status.SUPERSEDED
            _previous.save(update_fields=["status"])
            record(viewer.member, "verification.line_superseded", _previous, {"by": line.pk})
        record(
            viewer.member,
            "verification.line_circulate",
            line,
            {"rule": line.rule, "claims": [c.pk for c in found]},
            refs=found,
        )
    _tell_allies(line, "line_circulated")
    return line


def revise_line(viewer: Viewer, line: PublicLine, **changes) -> PublicLine:
    """A change to a line is a new version that needs every ally's approval again."""
    line = queries.line(viewer, line.pk)
    if line.status in (PublicLine.Status.SUPERSEDED, PublicLine.Status.PUBLISHED):
        raise Conflict(
            f"this version is {line.get_status_display().lower()}; revise the latest one",
            {"line": line.status},
        )
    current = {
        "title": line.title,
        "texts": line.texts,
        "claims": list(line.claims.values_list("pk", flat=True)),
        "verdict": line.verdict,
        "counters": line.counters,
        "audience": line.audience,
        "guidance": line.guidance,
        "public": line.public,
        "embargo_until": line.embargo_until,
        "rule": line.rule,
        "deadline": changes.get("deadline"),
        "label": line.label.value,
    }
    unknown = set(changes) - set(current) - {"now"}
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}", {"changes": "unknown"})
    current.update(changes)
    return draft_line(viewer, **current, _previous=line)


def respond_line(
    viewer: Viewer,
    line: PublicLine,
    *,
    kind: str,
    amendment: str = "",
    note: str = "",
    now: datetime | None = None,
) -> LineResponse:
    """An ally's approval or objection (with an amendment under the silence procedure), by a
    member holding DRAFT_PUBLIC_LINES; ledgered; the line settles when its rule decides."""
    _require_drafter(viewer, "approve")
    now = now or timezone.now()
    line = queries.line(viewer, line.pk)
    if kind not in LineResponse.Kind.values:
        raise Invalid("a response is approve or object", {"kind": "unknown"})
    amendment = _text(amendment, "amendment", MAX_LINE_TEXT)
    note = _text(note, "note", 500)
    if line.status != PublicLine.Status.CIRCULATING:
        raise Conflict(
            f"this version is {line.get_status_display().lower()}: it takes no more responses",
            {"line": line.status},
        )
    v = approval.verdict(line, now)
    if not v.open:
        raise Conflict(f"this version is already decided ({v.words})", {"line": v.outcome})
    if line.deadline is not None and now >= line.deadline:
        raise Conflict("the deadline has passed", {"deadline": "passed"})
    if kind == "object" and line.rule == approval.SILENCE and not amendment:
        raise Invalid(
            "under the silence procedure an objection must carry an amendment",
            {"amendment": "required"},
        )
    party = viewer.member.party
    if line.responses.filter(party=party).exists():
        raise Conflict(f"{party.code} has already responded to this version", {"party": "done"})
    if content_hash(line) != line.content_hash:
        raise Conflict("the line's content no longer matches its hash", {"line": "tampered"})
    with transaction.atomic():
        r = LineResponse.objects.create(
            line=line,
            party=party,
            member=viewer.member,
            kind=kind,
            amendment=amendment,
            note=note,
            content_hash=line.content_hash,
            at=now,
        )
        record(
            viewer.member,
            f"verification.line_{kind}",
            line,
            {"party": party.code, "amendment": amendment, "content_hash": line.content_hash},
        )
        outcome = _settle(line, now, viewer.member)
    if outcome is not None and outcome.outcome == approval.SILENCE_BROKEN:
        _tell_allies(line, "line_silence_broken")
    elif outcome is not None:
        _tell_allies(line, "line_decided")
    else:
        _tell_allies(line, "line_response")
    return r


def _settle(line: PublicLine, now: datetime, actor) -> approval.Verdict | None:
    """Record the outcome once the rule has decided (inside the caller's transaction)."""
    v = approval.verdict(line, now)
    if v.open or line.status != PublicLine.Status.CIRCULATING:
        return None
    line.status = PublicLine.Status.APPROVED if v.adopted else PublicLine.Status.NOT_ADOPTED
    line.decided_at = v.decided_at or now
    line.save(update_fields=["status", "decided_at"])
    record(
        actor or "accord",
        "verification.line_decided",
        line,
        {"outcome": v.outcome, "approved": list(v.approved), "objected": list(v.objected)},
        process=line.process,
    )
    return v


def settle_due(now: datetime | None = None) -> int:
    """Decide every circulating line whose deadline has passed (silence expires, unanimity
    lapses); called by the periodic task and before a line is shown or published."""
    now = now or timezone.now()
    n = 0
    for line in PublicLine.objects.filter(
        status=PublicLine.Status.CIRCULATING, deadline__lte=now
    ).select_related("process"):
        with transaction.atomic():
            v = _settle(line, now, None)
        if v is not None:
            n += 1
            _tell_allies(line, "line_decided")
    return n


def publish_line(viewer: Viewer, line: PublicLine, now: datetime | None = None) -> PublicLine:
    """Publish an approved line once its embargo has passed: its readers (the allies'
    communications officers) get it as the agreed line; a line marked public is released to
    everyone (relabelled UNCLASSIFIED, a ledgered release) and appears on the process's public
    page with ClaimReview markup. Every claim a public line answers must itself be public."""
    _require_drafter(viewer, "publish")
    now = now or timezone.now()
    settle_due(now)
    line = queries.line(viewer, line.pk)
    if line.status == PublicLine.Status.PUBLISHED:
        raise Conflict("this line is already published", {"line": "published"})
    if line.status != PublicLine.Status.APPROVED:
        raise Conflict(
            f"only an approved line can be published; this one is {approval.verdict(line, now).words}",
            {"line": line.status},
        )
    if content_hash(line) != line.content_hash:
        raise Conflict("the approved content no longer matches its hash", {"line": "tampered"})
    if line.embargo_until and now < line.embargo_until:
        raise Conflict(
            f"the line is under embargo until {line.embargo_until:%d %b %Y %H:%M} UTC",
            {"embargo_until": "not yet"},
        )
    claims = list(line.claims.select_related("label"))
    if line.public:
        closed = [
            c for c in claims if c.label.level != 0 or c.label.rel_to is not None or c.label.caveats
        ]
        if closed:
            raise Conflict(
                f"{len(closed)} claim{'s' if len(closed) != 1 else ''} this line answers "
                f"{'are' if len(closed) != 1 else 'is'} not unclassified and releasable to all; "
                "a public line can only answer public claims",
                {"claims": "not public"},
            )
    with transaction.atomic():
        line.status = PublicLine.Status.PUBLISHED
        line.published_at = now
        fields = ["status", "published_at"]
        if line.public:
            line.label = access.label_row(line.process, LabelValue.of(0))
            fields.append("label")
        line.save(update_fields=fields)
        record(
            viewer.member,
            "verification.line_publish",
            line,
            {"public": line.public, "content_hash": line.content_hash},
        )
    _tell_allies(line, "line_published")
    return line
