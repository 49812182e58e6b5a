"""The systematic leak suite: for every member, every GET route of the API and every page,
with ids of what they may read and of what they may not, and search terms from texts they may
not read. Nothing unreadable may appear (no token, id, name, label or text of it), an unreadable
value must be answered exactly like one that names nothing, no answer may be a 5xx, and what the
member may read must appear somewhere (a probe that sees nothing proves nothing).

Nobody lists the routes here: they come from the OpenAPI and the URL resolver (walker.py), and
the expected visibility comes from the database through the registry of labelled kinds
(oracle.py), so new routes and new kinds are covered without editing this file.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

from accord.core import links
from accord.core.access import viewer_of
from accord.core.demo import MEMBERS
from tests.security import oracle, walker
from tests.security.canaries import HIDDEN_MEMBERS, ID_BASE, VISIBLE_MEMBER

pytestmark = pytest.mark.django_db

EVERYONE = [m.username for m in MEMBERS] + sorted(HIDDEN_MEMBERS) + [VISIBLE_MEMBER]
# Each member is walked on one store, the two passes of `make test` sharing the work (a walk
# takes about 90 s on PostgreSQL, 50 s on SQLite): on the production store one member of each
# kind of reach — mediator with a compartment, negotiators of two parties, a military liaison,
# heads of delegation of both parties to the conflict, a hidden canary — and on the embedded
# store everyone else, who again covers every kind (coordinator with MILOPS, mediator with
# MEDIATION, heads of delegation, analyst, communications officer, guarantor, monitor, observer,
# the other hidden canary). The routes and queries are the same code on both; the store answers
# them. Set ACCORD_LEAK_EVERYONE=1 to walk everyone on both.
ON_PRODUCTION_STORE = [
    "lena.haas",
    "ana.costa",
    "ilya.brant",
    "viktor.kess",
    "col.marsh",
    "daria.vol",
    "hedda.cnry",
]
_POSTGRES = os.environ.get("ACCORD_DATABASE_URL", "").startswith("postgres")
PROBED = (
    EVERYONE
    if os.environ.get("ACCORD_LEAK_EVERYONE")
    else [u for u in EVERYONE if (u in ON_PRODUCTION_STORE) == _POSTGRES]
)

# Kinds whose ids no GET route shows to a member who may read them, and why that is right.
# (Their texts, where they have any, must still be seen: see the token coverage.)
ID_COVERAGE_EXEMPT: dict[str, str] = {
    "negotiation.signature": "signatures are listed by party, signer and time on the text and "
    "in its exports; no route names one by id, only the record of the act does",
    "negotiation.stance": "stances are shown per party on each clause; no route names one by "
    "id, only the record of the act does",
}


def _section(title: str, lines: list[str], limit: int = 60) -> str:
    if not lines:
        return ""
    more = f"\n  … and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"\n{title} ({len(lines)}):\n  " + "\n  ".join(lines[:limit]) + more


def describe(report: walker.Report) -> str:
    """Findings grouped by route and needle, most telling first."""
    by: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for f in report.findings:
        by[(f.route, f.needle.kind, f.needle.value)].append(str(f))
    findings = [v[0] + (f"  (+{len(v) - 1} more URLs)" if len(v) > 1 else "") for v in by.values()]
    return (
        f"{report.username}: {report.requests} requests over {report.routes} routes"
        + _section("LEAKS: unreadable things shown", findings)
        + _section("5xx answers", report.errors)
        + _section("DISTINGUISHABLE: unreadable answered unlike absent", report.distinguishable)
        + _section("REFUSED: readable objects answered 403/404 by the API", report.refused)
    )


def coverage_gaps(exp: oracle.Expectation, report: walker.Report) -> list[str]:
    """Readable canary tokens never shown; kinds whose readable canary ids never appear."""
    gaps = [
        f"token {t} of readable {what} appears in no answer"
        for t, what in sorted(exp.coverage_tokens.items())
        if t not in report.seen_tokens
    ]
    for kind, ids in sorted(exp.readable.items()):
        canary = {i for i in ids if i >= ID_BASE}
        if canary and not canary & report.seen_ids and kind not in ID_COVERAGE_EXEMPT:
            gaps.append(
                f"no id of the readable {kind} canaries {sorted(canary)} appears in any answer "
                f"(or list the kind in ID_COVERAGE_EXEMPT with the reason)"
            )
    return gaps


def test_every_route_is_taught():
    """A path or query parameter the walker cannot fill fails here, naming the route."""
    routes = walker.all_routes()
    assert any(r.source == "api" for r in routes) and any(r.source == "html" for r in routes)


def test_every_kind_has_canaries(world):
    """Each registered kind has canaries some probed member may read and some may not (a kind
    registered later fails here until canaries.py makes some)."""
    viewers = [viewer_of(world.member(u)) for u in EVERYONE]
    for kind in links.kinds():
        canary = set(world.canary_ids.get(kind.name, ()))
        assert canary, f"canaries.py makes no {kind.name}: teach it"
        readers = [
            v for v in viewers if set(kind.readable(v).values_list("pk", flat=True)) & canary
        ]
        blind = [v for v in viewers if canary - set(kind.readable(v).values_list("pk", flat=True))]
        assert readers, f"no probed member may read any {kind.name} canary"
        assert blind, f"every probed member may read every {kind.name} canary"


@pytest.mark.parametrize("username", PROBED)
def test_member_sees_only_what_they_may_read(world, username):
    member = world.member(username)
    exp = oracle.expect(world, member)
    api, web = walker.clients_for(member)
    report = walker.survey(world, exp, api_client=api, web_client=web)
    gaps = coverage_gaps(exp, report)
    problems = report.problems() + gaps
    assert not problems, describe(report) + _section("COVERAGE: readable but never shown", gaps)


def test_half_signed_in_session_sees_nothing(world):
    """A session that passed the password but not the second factor reads nothing: every page
    sends it to the second-factor step, the API refuses the cookie."""
    member = world.member("lena.haas")  # mediator: the second factor is required
    exp = oracle.expect(world, member)
    every_token = {**exp.readable_tokens, **exp.forbidden_tokens}
    every_id = {pk: f"{k} {pk}" for k, ids in exp.readable.items() for pk in ids if pk >= ID_BASE}
    blind = oracle.Expectation(
        username=f"{exp.username} (password only)",
        viewer=exp.viewer,
        readable=exp.readable,
        unreadable=exp.unreadable,
        readable_tokens={},
        coverage_tokens={},
        forbidden_tokens=every_token,
        forbidden_ids={**exp.forbidden_ids, **every_id},
        needles=exp.needles,
        hidden_members=exp.hidden_members,
        hidden_terms=exp.hidden_terms,
    )
    _, web = walker.clients_for(member, second_factor=False)
    report = walker.survey(world, blind, api_client=web, web_client=web, twins=False)
    assert not (report.findings or report.errors), describe(report)
    assert report.seen_tokens == set(), "a half-signed-in session was shown canary texts"
