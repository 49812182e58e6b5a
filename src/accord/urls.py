"""URL wiring: REST API, web UI, Django admin, health."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from accord.api import api


def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("", include("accord.ledger.urls")),
    path("", include("accord.comms.urls")),
    path("", include("accord.negotiation.urls")),
    path("", include("accord.consult.urls")),
    path("", include("accord.meetings.urls")),
    path("", include("accord.alignment.urls")),
    path("", include("accord.verification.urls")),
    path("", include("accord.implementation.urls")),
    path("", include("accord.library.urls")),
    path("", include("accord.ui.urls")),
]
