"""Hold a signed-in session at the second-factor step until it is passed."""

from __future__ import annotations

from django.shortcuts import redirect

from accord.core.auth import mfa_satisfied

OPEN_PREFIXES = ("/mfa/", "/logout/", "/static/", "/api/", "/login/", "/healthz")


class MfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not mfa_satisfied(request)
        ):
            return redirect("ui:mfa")
        return self.get_response(request)
