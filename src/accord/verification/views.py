"""HTML pages of the verification app: parse → service/query → template, no logic."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access, files, links
from accord.core.errors import AccordError, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Process
from accord.core.roles import Perm
from accord.ui.pages import (
    error_page,
    label_choices,
    link_choices,
    process_viewer,
    render_page,
    with_viewer,
)
from accord.ui.pdf import export_response
from accord.verification import disarm, exports, queries, services
from accord.verification.models import (
    CREDIBILITY,
    ESTIMATIVE,
    RELIABILITY,
    Claim,
    PublicLine,
    Source,
)

LANGS = (("en", "English"), ("fr", "French"), ("ru", "Russian"), ("kes", "Kestrian"))


def _int(raw: str | None, what: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise Invalid(f"{what} must be a whole number", {what: "not a number"}) from exc


def _label(request: HttpRequest, viewer: access.Viewer) -> LabelValue | None:
    if "label_level" not in request.POST:
        return None
    data = {
        "level": _int(request.POST.get("label_level"), "classification") or 0,
        "rel_to": request.POST.getlist("label_rel_to") or None,
        "caveats": request.POST.getlist("label_caveats"),
    }
    return access.parse_label(viewer.process, data, LabelValue())


def _when(raw: str | None, what: str = "seen_at") -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        words = what.replace("_", " ")
        raise Invalid(f"the {words} is not a date and time", {what: "invalid"}) from exc
    return value if value.tzinfo else timezone.make_aware(value)


def _base(viewer: access.Viewer, here: str, **extra) -> dict:
    return {
        "process": viewer.process,
        "viewer": viewer,
        "here": here,
        "can_assess": viewer.can(Perm.ASSESS_CLAIMS),
        "can_add_sources": viewer.can(Perm.ASSESS_CLAIMS) or viewer.can(Perm.FILE_REPORTS),
        "credit": disarm.CREDIT,
        **extra,
    }


# --- claims ------------------------------------------------------------------------------------
@login_required
@with_viewer
def claim_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Claims the viewer may read, filtered by status, technique, language, platform or words."""
    f = {
        k: (request.GET.get(k) or "").strip()[:100]
        for k in ("status", "technique", "language", "platform", "q")
    }
    rows = queries.filtered_claims(viewer, **{k: v or None for k, v in f.items()})
    every = queries.claims(viewer)
    ctx = _base(
        viewer,
        "Claims",
        claims=list(rows[:200]),
        filters=f,
        statuses=Claim.Status.choices,
        languages=sorted({x for x in every.values_list("language", flat=True) if x}),
        platforms=sorted({x for x in every.values_list("platform", flat=True) if x}),
        techniques=sorted(
            {t for ts in every.values_list("techniques", flat=True) for t in ts or []}
        ),
    )
    return render_page(request, "verification/claims.html", ctx)


def _new_claim_ctx(viewer: access.Viewer, **extra) -> dict:
    return _base(
        viewer,
        "Report a claim",
        sources=list(queries.sources(viewer)),
        languages=LANGS,
        categories=Claim.Category.choices,
        intents=Claim.Intent.choices,
        attributions=Claim.Attribution.choices,
        sel_level=min(services.DEFAULT_LEVEL, viewer.clearance),
        concern_choices=_concern_choices(viewer),
        **label_choices(viewer),
        **extra,
    )


def _concern_choices(viewer: access.Viewer, c: Claim | None = None) -> list[tuple[str, str]]:
    """What a claim may be said to concern: the parties, then readable issues, clauses,
    incidents… (those it already concerns are left out)."""
    taken: set[str] = set()
    if c is not None:
        taken = {f"{services.PARTY}:{p.pk}" for p in c.parties.all()}
        taken |= {f"{t.kind}:{t.id}" for t in links.targets(viewer, c, "concerns")}
    parties = [
        (f"{services.PARTY}:{p.pk}", f"Party: {p.name}")
        for p in viewer.process.parties.order_by("name")
    ]
    out = parties + link_choices(viewer, list(services.CONCERN_KINDS))
    return [(v, t) for v, t in out if v not in taken]


