"""ASGI entry point: HTTP through Django's WSGI handler on a fixed thread pool, WebSockets
through Channels (authenticated sessions).

Why not Django's ASGI handler for HTTP: every view here is synchronous, and under the ASGI
handler each request gets a new thread plus several event-loop ↔ thread hops (middleware,
request signals): `/healthz` cost ≈ 2.0 ms of server CPU per request that way and ≈ 0.9 ms
through the WSGI handler on a pool, on this project's 2-core machine.
`a2wsgi` runs the WSGI handler on a bounded pool of threads (`ACCORD_HTTP_THREADS`) that keep
their database connections; the middleware stack, URLs and views are the same.
"""

import asyncio
import gc
import logging
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

import django

django.setup()  # apps and settings before the imports below

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from accord.core import events  # noqa: E402
from accord.core.auth import socket_auth_stack  # noqa: E402
from accord.fastpath import FastPath  # noqa: E402
from accord.routing import websocket_urlpatterns  # noqa: E402

# the hottest API route on the event loop (accord.fastpath); every other request, and every
# refusal of that route, through Django on the thread pool
http_app = FastPath(WSGIMiddleware(get_wsgi_application(), workers=settings.CFG.http_threads))
router = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(
            socket_auth_stack(URLRouter(websocket_urlpatterns))
        ),
    }
)


async def application(scope, receive, send):
    """The server's event loop is where live events go: views on pool threads hand their
    events to it (core.events) instead of running a loop of their own."""
    events.bind_loop(asyncio.get_running_loop())
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    return await router(scope, receive, send)


async def lifespan(receive, send) -> None:
    """Server start and stop (ASGI lifespan): the writer process starts with the server, and
    the similar-claim indexes are warmed beside it."""
    from accord.comms import api as comms_api

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            comms_api.start_writer()
            start_warm_up()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await comms_api.stop_writer()
            await send({"type": "lifespan.shutdown.complete"})
            return


def start_warm_up() -> threading.Thread:
    """Load (or build) every process's similar-claim index in one daemon thread, so that the
    first user to look for similar claims does not wait ~17 s for a build of 100,000 claims.
    The server answers meanwhile; a request that needs an index still being loaded waits for
    that load instead of starting its own. Errors are logged, never raised."""
    t = threading.Thread(target=_warm_up, name="similar-warm-up", daemon=True)
    t.start()
    return t


def _warm_up() -> None:
    from django.db import connections

    from accord.verification import queries

    try:
        queries.warm_indexes()
    except Exception:
        logging.getLogger("accord.verification").exception("similar-claim warm-up failed")
    finally:
        connections.close_all()  # this thread's own connections


# Everything loaded so far (Django, the apps, their modules) lives as long as the server: move
# it out of the cyclic collector's sight, so that the collections a busy server triggers every
# few milliseconds scan only what requests allocate, not the whole application.
gc.collect()
gc.freeze()
# The event loop shares the GIL with the fan-out's database thread and the HTTP threads. A thread
# that takes the GIL keeps it for the switch interval (5 ms by default) whenever the loop makes a
# system call (each socket send), so a burst's sends queued behind it; 0.5 ms measured better on
# this project's 2-core machine (bench_comms, embedded, 100 listeners: accepted 492–523 → 525–538
# msg/s, p99 at 200 msg/s 97–113 → 93–97 ms, three runs each).
sys.setswitchinterval(0.0005)
