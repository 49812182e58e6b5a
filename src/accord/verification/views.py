"""HTML pages of the verification app: parse → service/query → template, no logic."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access, links
from accord.core.errors import AccordError, Invalid
from accord.core.labels import LabelValue
from accord.core.roles import Perm
from accord.ui.pages import error_page, label_choices, process_viewer, render_page, with_viewer
from accord.verification import disarm, queries, services
from accord.verification.models import CREDIBILITY, ESTIMATIVE, RELIABILITY, Claim, Source

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


def _when(raw: str | None) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid("the time seen is not a date and time", {"seen_at": "invalid"}) from exc
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
        **label_choices(viewer),
        **extra,
    )


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
            )
        except AccordError as exc:
            ctx = _new_claim_ctx(viewer, error=exc.message, form=p)
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
        assessments=list(queries.assessments(viewer, c)),
        similar=[(h, latest[h.claim.pk]) for h in hits],
        techniques=list(queries.techniques(c.techniques)),
        concerns=links.targets(viewer, c),
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
        )

    return _claim_act(request, slug, claim_id, act, "The assessment was recorded.")


@login_required
@require_POST
def claim_add_source(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    sid = request.POST.get("source")

    def act(v, c):
        services.add_claim_source(v, c, _int(sid, "source") or 0)

    return _claim_act(request, slug, claim_id, act, "The source was added to the claim.")


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
