"""Shared fixtures: the demo process, members by username, signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.core import access
from accord.core.auth import MFA_SESSION_KEY
from accord.core.demo import load_demo
from accord.core.models import Member


@pytest.fixture
def demo(db):
    """The demo process (Lake Varna), loaded into the test database."""
    return load_demo()


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
