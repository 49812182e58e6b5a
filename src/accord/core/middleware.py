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


class RejectNulMiddleware:
    """Refuse NUL characters in query strings, form fields and JSON bodies with a clear 400.

    PostgreSQL cannot store or compare text containing NUL; without this a search for "\\x00"
    would be a 500 on the production store while SQLite accepted it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import JsonResponse

        values = [v for vs in request.GET.lists() for v in vs[1]]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            values += [v for vs in request.POST.lists() for v in vs[1]]
        nul_in_json = request.content_type == "application/json" and (
            b"\\u0000" in request.body or b"\x00" in request.body
        )
        if nul_in_json or any("\x00" in v for v in values):
            message = "request contains a NUL character"
            return JsonResponse(
                {"error": {"code": "invalid", "message": message, "fields": {}}}, status=400
            )
        return self.get_response(request)


TZ_SESSION_KEY = "accord_tz"


class TimeZoneMiddleware:
    """Show every time in the reader's chosen zone (kept in the session; UTC by default)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from zoneinfo import ZoneInfo

        from django.utils import timezone

        from accord.core import services

        name = "UTC"
        if request.user.is_authenticated:
            name = request.session.get(TZ_SESSION_KEY)
            if name is None:
                name = request.session[TZ_SESSION_KEY] = services.time_zone_of(request.user)
        try:
            timezone.activate(ZoneInfo(name))
        except (KeyError, ValueError):
            timezone.activate(ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
