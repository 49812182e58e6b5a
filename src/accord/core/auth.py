"""Authentication glue: API token / session auth for ninja, lockout answer, MFA session flag."""

from __future__ import annotations

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from accord.core import services
from accord.core.access import Viewer
from accord.core.errors import Unauthenticated
from accord.core.queries import viewer_for_slug

MFA_SESSION_KEY = "accord_mfa_ok"


def session_complete(user, session) -> bool:
    """A signed-in session is complete when the second factor was passed in it, or when the
    user needs none (no role that requires it, none enrolled). Every path that authenticates
    by session — pages, the API, downloads, exports, WebSockets — asks this."""
    if user is None or not user.is_authenticated:
        return False
    if session is not None and session.get(MFA_SESSION_KEY):
        return True
    return not services.requires_mfa(user) and not services.security_profile(user).mfa_enabled


def mfa_satisfied(request: HttpRequest) -> bool:
    """`session_complete` for an HTTP request."""
    return session_complete(request.user, getattr(request, "session", None))


def viewer_for_token(raw: str, slug: str) -> Viewer:
    """The viewer an API token stands for in a process (as TokenAuth + viewer_for_slug)."""
    user = services.authenticate_token(raw)
    if user is None:
        raise Unauthenticated("sign in, or send a valid API token (Authorization: Bearer …)")
    return viewer_for_slug(user, slug)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer acc_…` API tokens."""

    def authenticate(self, request: HttpRequest, token: str):
        user = services.authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class CompleteSessionAuth(SessionAuth):
    """Session cookie (with CSRF) — only once the second factor, if required, was passed."""

    def _get_key(self, request: HttpRequest):
        # no session cookie, nothing a forged request could ride on: no CSRF check, so a
        # request with a bad API token gets its 401, not "CSRF check Failed"
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and not mfa_satisfied(request):
            return None
        return user


class SocketSessionMiddleware(SessionMiddleware):
    """Channels' session middleware for WebSockets, without wrapping `send`.

    Channels' version wraps every outgoing message to save a modified session when an HTTP
    response starts — which never happens on a socket — at ≈ 20 µs per frame sent (measured on
    uvicorn, 100 sockets); live delivery sends thousands of frames a second. The session is
    resolved at connect exactly as there; sockets never write it.
    """

    async def __call__(self, scope, receive, send):
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def socket_auth_stack(inner):
    """Cookies → session → user for WebSocket consumers (AuthMiddlewareStack, lighter send)."""
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(inner)))


def lockout_response(request: HttpRequest, credentials=None, *args, **kwargs):
    """Answer a locked-out sign-in clearly (429), for the API and the login page alike."""
    message = "too many failed sign-in attempts; try again in 15 minutes"
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429
        )
    return render(request, "ui/login.html", {"error": message, "locked": True}, status=429)


__all__ = [
    "APIKeyHeader",
    "CompleteSessionAuth",
    "TokenAuth",
    "lockout_response",
    "mfa_satisfied",
    "session_complete",
    "socket_auth_stack",
]
