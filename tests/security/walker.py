"""Route enumeration and substitution: every GET route of the OpenAPI and every HTML route of
the URL resolver, with ids of objects the member may read and of objects they may not.

A path parameter is filled from `PARAMS` (parameter name → where its values come from); a query
parameter from `QUERY`. A parameter neither table knows fails the walk with a message naming
the route and the parameter: a new route is covered without editing this file, and one whose
parameters cannot be substituted fails until it is taught.

Each probe of an unreadable value has an *absent twin*: the same request with a value that
names nothing at all. Both answers must be the same (status and body, once the value itself is
masked): 404 for an unreadable object exactly as for a missing one, "nothing found" for an
unreadable search term exactly as for a word nobody wrote.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from accord.core import links
from tests.security.canaries import ID_BASE, ID_RE, TOKEN_PREFIX, TOKEN_RE, World
from tests.security.oracle import Expectation

SKIP_PREFIXES = ("admin/", "api/", "static/", "media/")
ABSENT_ID = ID_BASE - 4321  # above every demo id, below every canary block: names nothing
ABSENT_SLUG = "cnry-nowhere"
ABSENT_TOKEN = f"{TOKEN_PREFIX}9999"
ABSENT_TERM = "Zoltan Quarrimore"
DEMO_SAMPLE = 2  # demo (non-canary) objects tried per parameter, besides every canary
ENTRY_SAMPLE = 20  # ledger entries tried per readability, one per action first
POST_ONLY_SAMPLE = 2  # unreadable values tried per parameter on a route that refuses GET (405)


class Untaught(AssertionError):
    """A route has a parameter the walker does not know how to fill."""


# --- parameters -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """Where the values of one path parameter come from.

    kind: a registered kind (`accord.core.links`): readable and unreadable objects of it.
    source: for what is not a labelled kind (see `_source_candidates`).
    parent: (attribute of the object, names of the path parameter it fills), so that nested
    routes get consistent values (a message and its channel, a clause and its document).
    """

    kind: str | None = None
    source: str | None = None
    parent: tuple[str, tuple[str, ...]] | None = None


_DOC = ("document_id", ("document_id", "doc_id"))
PARAMS: dict[str, Param] = {
    "slug": Param(source="process"),
    "channel_id": Param(kind="comms.channel"),
    "message_id": Param(kind="comms.message", parent=("channel_id", ("channel_id",))),
    "attachment_id": Param(kind="comms.attachment", parent=("message_id", ("message_id",))),
    "issue_id": Param(kind="negotiation.issue"),
    "position_id": Param(kind="negotiation.position"),
    "document_id": Param(kind="negotiation.document"),
    "doc_id": Param(kind="negotiation.document"),
    "clause_id": Param(kind="negotiation.clause", parent=_DOC),
    "amendment_id": Param(kind="negotiation.amendment", parent=_DOC),
    "run_id": Param(kind="negotiation.analysisrun"),
    "consultation_id": Param(kind="consult.consultation"),
    "statement_id": Param(
        kind="consult.statement", parent=("consultation_id", ("consultation_id",))
    ),
    "member_id": Param(kind="core.member"),
    "assignment_id": Param(source="assignment", parent=("member_id", ("member_id",))),
    "token_id": Param(source="token"),
    "seq": Param(source="entry"),
}


@dataclass(frozen=True)
class Query:
    """How a query parameter is probed.

    values: fixed values tried (on the readable request); none → left at its default.
    kind: ids of a registered kind (readable on the base request; unreadable with twins).
    search: search terms (readable canary tokens; unreadable tokens and hidden names, twins).
    person: names of hidden members (twins).
    largest: the schema's maximum (page size), so lists show everything.
    """

    values: tuple[str, ...] = ()
    kind: str | None = None
    search: bool = False
    person: bool = False
    largest: bool = False


QUERY: dict[str, Query] = {
    "limit": Query(largest=True),
    "offset": Query(),
    "page": Query(),
    "q": Query(search=True),
    "channel": Query(kind="comms.channel"),
    "sender": Query(kind="core.member"),
    "issue_id": Query(kind="negotiation.issue"),
    "reply_to": Query(kind="comms.message"),
    "actor": Query(person=True),
    "party": Query(),  # party codes are public
    "kind": Query(),
    "status": Query(),
    "cluster": Query(),
    "role": Query(),
    "precedence": Query(),
    "since": Query(),
    "until": Query(),
    "max_level": Query(),
    "action": Query(),
    "after_id": Query(values=("0",)),
    "unread_only": Query(),
    "include_inactive": Query(values=("true",)),
    "format": Query(values=("html", "md", "pdf", "docx")),
    "clean": Query(values=("true",)),
    "version": Query(),
    "a": Query(),
    "b": Query(),
    "size": Query(),
    "old": Query(),
    "new": Query(),
    "next": Query(),
    "level": Query(),
    "rel_to": Query(),
    "caveats": Query(),
}


# the apps' own parameters (tests/security/apps/<app>.py)
from tests.security import apps as _apps  # noqa: E402

_apps.extend(PARAMS, QUERY)


# --- routes -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    source: str  # "api" or "html"
    template: str  # "/api/v1/processes/{slug}/channels/{channel_id}"
    params: tuple[str, ...]
    query: tuple[tuple[str, dict], ...] = ()  # (name, schema) of the API's query parameters

    def __str__(self) -> str:
        return self.template

    def url(self, values: dict[str, str], query: dict[str, str] | None = None) -> str:
        path = self.template
        for name in self.params:
            path = path.replace("{" + name + "}", str(values[name]))
        return path + ("?" + urlencode(query, doseq=True) if query else "")


def api_routes() -> list[Route]:
    """Every GET operation of the OpenAPI."""
    from accord.api import api

    out = []
    for path, ops in api.get_openapi_schema()["paths"].items():
        op = ops.get("get")
        if op is None:
            continue
        names = tuple(re.findall(r"{(\w+)}", path))
        query = tuple(
            (p["name"], p.get("schema", {})) for p in op.get("parameters", []) if p["in"] == "query"
        )
        out.append(Route("api", path, names, query))
    return out


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, object]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def html_routes() -> list[Route]:
    """Every route of the URL resolver outside the admin, the API and static files."""
    out: dict[str, Route] = {}
    for pattern, p in _walk(get_resolver().url_patterns):
        if pattern.startswith(SKIP_PREFIXES):
            continue
        if not isinstance(p.pattern, RoutePattern) or "(?P<" in pattern or "^" in pattern:
            raise Untaught(f"HTML route {pattern!r}: teach walker.html_routes regex patterns")
        template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
        names = tuple(re.findall(r"{(\w+)}", template))
        out.setdefault(template, Route("html", template, names))
    return list(out.values())


def check_taught(routes: list[Route]) -> None:
    """Every path and query parameter must be known to PARAMS / QUERY."""
    for r in routes:
        for name in r.params:
            if name not in PARAMS:
                raise Untaught(
                    f"route {r.template}: path parameter {name!r} — teach walker.PARAMS about "
                    f"{name!r} (which kind of object it names)"
                )
        for name, _ in r.query:
            if name not in QUERY:
                raise Untaught(
                    f"route {r.template}: query parameter {name!r} — teach walker.QUERY "
                    f"about {name!r}"
                )


# --- values -----------------------------------------------------------------------------------
@dataclass
class Candidate:
    value: str
    obj: object | None  # the model instance (for parents), if any
    what: str


@dataclass
class Pool:
    """Readable and unreadable values of each parameter, for one member."""

    readable: dict[str, list[Candidate]] = field(default_factory=dict)
    unreadable: dict[str, list[Candidate]] = field(default_factory=dict)


def _sample(ids: list[int]) -> list[int]:
    canary = [i for i in ids if i >= ID_BASE]
    demo = [i for i in ids if i < ID_BASE][:DEMO_SAMPLE]
    return demo + canary


def _spread(entries: list, n: int) -> list:
    """At most n entries, one of each action first, then evenly spread."""
    first: dict[str, object] = {}
    for e in entries:
        first.setdefault(e.action, e)
    out = list(first.values())[:n]
    rest = [e for e in entries if e not in out]
    step = max(1, len(rest) // max(1, n - len(out)))
    return out + rest[::step][: max(0, n - len(out))]


def _kind_candidates(exp: Expectation, kind: str, readable: bool) -> list[Candidate]:
    k = links.kind(kind)
    ids = exp.readable_objects(kind) if readable else exp.unreadable_objects(kind)
    objs = k.model.objects.in_bulk(_sample(ids))
    return [Candidate(str(pk), objs[pk], f"{kind} {pk}") for pk in sorted(objs)]


def _source_candidates(world: World, exp: Expectation, source: str, readable: bool):
    from accord.core.models import ApiToken, RoleAssignment
    from accord.ledger.models import Entry
    from accord.ledger.queries import timeline

    if source == "process":
        p = world.process if readable else world.other
        return [Candidate(p.slug, p, f"process {p.slug}")]
    if source == "entry":
        mine = set(timeline(exp.viewer).values_list("pk", flat=True))
        rows = list(Entry.objects.filter(log__process=world.process).order_by("-seq"))
        rows = [e for e in rows if (e.pk in mine) is readable]
        canary = [e for e in rows if _names_canary(e)]
        picked = _spread(canary, ENTRY_SAMPLE) + rows[:DEMO_SAMPLE]
        return [Candidate(str(e.seq), e, f"ledger entry {e.seq} {e.action}") for e in picked]
    if source == "assignment":
        visible = exp.readable["core.member"]
        rows = RoleAssignment.objects.filter(member__process=world.process).order_by("pk")
        rows = [a for a in rows if (a.member_id in visible) is readable]
        rows = [a for a in rows if a.member_id >= ID_BASE] + rows[:DEMO_SAMPLE]
        return [Candidate(str(a.pk), a, f"role assignment {a.pk}") for a in rows]
    if source == "token":
        user = exp.viewer.member.user
        rows = ApiToken.objects.order_by("pk")
        rows = [t for t in rows if (t.user_id == user.pk) is readable][:3]
        return [Candidate(str(t.pk), t, f"api token {t.pk}") for t in rows]
    raise Untaught(f"walker has no source {source!r}")


def _names_canary(entry) -> bool:
    return entry.subject_id.isdigit() and int(entry.subject_id) >= ID_BASE


def pool(world: World, exp: Expectation) -> Pool:
    out = Pool()
    for name, p in PARAMS.items():
        for readable, into in ((True, out.readable), (False, out.unreadable)):
            if p.kind is not None:
                if links.kind(p.kind) is None:
                    raise Untaught(f"walker.PARAMS[{name!r}] names unregistered kind {p.kind}")
                into[name] = _kind_candidates(exp, p.kind, readable)
            else:
                into[name] = _source_candidates(world, exp, p.source, readable)
    return out


# --- probes -----------------------------------------------------------------------------------
@dataclass
class Probe:
    route: Route
    url: str
    mode: str  # "readable" | "unreadable" | "absent"
    sent: tuple[str, ...] = ()  # values the request carries (echoing them is no leak)
    twin: str | None = None  # url of the absent twin (unreadable probes)
    value: str = ""  # the substituted value (masked when comparing twins)
    absent: str = ""  # the twin's value
    what: str = ""
    values: dict[str, str] = field(default_factory=dict)  # the path parameters used


def _attr(obj, attr: str):
    v = getattr(obj, attr, None)
    return None if v is None else str(v)


def _fill(
    route: Route, name: str, cand: Candidate, pool_: Pool, prefer: dict[str, list[Candidate]]
) -> dict[str, str] | None:
    """Values for every parameter of `route`, `name` = cand; parents from the object's own
    relations, children among the objects of the value chosen (readable ones first)."""
    values = {name: cand.value}
    # parents, walking up
    cur_name, cur = name, cand.obj
    while cur is not None:
        p = PARAMS[cur_name]
        if p.parent is None:
            break
        attr, targets = p.parent
        parent_value = _attr(cur, attr)
        target = next((t for t in targets if t in route.params), None)
        if target is None or parent_value is None:
            break
        values[target] = parent_value
        parent_obj = None
        for c in [*prefer.get(target, []), *pool_.unreadable.get(target, [])]:
            if c.value == parent_value:
                parent_obj = c.obj
                break
        cur_name, cur = target, parent_obj
    # children, walking down
    for child in route.params:
        if child in values:
            continue
        p = PARAMS[child]
        if p.parent is None:
            continue
        attr, targets = p.parent
        owner = next((t for t in targets if t in values), None)
        if owner is None:
            continue
        options = [*prefer.get(child, []), *pool_.unreadable.get(child, [])]
        match = next((c for c in options if _attr(c.obj, attr) == values[owner]), None)
        values[child] = match.value if match is not None else str(ABSENT_ID)
    # the rest: the first readable value (slug: the demo process)
    for other in route.params:
        if other not in values:
            first = prefer.get(other) or []
            if not first:
                return None
            values[other] = first[0].value
    return values


def _absent_value(name: str) -> str:
    return ABSENT_SLUG if PARAMS[name].source == "process" else str(ABSENT_ID)


def _query_base(route: Route) -> dict[str, str]:
    out = {}
    for name, schema in route.query:
        q = QUERY[name]
        if q.largest and "maximum" in schema:
            out[name] = str(schema["maximum"])
    return out


def _search_terms(exp: Expectation) -> tuple[list[str], list[str]]:
    """(readable, unreadable) search terms: canary tokens of each kind, hidden names."""
    readable, unreadable = [], []
    seen_kinds: dict[str, int] = {}
    for t, what in sorted(exp.coverage_tokens.items()):
        kind = what.split()[0]
        if seen_kinds.get(kind, 0) < 2:
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            readable.append(t)
    seen_kinds = {}
    for t, what in sorted(exp.forbidden_tokens.items()):
        kind = what.split()[0]
        limit = 8 if kind == "comms.message" else 1
        if seen_kinds.get(kind, 0) < limit:
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            unreadable.append(t)
    for term in exp.hidden_terms:
        unreadable.append(term)
        if " " in term:
            unreadable.append(term.split()[-1])
    return readable, unreadable


def probes(route: Route, world: World, exp: Expectation, pool_: Pool) -> list[Probe]:
    """Every request the walk makes on one route for one member."""
    out: list[Probe] = []
    prefer = pool_.readable
    base_q = _query_base(route)

    def add_readable(values: dict[str, str], extra: dict[str, str] | None = None, what=""):
        q = {**base_q, **(extra or {})}
        out.append(Probe(route, route.url(values, q), "readable", what=what, values=values))

    def add_twin(values, twin_values, value, absent, what=""):
        out.append(
            Probe(
                route,
                route.url(values, base_q),
                "unreadable",
                sent=(value,),
                twin=route.url(twin_values, base_q),
                value=value,
                absent=absent,
                what=what,
                values=values,
            )
        )

    # readable: every readable candidate of the last parameter, parents derived
    first_values: dict[str, str] | None = {} if not route.params else None
    if route.params:
        leaf = route.params[-1]
        for cand in prefer.get(leaf, []):
            values = _fill(route, leaf, cand, pool_, prefer)
            if values is not None:
                first_values = first_values or values
                add_readable(values, what=cand.what)
    else:
        add_readable({})
    # unreadable: each parameter in turn, with an absent twin
    for name in route.params:
        for cand in pool_.unreadable.get(name, []):
            values = _fill(route, name, cand, pool_, prefer)
            if values is None:
                continue
            twin = {**values, name: _absent_value(name)}
            add_twin(values, twin, cand.value, twin[name], what=cand.what)
    if first_values is not None:
        out += query_probes(route, first_values, exp)
    return out


def query_probes(route: Route, values: dict[str, str], exp: Expectation) -> list[Probe]:
    """Requests probing the route's query parameters, on one readable set of path values."""
    out: list[Probe] = []
    base_q = _query_base(route)

    def readable(extra: dict[str, str], what: str) -> None:
        url = route.url(values, {**base_q, **extra})
        out.append(Probe(route, url, "readable", sent=tuple(extra.values()), what=what))

    def twin(name: str, value: str, absent: str, what: str = "") -> None:
        out.append(
            Probe(
                route,
                route.url(values, {**base_q, name: value}),
                "unreadable",
                sent=(value,),
                twin=route.url(values, {**base_q, name: absent}),
                value=value,
                absent=absent,
                what=what or f"{name}={value}",
                values=values,
            )
        )

    readable_terms, unreadable_terms = _search_terms(exp)
    for name, _schema in route.query:
        q = QUERY[name]
        for v in q.values:
            readable({name: v}, f"{name}={v}")
        if q.search:
            for t in readable_terms:
                readable({name: t}, f"{name}={t}")
            for t in unreadable_terms:
                twin(name, t, ABSENT_TOKEN if t.startswith(TOKEN_PREFIX) else ABSENT_TERM)
        if q.person:
            for t in exp.hidden_terms:
                twin(name, t, ABSENT_TERM)
        if q.kind is not None:
            for cand in _kind_candidates(exp, q.kind, True)[:2]:
                readable({name: cand.value}, f"{name}={cand.value}")
            for cand in _kind_candidates(exp, q.kind, False):
                twin(name, cand.value, str(ABSENT_ID), cand.what)
    return out


