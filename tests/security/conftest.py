"""Fixtures of the leak suite: the demo process with its canaries, built once per module.

The world is built inside one outer transaction that is rolled back when the module is done;
each test runs in a savepoint inside it (pytest-django's `db`), so requests of one test never
see what another test's requests changed (read markers, tokens), and building the demo and the
canaries is paid once per module and worker, not once per member.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from accord.core.demo import load_demo
from tests.security import canaries


@pytest.fixture(scope="module")
def world(_shared_demo, django_db_setup, django_db_blocker):
    """The demo process plus canaries (tests/security/canaries.py), shared by a module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        built = None
        try:
            built = canaries.build(load_demo())
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            if built is not None:
                built.restore()


@pytest.fixture
async def close_thread_connections():
    """Async tests read the database through asgiref's sync thread; close its connection
    afterwards so the test database can be dropped (PostgreSQL refuses while a session is open)."""
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()
