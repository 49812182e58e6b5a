"""HTML pages (placeholder; see the UI work)."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse


def home(request):
    return HttpResponse("Accord")


login_view = auth_views.LoginView.as_view(template_name="ui/login.html")
logout_view = auth_views.LogoutView.as_view()


def mfa_view(request):
    return HttpResponse("mfa")