def _concern_value(raw: str) -> tuple[str, int]:
    kind, _, oid = (raw or "").partition(":")
    return kind, _int(oid, "concerns") or 0


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def claim_new(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The form to report a claim; the claim page it leads to lists similar claims at once."""
    if request.method == "POST":
        p = request.POST
        try:
            c = services.create_claim(
                viewer,
                text=p.get("text", ""),
                language=p.get("language", "en"),
                url=p.get("url", ""),
                platform=p.get("platform", ""),
                place=p.get("place", ""),
                seen_at=_when(p.get("seen_at")),
                sources=[_int(x, "source") for x in p.getlist("sources") if x],
                techniques=p.get("techniques", "").replace(",", " ").split(),
                disinformant_category=p.get("disinformant_category", ""),
                disinformant_country=p.get("disinformant_country", ""),
                attribution=p.get("attribution", ""),
                intent=p.get("intent", ""),
                label=_label(request, viewer),
                concerns=[_concern_value(x) for x in p.getlist("concerns") if x],
            )
        except AccordError as exc:
            ctx = _new_claim_ctx(
                viewer, error=exc.message, form=p, form_concerns=p.getlist("concerns")
            )
            return render_page(request, "verification/claim_new.html", ctx, status=exc.status)
        messages.success(request, "The claim was recorded.")
        url = redirect("verification:claim", slug=viewer.process.slug, claim_id=c.pk).url
        return redirect(f"{url}?new=1")
    return render_page(request, "verification/claim_new.html", _new_claim_ctx(viewer, form={}))


def _claim_ctx(viewer: access.Viewer, c: Claim, **extra) -> dict:
    srcs = queries.claim_sources(viewer, c)
    hits = queries.similar(viewer, c.text, exclude=c.pk)
    latest = {h.claim.pk: queries.latest_assessment(viewer, h.claim) for h in hits}
    return _base(
        viewer,
        "Claim",
        c=c,
        sources=[(s, queries.lineage(viewer, s)) for s in srcs],
        independent=queries.independent_sources(viewer, c),
        assessments=[
            (a, queries.assessment_evidence(viewer, a)) for a in queries.assessments(viewer, c)
        ],
        similar=[(h, latest[h.claim.pk]) for h in hits],
        techniques=list(queries.techniques(c.techniques)),
        concerns=links.targets(viewer, c, "concerns"),
        concern_parties=list(c.parties.order_by("name")),
        concern_choices=_concern_choices(viewer, c),
        evidence=list(queries.evidence(viewer, c)),
        may_add_evidence=c.created_by_id == viewer.member.pk
        or viewer.can(Perm.ASSESS_CLAIMS)
        or viewer.can(Perm.FILE_REPORTS),
        max_mb=files.max_bytes() // (1024 * 1024),
        other_sources=[s for s in queries.sources(viewer) if s not in srcs],
        statuses=Claim.Status.choices,
        credibility=sorted(CREDIBILITY.items()),
        estimative=[(w, lo, hi) for w, (lo, hi) in ESTIMATIVE.items()],
        sel_level=c.label.level,
        **label_choices(viewer),
        **extra,
    )


@login_required
@with_viewer
def claim_detail(request: HttpRequest, viewer: access.Viewer, claim_id: int) -> HttpResponse:
    """A claim: its sources and their lineage, the assessment history, similar claims."""
    c = queries.claim(viewer, claim_id)
    ctx = _claim_ctx(viewer, c, is_new=request.GET.get("new") == "1")
    return render_page(request, "verification/claim.html", ctx)


def _claim_act(request: HttpRequest, slug: str, claim_id: int, act, note: str) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        c = queries.claim(viewer, claim_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        act(viewer, c)
    except AccordError as exc:
        ctx = _claim_ctx(
            viewer, queries.claim(viewer, c.pk), page_error=exc.message, form=request.POST
        )
        return render_page(request, "verification/claim.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect("verification:claim", slug=slug, claim_id=c.pk)


@login_required
@require_POST
def claim_assess(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    p = request.POST

    def act(v, c):
        services.assess(
            v,
            c,
            status=p.get("status", ""),
            credibility=_int(p.get("credibility"), "credibility"),
            rationale=p.get("rationale", ""),
            likelihood=p.get("likelihood", ""),
            probability=_int(p.get("probability"), "probability"),
            source=_int(p.get("source"), "source"),
            evidence=[_int(x, "evidence") or 0 for x in p.getlist("evidence") if x],
        )

    return _claim_act(request, slug, claim_id, act, "The assessment was recorded.")


@login_required
@require_POST
def claim_add_source(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    sid = request.POST.get("source")

    def act(v, c):
        services.add_claim_source(v, c, _int(sid, "source") or 0)

    return _claim_act(request, slug, claim_id, act, "The source was added to the claim.")


@login_required
@require_POST
def claim_add_evidence(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    def act(v, c):
        name, data = files.required_upload(request.FILES)
        services.add_evidence(
            v, c, name=name, data=data, note=request.POST.get("note", ""), label=_label(request, v)
        )

    return _claim_act(request, slug, claim_id, act, "The evidence was kept with its SHA-256.")


@login_required
@with_viewer
def claim_evidence(
    request: HttpRequest, viewer: access.Viewer, claim_id: int, evidence_id: int
) -> HttpResponse:
    """Download one file of evidence (404 unless the reader may read it and its claim)."""
    ev = queries.one_evidence(viewer, claim_id, evidence_id)
    return files.download(ev)


@login_required
@with_viewer
def claim_report(request: HttpRequest, viewer: access.Viewer, claim_id: int, fmt: str):
    """The claim's verification report to print (HTML, in the browser) or download (PDF),
    under the label of everything it includes."""
    return export_response(*exports.export(viewer, claim_id, fmt=fmt), page=True)


@login_required
@require_POST
def claim_link(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    kind, oid = _concern_value(request.POST.get("concerns", ""))

    def act(v, c):
        services.link_claim(v, c, kind, oid)

    return _claim_act(request, slug, claim_id, act, "The claim now says what it concerns.")


# --- sources -----------------------------------------------------------------------------------
def _sources_ctx(viewer: access.Viewer, **extra) -> dict:
    return _base(
        viewer,
        "Sources",
        sources=list(queries.sources(viewer)),
        kinds=Source.Kind.choices,
        statuses=Source.Status.choices,
        reliability=sorted(RELIABILITY.items()),
        sel_level=min(services.DEFAULT_LEVEL, viewer.clearance),
        **label_choices(viewer),
        **extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def source_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Sources the viewer may read, with their reliability; a form to add one."""
    if request.method == "POST":
        p = request.POST
        try:
            s = services.create_source(
                viewer,
                name=p.get("name", ""),
                kind=p.get("kind", ""),
                url=p.get("url", ""),
                platform=p.get("platform", ""),
                relays=_int(p.get("relays"), "relays"),
                reliability=p.get("reliability", "F"),
                status=p.get("status", "undetermined"),
                notes=p.get("notes", ""),
                label=_label(request, viewer),
            )
        except AccordError as exc:
            ctx = _sources_ctx(viewer, error=exc.message, form=p)
            return render_page(request, "verification/sources.html", ctx, status=exc.status)
        messages.success(request, "The source was added.")
        return redirect("verification:source", slug=viewer.process.slug, source_id=s.pk)
    return render_page(request, "verification/sources.html", _sources_ctx(viewer, form={}))


def _source_ctx(viewer: access.Viewer, s: Source, **extra) -> dict:
    return _base(
        viewer,
        s.name,
        s=s,
        ratings=queries.ratings(viewer, s),
        lineage=queries.lineage(viewer, s),
        relayed_by=list(queries.relayed_by(viewer, s)),
        claims=list(queries.claims(viewer).filter(sources=s)[:50]),
        reliability=sorted(RELIABILITY.items()),
        statuses=Source.Status.choices,
        **extra,
    )


@login_required
@with_viewer
def source_detail(request: HttpRequest, viewer: access.Viewer, source_id: int) -> HttpResponse:
    """A source: reliability and its history, lineage, the claims it carries."""
    s = queries.source(viewer, source_id)
    return render_page(request, "verification/source.html", _source_ctx(viewer, s))


@login_required
@require_POST
def source_rate(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        s = queries.source(viewer, source_id)
    except AccordError as exc:
        return error_page(request, exc)
    p = request.POST
    try:
        services.rate_source(
            viewer,
            s,
            reliability=p.get("reliability", ""),
            note=p.get("note", ""),
            status=p.get("status") or None,
        )
    except AccordError as exc:
        ctx = _source_ctx(viewer, s, page_error=exc.message)
        return render_page(request, "verification/source.html", ctx, status=exc.status)
    messages.success(request, "The rating was recorded.")
    return redirect("verification:source", slug=slug, source_id=s.pk)


# --- DISARM ------------------------------------------------------------------------------------
@login_required
@with_viewer
def techniques(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The imported DISARM techniques (reference), with the framework's credit."""
    q = (request.GET.get("q") or "").strip()[:100]
    qs = queries.techniques()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(external_id__iexact=q)
    ctx = _base(
        viewer,
        "DISARM techniques",
        techniques=list(qs[:500]),
        q=q,
        total=queries.techniques().count(),
    )
    return render_page(request, "verification/techniques.html", ctx)


# --- joint public lines ----------------------------------------------------------------------
def _texts_from(post) -> dict[str, str]:
    return {k[5:]: v for k, v in post.items() if k.startswith("text_") and v.strip()}


def _lines_ctx(viewer: access.Viewer, **extra) -> dict:
    rows = [(ln, queries.line_verdict(ln)) for ln in queries.lines(viewer)[:200]]
    return _base(
        viewer,
        "Public lines",
        rows=rows,
        can_draft=_can_draft(viewer),
        claims=list(queries.claims(viewer)[:100]),
        verdicts=PublicLine.Verdict.choices,
        **extra,
    )


def _can_draft(viewer: access.Viewer) -> bool:
    return viewer.can(Perm.DRAFT_PUBLIC_LINES) and viewer.member.party.kind == "ally"


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def line_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Public lines the viewer may read; the form to draft and circulate one."""
    services.settle_due()
    if request.method == "POST":
        p = request.POST
        try:
            ln = services.draft_line(
                viewer,
                title=p.get("title", ""),
                texts=_texts_from(p),
                claims=[_int(x, "claim") for x in p.getlist("claims") if x],
                verdict=p.get("verdict", "false"),
                counters=p.get("counters", "").replace(",", " ").split(),
                audience=p.get("audience", ""),
                guidance=p.get("guidance", ""),
                public=p.get("public") == "1",
                embargo_until=_when(p.get("embargo_until"), "embargo_until"),
                rule=p.get("rule", "unanimity"),
                deadline=_when(p.get("deadline"), "deadline"),
            )
        except AccordError as exc:
            ctx = _lines_ctx(viewer, error=exc.message, form=p)
            return render_page(request, "verification/lines.html", ctx, status=exc.status)
        messages.success(request, "The line was circulated to every ally.")
        return redirect("verification:line", slug=viewer.process.slug, publicline_id=ln.pk)
    return render_page(request, "verification/lines.html", _lines_ctx(viewer, form={}))


def _line_ctx(viewer: access.Viewer, ln: PublicLine, **extra) -> dict:
    v = queries.line_verdict(ln)
    responded = {r.party_id for r in queries.line_responses(viewer, ln)}
    can = _can_draft(viewer)
    return _base(
        viewer,
        ln.title,
        ln=ln,
        v=v,
        claims=queries.line_claims(viewer, ln),
        responses=queries.line_responses(viewer, ln),
        versions=queries.line_versions(viewer, ln),
        can_draft=can,
        can_respond=can
        and ln.status == "circulating"
        and v.open
        and viewer.member.party_id not in responded,
        can_publish=can and ln.status == "approved",
        can_revise=can and ln.status in ("circulating", "approved", "not_adopted"),
        **extra,
    )


@login_required
@with_viewer
def line_detail(request: HttpRequest, viewer: access.Viewer, publicline_id: int) -> HttpResponse:
    """A public line: its texts, the claims it answers, each ally's response, its versions."""
    services.settle_due()
    ln = queries.line(viewer, publicline_id)
    return render_page(request, "verification/line.html", _line_ctx(viewer, ln))


def _line_act(request: HttpRequest, slug: str, publicline_id: int, act, note: str) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        ln = queries.line(viewer, publicline_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        out = act(viewer, ln)
    except AccordError as exc:
        ctx = _line_ctx(viewer, queries.line(viewer, ln.pk), page_error=exc.message)
        return render_page(request, "verification/line.html", ctx, status=exc.status)
    messages.success(request, note)
    target = out.pk if isinstance(out, PublicLine) else ln.pk
    return redirect("verification:line", slug=slug, publicline_id=target)


@login_required
@require_POST
def line_respond(request: HttpRequest, slug: str, publicline_id: int) -> HttpResponse:
    p = request.POST
    return _line_act(
        request,
        slug,
        publicline_id,
        lambda v, ln: services.respond_line(
            v, ln, kind=p.get("kind", ""), amendment=p.get("amendment", ""), note=p.get("note", "")
        ),
        "Your party's response was recorded and every ally was told.",
    )


@login_required
@require_POST
def line_publish(request: HttpRequest, slug: str, publicline_id: int) -> HttpResponse:
    return _line_act(
        request,
        slug,
        publicline_id,
        lambda v, ln: services.publish_line(v, ln),
        "The line was published.",
    )


@login_required
@require_POST
def line_revise(request: HttpRequest, slug: str, publicline_id: int) -> HttpResponse:
    p = request.POST
    return _line_act(
        request,
        slug,
        publicline_id,
        lambda v, ln: services.revise_line(
            v, ln, texts=_texts_from(p), deadline=_when(p.get("deadline"), "deadline")
        ),
        "The new version was circulated to every ally.",
    )


def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The process's published public lines, with schema.org ClaimReview markup: no sign-in."""
    process = Process.objects.filter(slug=slug).first()
    published = queries.public_lines(process) if process is not None else []
    member = process is not None and access.active_member(request.user, process=process)
    if not published and not member:  # a process with nothing public does not show it exists
        return error_page(request, NotFound("process not found"))
    url = request.build_absolute_uri(request.path)
    author = "The allies in the " + process.name
    rows, blobs = [], []
    for ln in published:
        reviews = queries.claim_reviews(ln, url, author)
        rows.append((ln, reviews))
        blobs += [json.dumps(r, ensure_ascii=False).replace("<", "\\u003c") for r in reviews]
    ctx = {"process": process, "lines": rows, "jsonld": blobs, "public_view": True}
    return render_page(request, "verification/public.html", ctx)


# --- rumour tracker ----------------------------------------------------------------------------
@login_required
@with_viewer
def tracker(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Claims over time by status, and by technique, language and platform (Vega-Lite, drawn
    on the server, with the numbers in tables)."""
    from django.utils.safestring import mark_safe

    from accord.ui import charts

    t = queries.tracker(viewer)
    words = dict(Claim.Status.choices)
    names = {x.external_id: x.name for x in queries.techniques(list(t["techniques"]))}
    day_rows = [
        {"day": d, "status": words.get(s, s), "claims": n}
        for (d, s), n in sorted(t["days"].items())
    ]
    tech_rows = [
        {"technique": f"{k} {names.get(k, '')}".strip(), "claims": n}
        for k, n in t["techniques"].most_common(15)
    ]
    figs = []
    if day_rows:
        figs.append(
            {
                "id": "days",
                "spec": {
                    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                    "title": "Claims seen per day, by status",
                    "description": "Stacked bars: claims you may read, per day seen, by status.",
                    "width": 320,
                    "height": 200,
                    "data": {"values": day_rows},
                    "mark": "bar",
                    "encoding": {
                        "x": {"field": "day", "type": "ordinal", "title": "Day seen"},
                        "y": {
                            "field": "claims",
                            "type": "quantitative",
                            "title": "Claims",
                            "axis": {"tickMinStep": 1, "format": "d"},
                        },
                        "color": {"field": "status", "type": "nominal", "title": "Status"},
                    },
                },
                "table": (
                    ("Day", "Status", "Claims"),
                    [(r["day"], r["status"], r["claims"]) for r in day_rows],
                ),
            }
        )
    if tech_rows:
        figs.append(
            {
                "id": "techniques",
                "spec": {
                    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                    "title": "Claims by DISARM technique",
                    "description": "Bars: how many claims you may read carry each technique.",
                    "width": 320,
                    "height": {"step": 18},
                    "data": {"values": tech_rows},
                    "mark": "bar",
                    "encoding": {
                        "y": {"field": "technique", "type": "nominal", "sort": "-x", "title": None},
                        "x": {
                            "field": "claims",
                            "type": "quantitative",
                            "title": "Claims",
                            "axis": {"tickMinStep": 1, "format": "d"},
                        },
                    },
                },
                "table": (
                    ("Technique", "Claims"),
                    [(r["technique"], r["claims"]) for r in tech_rows],
                ),
            }
        )
    for f in figs:
        f["svg"] = mark_safe(charts.accessible_svg(f["spec"]))  # noqa: S308 (our renderer's SVG, text escaped)
        f["title"] = f["spec"]["title"]
    ctx = _base(
        viewer,
        "Rumour tracker",
        figures=figs,
        languages=t["languages"].most_common(),
        platforms=t["platforms"].most_common(),
        statuses=[(words.get(k, k), n) for k, n in t["status"].most_common()],
    )
    return render_page(request, "verification/tracker.html", ctx)
