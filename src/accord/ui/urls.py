from django.urls import path

from accord.ui import views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("logout/", views.logout_view, name="logout"),
]
