"""The browser crawl: every page of the site, as several members, at 1366 px and 390 px.

Pages are found from the URL resolver (so a page added later is crawled without editing this
file); each URL parameter gets the id of an object the member may read (through the registry
of labelled kinds, core.links). A parameter this table cannot fill fails the crawl until it is
taught here. Every page is checked for Python reprs in its text, sideways scroll at 390 px,
console errors and serious or critical axe-core violations; a screenshot of each is saved.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / "var" / "screenshots"
WIDTHS = (1366, 390)

# A Python repr in a page's text: "<Message: …>", "{'key': …}", "[<…", "object at 0x…"
REPR = re.compile(r"<[A-Z]\w*: |\{'\w+'|\[<\w|object at 0x[0-9a-f]+|QuerySet \[")

# URL parameter → the kind of object it names (core.links), or a fixed value
PARAMS = {
    "channel_id": "comms.channel",
    "message_id": "comms.message",
    "doc_id": "negotiation.document",
    "clause_id": "negotiation.clause",
    "run_id": "negotiation.analysisrun",
    "consultation_id": "consult.consultation",
    "statement_id": "consult.statement",
    "member_id": "core.member",
    "issue_id": "negotiation.issue",
    "position_id": "negotiation.position",
    "report_id": "implementation.compliancereport",
}
# routes not crawled, with the reason (fragments and downloads are covered by their own tests)
SKIP = {
    "/mfa/": "the second-factor step of a session not yet complete",
    "/logout/": "POST only",
    "/login/": "crawled signed out in test_crawl",
}


@dataclass
class Problem:
    url: str
    width: int
    what: str

    def __str__(self) -> str:
        return f"{self.url} @ {self.width}px: {self.what}"


@dataclass
class CrawlReport:
    member: str
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)
    shots: Path | None = None


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the site as a string with <converter:name> parts (admin and API aside)."""
    out: list[str] = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue
            out += routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            out.append("/" + route)
    return out


def _kind_named(param: str) -> str | None:
    """The registered kind a `<model>_id` parameter names (meeting_id → meetings.meeting), when
    exactly one app has a kind of that model name."""
    from accord.core import links

    if not param.endswith("_id"):
        return None
    model = param[:-3].replace("_", "")
    found = [k.name for k in links.kinds() if k.name.split(".", 1)[1] == model]
    return found[0] if len(found) == 1 else None


def page_urls(username: str, slug: str = "lake-varna") -> list[str]:
    """The URLs of every route, filled with objects this member may read (runs in Django)."""
    from accord.core import access, links
    from accord.core.models import Member

    member = Member.objects.select_related("party", "user", "process").get(
        process__slug=slug, user__username=username
    )
    viewer = access.viewer_of(member)
    urls: list[str] = []
    for route in routes():
        if route in SKIP or route.startswith("/healthz"):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values: dict[str, str] = {}
        for name in names:
            if name == "slug":
                values[name] = slug
                continue
            if name in ("token_id", "assignment_id"):
                values[name] = "0"  # POST-only routes: answered 405, skipped
                continue
            kind = PARAMS.get(name) or _kind_named(name)
            if kind is None:
                raise AssertionError(
                    f"crawl: teach tests/e2e/crawl.PARAMS about {name!r} ({route})"
                )
            qs = links.kind(kind).readable(viewer)
            if name == "message_id" and "channel_id" in values:
                qs = qs.filter(channel_id=int(values["channel_id"]))
            if name == "clause_id" and "doc_id" in values:
                qs = qs.filter(document_id=int(values["doc_id"]))
            if name == "statement_id" and "consultation_id" in values:
                qs = qs.filter(consultation_id=int(values["consultation_id"]))
            attnames = {f.attname for f in qs.model._meta.concrete_fields}
            for prev, val in values.items():  # nested routes: the child of the parent chosen
                if prev in attnames and prev not in ("slug",):
                    qs = qs.filter(**{prev: int(val)})
            obj = qs.order_by("pk").first()
            if obj is None:
                values = {}
                break
            values[name] = str(obj.pk)
        if names and not values:
            continue  # nothing of that kind this member may read: nothing to show
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
        urls.append(url)
    only = [x for x in os.environ.get("ACCORD_CRAWL_ONLY", "").split(",") if x]
    if only:  # while building one app: its pages only (e.g. ACCORD_CRAWL_ONLY=/meetings)
        urls = [u for u in urls if any(x in u for x in only)]
    return sorted(set(urls))


def check_page(page, url: str, width: int, report: CrawlReport, errors: list[str]) -> None:
    """Visit one page and record what is wrong with it."""
    page.set_viewport_size({"width": width, "height": 900})
    errors.clear()
    probe = page.request.get(url, max_redirects=0)
    ctype = probe.headers.get("content-type", "")
    if probe.status >= 500:
        report.problems.append(Problem(url, width, f"server error {probe.status}"))
        return
    if probe.status in (301, 302, 405) or not ctype.startswith("text/html"):
        return  # POST-only, a redirect, a download or JSON: not a page
    if "<html" not in probe.text()[:300].lower():
        return  # an htmx fragment, not a page
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)
    report.pages += 1
    text = page.inner_text("body")
    found = REPR.search(text)
    if found:
        start = max(0, found.start() - 40)
        report.problems.append(
            Problem(url, width, f"Python repr: …{text[start : found.end() + 40]!r}")
        )
    if width <= 400:
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if sideways > 1:
            culprit = page.evaluate(
                """() => { const w = document.documentElement.clientWidth; let worst = null;
                for (const el of document.querySelectorAll('body *')) {
                  const r = el.getBoundingClientRect();
                  if (r.right > w + 1 && (!worst || r.right > worst.r)) {
                    let p = el.parentElement, clipped = false;
                    while (p) { const o = getComputedStyle(p).overflowX;
                      if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
                      p = p.parentElement; }
                    if (!clipped) worst = {r: r.right, d: el.tagName + '.' + el.className};
                  } }
                return worst ? worst.d : ''; }"""
            )
            report.problems.append(Problem(url, width, f"sideways scroll {sideways}px ({culprit})"))
    if probe.status in (403, 404):
        # a page that refuses this member (and says why): the browser logs the status itself
        errors[:] = [e for e in errors if not e.startswith("Failed to load resource")]
    if errors:
        report.problems.append(Problem(url, width, f"console errors: {errors[:3]}"))
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(' | '))"
    )
    for v in result:
        report.problems.append(Problem(url, width, f"axe {v}"))
    if report.shots is not None:
        name = re.sub(r"[^\w]+", "_", url.split("://", 1)[-1].split("/", 1)[-1]).strip("_")
        out = report.shots / f"{name or 'home'}-{width}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
