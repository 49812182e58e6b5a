from django.urls import path

from accord.ui import views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("logout/", views.logout_view, name="logout"),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/time-zone/", views.time_zone, name="time_zone"),
    path("p/<slug:slug>/", views.dashboard, name="dashboard"),
    path("p/<slug:slug>/settings/", views.process_edit, name="process_edit"),
    path("p/<slug:slug>/settings/parties/add/", views.party_add, name="party_add"),
    path("p/<slug:slug>/settings/parties/save/", views.party_update, name="party_update"),
    path("p/<slug:slug>/members/", views.members_admin, name="members"),
    path("p/<slug:slug>/members/<int:member_id>/", views.member_update, name="member_update"),
    path("p/<slug:slug>/members/<int:member_id>/roles/", views.role_assign, name="role_assign"),
    path(
        "p/<slug:slug>/members/<int:member_id>/second-factor/reset/",
        views.second_factor_reset,
        name="second_factor_reset",
    ),
    path(
        "p/<slug:slug>/members/<int:member_id>/roles/<int:assignment_id>/renounce/",
        views.role_renounce,
        name="role_renounce",
    ),
]