# --- responses -------------------------------------------------------------------------------
@dataclass
class Answer:
    probe: Probe
    status: int
    content_type: str
    content: bytes
    headers: str


def fetch(client, url: str) -> tuple[int, str, bytes, str]:
    resp = client.get(url)
    content = (
        b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content
    )
    headers = "\n".join(
        f"{k}: {v}" for k, v in resp.items() if k.lower() in ("location", "content-disposition")
    )
    return resp.status_code, resp.get("Content-Type", ""), content, headers


_MASKS = [
    (re.compile(r"[A-Za-z0-9]{64}"), "<csrf>"),  # masked CSRF tokens
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def normalise(content: bytes, absent: str = "", value: str = "") -> str:
    """The body with per-request tokens masked; in a twin's body the absent value is written
    back as the probed one, so the two bodies compare equal exactly when nothing else differs."""
    from urllib.parse import quote, quote_plus

    text = content.decode("utf-8", errors="replace")
    for rx, repl in _MASKS:
        text = rx.sub(repl, text)
    if absent:
        for a, v in {
            (absent, value),
            (quote(absent), quote(value)),
            (quote_plus(absent), quote_plus(value)),
        }:
            text = re.sub(
                rf"(?<![0-9A-Za-z_]){re.escape(a)}(?![0-9A-Za-z_])", lambda _m, v=v: v, text
            )
    return text


# HTML pages name further GET requests: forms with method="get", links and hx-get with a query
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_NAME = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname=["']([^"']+)["']""", re.I)
_LINK = re.compile(r"""\b(?:href|hx-get)=["']([^"']+)["']""", re.I)


def discovered_query(content: bytes, path: str = "") -> tuple[set[str], set[str]]:
    """(query parameter names of the page's own GET forms, same-site URLs with a query)."""
    text = content.decode("utf-8", errors="replace")
    names: set[str] = set()
    for attrs, body in _FORM.findall(text):
        method = re.search(r"""method=["']?(\w+)""", attrs, re.I)
        action = re.search(r"""action=["']([^"']*)["']""", attrs, re.I)
        if method is not None and method.group(1).lower() != "get":
            continue
        if action is None or action.group(1) in ("", path):
            names.update(_NAME.findall(body))
    urls = set()
    for href in _LINK.findall(text):
        href = href.replace("&amp;", "&").split("#", 1)[0]
        if href.startswith("?") and path:
            href = path + href  # relative to the page itself
        parts = urlsplit(href)
        if parts.query and not parts.netloc and parts.path.startswith("/"):
            urls.add(href)
    return names, urls


def check_query_names(route: str, names: set[str]) -> None:
    for name in sorted(names):
        if name not in QUERY:
            raise Untaught(
                f"HTML route {route}: query parameter {name!r} (found in its page) — teach "
                f"walker.QUERY about {name!r}"
            )


# --- the walk ---------------------------------------------------------------------------------
MAX_CRAWL = 400  # same-site links with a query, followed from the pages seen
# links to one route with the same query names (a calendar's "next week", a list's pages) differ
# only in values the walk does not probe: a few of them show what the rest would
MAX_PER_SHAPE = 4


@dataclass
class Report:
    """What one member's walk found."""

    username: str
    findings: list = field(default_factory=list)  # oracle.Finding
    errors: list[str] = field(default_factory=list)  # 5xx answers
    distinguishable: list[str] = field(default_factory=list)  # unreadable ≠ absent
    refused: list[str] = field(default_factory=list)  # readable objects answered 403/404
    seen_tokens: set[str] = field(default_factory=set)
    seen_ids: set[int] = field(default_factory=set)
    requests: int = 0
    routes: int = 0

    def problems(self) -> list[str]:
        return [str(f) for f in self.findings] + self.errors + self.distinguishable + self.refused


def all_routes() -> list[Route]:
    routes = api_routes() + html_routes()
    check_taught(routes)
    return routes


def survey(
    world: World,
    exp: Expectation,
    *,
    api_client,
    web_client,
    routes: list[Route] | None = None,
    twins: bool = True,
) -> Report:
    """Walk every route as one member: API routes with `api_client`, pages with `web_client`;
    every answer is checked against the member's expectation."""
    routes = all_routes() if routes is None else routes
    report = Report(exp.username, routes=len(routes))
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # 5xx are reported by the walk, with their route
    try:
        return _survey(world, exp, report, routes, api_client, web_client, twins)
    finally:
        request_log.setLevel(level)


def _survey(world, exp, report, routes, api_client, web_client, twins) -> Report:
    from tests.security.oracle import find_leaks, texts_of

    pool_ = pool(world, exp)
    cache: dict[tuple[str, str], tuple[int, str, bytes, str]] = {}
    crawl: dict[str, Route] = {}

    def get(route: Route, url: str):
        key = (route.source, url)
        if key not in cache:
            client = api_client if route.source == "api" else web_client
            cache[key] = fetch(client, url)
            report.requests += 1
        return cache[key]

    def look(route: Route, probe: Probe, url: str, answer) -> None:
        status, ctype, content, headers = answer
        texts = texts_of(content, ctype, headers)
        report.findings += find_leaks(
            exp, texts, route=str(route), url=url, status=status, sent=probe.sent
        )
        if status >= 500:
            report.errors.append(f"{route}  GET {url} → {status} (a 5xx)")
        echo = url + " ".join(probe.sent)
        for text in texts:
            report.seen_tokens.update(t for t in TOKEN_RE.findall(text) if t not in echo)
            report.seen_ids.update(int(i) for i in ID_RE.findall(text) if i not in echo)
        if route.source == "html" and status == 200 and "html" in ctype:
            for link in discovered_query(content, urlsplit(url).path)[1]:
                crawl.setdefault(link, route)

    query_probed: set[str] = set()

    def run_query(qroute: Route, values: dict[str, str]) -> None:
        for qp in query_probes(qroute, values, exp):
            a = get(qroute, qp.url)
            look(qroute, qp, qp.url, a)
            if qp.twin and twins:
                other = get(qroute, qp.twin)
                look(qroute, Probe(qroute, qp.twin, "absent", sent=(qp.absent,)), qp.twin, other)
                _compare(report, qp, a, other)

    for route in routes:
        first_page = None
        readable_statuses: set[int] = set()
        tried: dict[str, int] = {}
        for probe in probes(route, world, exp, pool_):
            if probe.mode == "readable":
                readable_statuses.add(-1)
            elif readable_statuses and readable_statuses <= {-1, 405}:
                # a route that refuses GET reads nothing: a sample shows it refuses every value
                key = probe.what.split()[0]
                tried[key] = tried.get(key, 0) + 1
                if tried[key] > POST_ONLY_SAMPLE:
                    continue
            answer = get(route, probe.url)
            if probe.mode == "readable":
                readable_statuses.add(answer[0])
                if route.source == "api" and route.params and answer[0] in (403, 404):
                    report.refused.append(
                        f"{route}  GET {probe.url} → {answer[0]} for readable {probe.what}"
                    )
            look(route, probe, probe.url, answer)
            if probe.twin and twins:
                other = get(route, probe.twin)
                look(
                    route,
                    Probe(route, probe.twin, "absent", sent=(probe.absent,)),
                    probe.twin,
                    other,
                )
                _compare(report, probe, answer, other)
            if (
                route.source == "html"
                and probe.mode == "readable"
                and first_page is None
                and answer[0] == 200
                and "html" in answer[1]
            ):
                first_page = (probe, answer)
        if first_page is not None:
            probe, answer = first_page
            names = discovered_query(answer[2], urlsplit(probe.url).path)[0]
            check_query_names(str(route), names)
            qroute = Route(
                route.source, route.template, route.params, tuple((n, {}) for n in sorted(names))
            )
            run_query(qroute, probe.values)
            if any(_probed(n) for n in names):
                query_probed.add(route.template)
    # links with a query found on the pages: followed as they are, and the query parameters
    # they name probed like those of a form (once per route)
    followed = 0
    shapes: dict[tuple[str, frozenset[str]], int] = defaultdict(int)
    while crawl and followed < MAX_CRAWL:
        link, _page = crawl.popitem()
        if ("html", link) in cache:
            continue
        route, values = route_of(link)
        names = {p.split("=", 1)[0] for p in urlsplit(link).query.split("&") if p}
        check_query_names(str(route), names)
        shape = (route.template, frozenset(names))
        if shapes[shape] >= MAX_PER_SHAPE:
            continue
        shapes[shape] += 1
        followed += 1
        look(route, Probe(route, link, "readable"), link, get(route, link))
        probed = {n for n in names if _probed(n)}
        if probed and route.template not in query_probed:
            query_probed.add(route.template)
            run_query(
                Route("html", route.template, route.params, tuple((n, {}) for n in sorted(probed))),
                values,
            )
    return report


def _probed(name: str) -> bool:
    """Is this query parameter probed with unreadable values (not merely left at default)?"""
    q = QUERY[name]
    return bool(q.kind or q.search or q.person)


def _compare(report: Report, probe: Probe, answer, twin) -> None:
    """An unreadable value must be answered exactly as a value that names nothing."""
    a = normalise(answer[2])
    b = normalise(twin[2], probe.absent, probe.value)
    if answer[0] != twin[0] or a != b:
        i = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        report.distinguishable.append(
            f"{probe.route}  GET {probe.url} → {answer[0]} but absent twin {probe.twin} → "
            f"{twin[0]} ({probe.what}); differs at …{a[max(0, i - 50) : i + 70]!r} vs "
            f"…{b[max(0, i - 50) : i + 70]!r}"
        )


def route_of(url: str) -> tuple[Route, dict[str, str]]:
    """The HTML route a same-site URL resolves to, and its path values."""
    from django.urls import Resolver404, resolve

    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return Route("html", path, ()), {}
    template = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", match.route)
    names = tuple(re.findall(r"{(\w+)}", template))
    return Route("html", template, names), {k: str(v) for k, v in match.kwargs.items()}


def clients_for(member, *, second_factor: bool = True):
    """(API client with a fresh bearer token, web client signed in) for one member. Answers
    with 5xx are returned, not raised, so the walk reports them with the rest."""
    return clients_for_user(member.user, second_factor=second_factor)


def clients_for_user(user, *, second_factor: bool = True):
    from django.test import Client

    from accord.core import services
    from accord.core.auth import MFA_SESSION_KEY

    _, secret = services.create_token(user, name=f"leak-probe-{user.pk}")
    api = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {secret}"})
    web = Client(raise_request_exception=False)
    web.force_login(user)
    if second_factor:
        session = web.session
        session[MFA_SESSION_KEY] = True
        session.save()
    return api, web
