from django.urls import path

from accord.ledger import views

app_name = "ledger"

urlpatterns = [
    path("p/<slug:slug>/timeline/", views.timeline, name="timeline"),
    path("p/<slug:slug>/verify/", views.verify, name="verify"),
    path("p/<slug:slug>/verify/run/", views.verify_run, name="verify_run"),
    path("p/<slug:slug>/verify/status/", views.verify_status, name="verify_status"),
]
