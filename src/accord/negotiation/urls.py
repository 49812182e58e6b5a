from django.urls import path

from accord.negotiation import views

app_name = "negotiation"

urlpatterns = [
    path("p/<slug:slug>/negotiation/", views.workspace, name="workspace"),
]
