"""The API's fast path: the hottest route — posting a message with an API token — answered on
the event loop, without Django's request cycle.

Why: Django's request cycle (WSGI hand-over, thirteen middleware, URL resolution, ninja's
parsing) costs ≈ 1.8 ms of CPU per request on this project's 2-core machine before a view runs
(`/healthz`), and a post's reads and write cost less than that. Live channels must take
hundreds of posts a second (issue 4), so this one route skips the cycle: the request is parsed
here, the post is handed to the writer — the server's writer process (core.writer), or the
comms writer thread (core.groupcommit) while there is none — and the 201 is written back with
the same body and the same security headers Django would send.

Only the *successful* answer is produced here. Anything else — no bearer token, not JSON, a
host Django would refuse, a query string, a body too large or holding a NUL, input the schema
refuses, or any refusal by the service (401, 403, 404, 422) — is handed to Django unchanged,
body included, and answered there exactly as before. Nothing has been written when that happens: a refused post
raises before its write. So the error answers have one implementation, Django's.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from ninja.responses import NinjaJSONEncoder

from accord.core.errors import AccordError

log = logging.getLogger("accord.fastpath")

MAX_BODY = 256 * 1024  # a message body is at most 20,000 characters; larger goes to Django


class Delegate(Exception):
    """Leave this request to Django (which answers it in full)."""


class Failed(Exception):
    """The request may have been written but its answer was lost: a 503, never a retry."""


@dataclass
class Request:
    """What a fast handler sees of a request."""

    params: dict[str, str]
    bearer: str
    body: bytes

    def json(self, schema):
        """The body validated by `schema` (a ninja Schema), as ninja parses it: json.loads,
        then the model. Anything it refuses goes to Django, which answers the 4xx."""
        try:
            return schema.model_validate(json.loads(self.body))
        except Exception as exc:
            raise Delegate from exc


Handler = Callable[[Request], Awaitable[tuple[int, dict]]]  # (status, body in its schema)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler


def routes() -> list[Route]:
    """The fast routes, one entry each; each has its Django/ninja twin at the same path."""
    from accord.comms.api import post_message_fast

    return [
        Route(
            "POST",
            re.compile(
                r"/api/v1/processes/(?P<slug>[^/]+)/channels/(?P<channel_id>[0-9]+)/messages"
            ),
            post_message_fast,
        )
    ]


def render(data: dict) -> bytes:
    """A response body as ninja renders it (Ninja's JSON encoder). Fast handlers return data
    already in their schema's shape — the schema is not run again per response (≈ 100 µs);
    tests/comms/test_fastpath.py holds each fast route's body to its schema's rendering."""
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


_headers: dict[bool, list[tuple[bytes, bytes]]] = {}


def security_headers(secure: bool) -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware adds to an API answer (security, frame denial, CSP),
    taken from that middleware itself once, so the two paths cannot drift apart."""
    found = _headers.get(secure)
    if found is None:
        from csp.middleware import CSPMiddleware
        from django.middleware.clickjacking import XFrameOptionsMiddleware
        from django.middleware.security import SecurityMiddleware

        class Probe(HttpRequest):
            def _get_scheme(self) -> str:
                return "https" if secure else "http"

        request = Probe()
        response = HttpResponse(content_type="application/json")
        for mw in (SecurityMiddleware, XFrameOptionsMiddleware, CSPMiddleware):
            response = mw(lambda _r: HttpResponse()).process_response(request, response)
        found = _headers[secure] = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.items()
            if k.lower() not in ("content-type", "content-length")
        ]
    return found


class FastPath:
    """ASGI: fast routes here, everything else (and every refusal) to `django_app`."""

    def __init__(self, django_app) -> None:
        self.django_app = django_app
        self.routes = routes()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                if scope["method"] == route.method:
                    m = route.pattern.fullmatch(scope["path"])
                    if m is not None:
                        return await self._serve(route, m.groupdict(), scope, receive, send)
        return await self.django_app(scope, receive, send)

    @staticmethod
    def _fit(scope) -> tuple[str | None, bool, bool]:
        """The bearer token, whether the request is one this path may answer, and whether it
        is secure as Django sees it (the scheme, or the trusted proxy header)."""
        bearer = None
        json_body = host_ok = False
        secure = scope.get("scheme") == "https"
        proxy = settings.SECURE_PROXY_SSL_HEADER
        proxy_name = proxy[0][5:].lower().replace("_", "-").encode() if proxy else None
        length = 0
        for name, value in scope["headers"]:
            if name == b"authorization":
                text = value.decode("latin-1")
                if text[:7].lower() == "bearer ":
                    bearer = text[7:].strip()
            elif name == b"content-type":
                json_body = value.split(b";")[0].strip().lower() == b"application/json"
            elif name == b"host":
                domain, _port = split_domain_port(value.decode("latin-1"))
                host_ok = bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
            elif name == b"content-length":
                length = int(value) if value.isdigit() else MAX_BODY + 1
            elif name == proxy_name and value.decode("latin-1") == proxy[1]:
                secure = True
        plain = not scope.get("query_string")  # the route takes none; Django checks any given
        fits = bool(bearer) and json_body and host_ok and plain and length <= MAX_BODY
        return bearer, fits, secure

    async def _serve(self, route: Route, params, scope, receive, send) -> None:
        bearer, fits, secure = self._fit(scope)
        if not fits:
            return await self.django_app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            event = await receive()
            if event["type"] != "http.request":
                return  # the client went away before its request was complete
            chunks.append(event.get("body", b""))
            size += len(chunks[-1])
            more = event.get("more_body", False) and size <= MAX_BODY
        body = b"".join(chunks)
        if more or size > MAX_BODY or b"\x00" in body or b"\\u0000" in body:
            return await self._to_django(scope, receive, send, body, more)
        try:
            status, data = await route.handler(Request(params, bearer or "", body))
        except (Delegate, AccordError):
            # refused before anything was written (a refused act raises before its write)
            return await self._to_django(scope, receive, send, body, False)
        except Failed as exc:
            log.error("fast path %s %s: %s", scope["method"], scope["path"], exc)
            status = 503
            data = {"error": {"code": "unavailable", "message": str(exc), "fields": {}}}
        except Exception:
            log.exception("fast path %s %s failed", scope["method"], scope["path"])
            status = 500
            data = {"error": {"code": "server_error", "message": "internal error", "fields": {}}}
        payload = render(data)
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(payload)).encode()),
            *security_headers(secure),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _to_django(self, scope, receive, send, body: bytes, more: bool) -> None:
        """Hand the request to Django with the body already read put back in front."""
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        await self.django_app(scope, replay, send)
