"""Shared fixtures: the demo process, members by username, signed-in clients."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from accord.core import access
from accord.core.auth import MFA_SESSION_KEY
from accord.core.demo import load_demo
from accord.core.models import Member

# background threads (similar-claim snapshot saves) may log after pytest has closed the stream it
# captured: drop such records instead of printing "--- Logging error ---" tracebacks
logging.raiseExceptions = False

_DEMO_SHARED = False


@pytest.fixture(scope="session")
def _shared_demo(django_db_setup, django_db_blocker):
    """The demo, loaded and committed once per test worker: each test then runs in a
    transaction rolled back at its end, so it sees the demo as loaded and changes nothing for
    the next test (loading it per test cost a second or more, a thousand times over)."""
    global _DEMO_SHARED
    with django_db_blocker.unblock():
        load_demo()
    _DEMO_SHARED = True


@pytest.fixture
def demo(_shared_demo, db):
    """The demo process (Lake Varna), in the test database."""
    return load_demo()  # idempotent: the shared one


def pytest_collection_modifyitems(items):
    """Every database test starts from the shared demo, whatever ran before it on its worker:
    without this, a test that does not ask for the demo would see an empty store or the demo
    depending on the order xdist deals the tests out."""
    for item in items:
        if item.get_closest_marker("django_db") or "db" in item.fixturenames:
            names = item.fixturenames  # the fixture closure: session scope is set up first
            if "_shared_demo" not in names:
                names.insert(0, "_shared_demo")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (live server, sockets, several connections) ends by emptying every
    table: load the shared demo again for the tests after it."""
    yield
    if not (_DEMO_SHARED and nextitem is not None and _transactional(item)):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        load_demo()


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    by_marker = marker is not None and bool(
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    return by_marker or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.fixture
def member(demo):
    """member("ana.costa") → that demo member."""

    def get(username: str) -> Member:
        return Member.objects.select_related("user", "party", "process").get(
            process=demo, user__username=username
        )

    return get


@pytest.fixture
def viewer(member):
    """viewer("ana.costa") → the access Viewer of that demo member."""

    def get(username: str) -> access.Viewer:
        return access.viewer_of(member(username))

    return get


@pytest.fixture
def client_for(member):
    """client_for("lena.haas") → a Django test client signed in (second factor passed)."""

    def make(username: str, *, enforce_csrf: bool = False) -> Client:
        c = Client(enforce_csrf_checks=enforce_csrf)
        c.force_login(member(username).user)
        session = c.session
        session[MFA_SESSION_KEY] = True
        session.save()
        return c

    return make


@pytest.fixture
def api_for(member):
    """api_for("ana.costa") → a test client sending a fresh API token of that member."""
    from accord.core import services

    made: dict[str, Client] = {}

    def make(username: str) -> Client:
        if username in made:
            return made[username]
        _, secret = services.create_token(member(username).user, name=f"test-{username}")
        made[username] = Client(headers={"Authorization": f"Bearer {secret}"})
        return made[username]

    return make


@pytest.fixture
async def close_thread_connections():
    """Async tests read the database through asgiref's sync thread (sync_to_async); close that
    thread's connection afterwards so the test database can be dropped (PostgreSQL refuses
    while a session is open)."""
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()
