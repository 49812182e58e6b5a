"""Authentication glue: API token / session auth for ninja, lockout answer, MFA session flag."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from accord.core import services

MFA_SESSION_KEY = "accord_mfa_ok"


def mfa_satisfied(request: HttpRequest) -> bool:
    """A session is complete when MFA is not required for the user or was passed this session."""
    user = request.user
    if not user.is_authenticated:
        return False
    if request.session.get(MFA_SESSION_KEY):
        return True
    return not services.requires_mfa(user) and not services.security_profile(user).mfa_enabled


class TokenAuth(HttpBearer):
    """`Authorization: Bearer acc_…` API tokens."""

    def authenticate(self, request: HttpRequest, token: str):
        user = services.authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class CompleteSessionAuth(SessionAuth):
    """Session cookie (with CSRF) — only once the second factor, if required, was passed."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and not mfa_satisfied(request):
            return None
        return user


def lockout_response(request: HttpRequest, credentials=None, *args, **kwargs):
    """Answer a locked-out sign-in clearly (429), for the API and the login page alike."""
    message = "too many failed sign-in attempts; try again in 15 minutes"
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429
        )
    return render(request, "ui/login.html", {"error": message, "locked": True}, status=429)


__all__ = ["APIKeyHeader", "CompleteSessionAuth", "TokenAuth", "lockout_response", "mfa_satisfied"]
