from django.urls import path

from accord.comms import views

app_name = "comms"

urlpatterns = [
    path("p/<slug:slug>/channels/", views.channels, name="channels"),
]
