"""The leak suite must be able to fail: with a read door opened on purpose it reports the leak
and names the route; a route it cannot fill fails the walk; a probe that sees nothing is caught
by the coverage check. (A probe that cannot fail is worthless.)"""

from __future__ import annotations

import pytest
from django.urls import include, path

from accord.comms import queries as comms_queries
from accord.core import access, people
from accord.core.errors import Forbidden, NotFound
from accord.core.models import Label
from tests.security import oracle, walker
from tests.security.test_leaks import coverage_gaps, describe

# These test the suite, not the product: the store makes no difference to them, so they run on
# the embedded pass only (`-m "not suite"` on the production pass).
pytestmark = [pytest.mark.django_db, pytest.mark.suite]

WHO = "viktor.kess"  # KES: cannot read ARD, NOR, MEDIATION, MILOPS canaries nor hedda, bruno


def process_routes() -> list[walker.Route]:
    """The routes of a process as a whole (lists, searches, pages): where an open door shows
    first, at a fraction of the whole walk's requests."""
    return [r for r in walker.all_routes() if set(r.params) <= {"slug"}]


def walk(world, username=WHO, routes=None, exp=None):
    member = world.member(username)
    exp = exp or oracle.expect(world, member)  # the truth, read before any door is opened
    api, web = walker.clients_for(member)
    return exp, walker.survey(world, exp, api_client=api, web_client=web, routes=routes)


def test_a_people_door_left_open_is_reported(world, monkeypatch):
    exp = oracle.expect(world, world.member(WHO))
    monkeypatch.setattr(people, "can_see", lambda viewer, member: member is not None)
    _, report = walk(world, exp=exp, routes=process_routes())
    people_leaks = [f for f in report.findings if f.needle.kind == "person"]
    assert people_leaks, "hidden members shown to everyone, and the suite saw nothing"
    routes = {str(r) for r in walker.all_routes()}
    assert all(f.route in routes for f in people_leaks), describe(report)
    assert any("Hedda Vantorpe" in str(f) or "Richard Marsh" in str(f) for f in people_leaks)


def test_a_label_door_left_open_is_reported(world, monkeypatch):
    exp = oracle.expect(world, world.member(WHO))
    real = access.readable_label_ids

    def every_label(viewer):
        real(viewer)
        ids = list(Label.objects.filter(process=viewer.process).values_list("pk", flat=True))
        viewer._label_ids, viewer._label_set = ids, frozenset(ids)
        return ids

    monkeypatch.setattr(access, "readable_label_ids", every_label)
    _, report = walk(world, exp=exp, routes=process_routes())
    kinds = {f.needle.kind for f in report.findings}
    assert {"token", "id"} <= kinds, describe(report)
    leaked = {f.route for f in report.findings}
    assert "/api/v1/processes/{slug}/channels/search" in leaked, sorted(leaked)
    assert any(r.startswith("/p/{slug}/") for r in leaked), sorted(leaked)


def test_existence_told_apart_from_absence_is_reported(world, monkeypatch):
    """403 for a message that exists but may not be read (404 for one that does not)."""
    from accord.comms.models import Message

    real = comms_queries.message

    def telling(viewer, message_id, channel_id=None):
        try:
            return real(viewer, message_id, channel_id)
        except NotFound:
            if Message.objects.filter(pk=message_id).exists():
                raise Forbidden("this message is not for you") from None
            raise

    monkeypatch.setattr(comms_queries, "message", telling)
    routes = [r for r in walker.all_routes() if "message_id" in r.params]
    _, report = walk(world, routes=routes)
    assert report.distinguishable, describe(report)
    assert any("/messages/{message_id}" in d for d in report.distinguishable)


def test_a_search_that_counts_unreadable_hits_is_reported(world, monkeypatch):
    """The count of a search for a word only unreadable messages hold must be 0, as for a
    word nobody wrote: a count from outside the readable filter is told apart."""
    real = comms_queries.SearchResults.bounded_count

    def counting_everything(self, cap):
        from accord.comms.models import Message

        unfiltered = comms_queries.SearchResults(Message.objects.order_by("-id"), self.words)
        return max(real(self, cap), len(unfiltered._ids(cap)))

    monkeypatch.setattr(comms_queries.SearchResults, "bounded_count", counting_everything)
    routes = [r for r in walker.all_routes() if r.template.endswith("/search")]
    _, report = walk(world, routes=routes)
    assert report.distinguishable, describe(report)


def test_a_probe_that_sees_nothing_fails_coverage(world):
    """The walk of a member whose requests are answered as for an outsider shows none of what
    the member may read: the coverage check says so."""
    from accord.core import services

    member = world.member(WHO)
    exp = oracle.expect(world, member)
    outsider = services.create_user(username="nobody.cnry", password="canary-probe-pass-2026")
    api, web = walker.clients_for_user(outsider)
    routes = [r for r in walker.all_routes() if not r.params or r.params == ("slug",)]
    report = walker.survey(world, exp, api_client=api, web_client=web, routes=routes)
    gaps = coverage_gaps(exp, report)
    assert any("appears in no answer" in g for g in gaps)


def test_an_unknown_path_parameter_fails_the_walk():
    route = walker.Route(
        "api", "/api/v1/processes/{slug}/widgets/{widget_id}", ("slug", "widget_id")
    )
    with pytest.raises(walker.Untaught, match=r"widgets/\{widget_id\}.*teach walker.PARAMS"):
        walker.check_taught([route])
    route = walker.Route("api", "/api/v1/things", (), (("colour", {}),))
    with pytest.raises(walker.Untaught, match=r"teach walker\.QUERY about 'colour'"):
        walker.check_taught([route])


def _widget(request, slug, widget_id):  # pragma: no cover - never called
    raise AssertionError


urlpatterns = [
    path("", include("accord.urls")),
    path("p/<slug:slug>/widgets/<int:widget_id>/", _widget),
]


def test_a_new_html_route_is_walked_and_an_unknown_parameter_fails(settings):
    """A page added to the URL configuration is found without editing the suite; one whose
    parameter the walker cannot fill fails, naming the route and the parameter."""
    settings.ROOT_URLCONF = __name__
    routes = walker.html_routes()
    assert "/p/{slug}/widgets/{widget_id}/" in {r.template for r in routes}
    with pytest.raises(
        walker.Untaught, match=r"widgets/\{widget_id\}/: path parameter 'widget_id'"
    ):
        walker.check_taught(routes)
