from django.urls import path

from accord.ledger import views

app_name = "ledger"

urlpatterns = [
    path("p/<slug:slug>/timeline/", views.timeline, name="timeline"),
    path("p/<slug:slug>/verify/", views.verify, name="verify"),
]
