from django.urls import path

from accord.comms import views

app_name = "comms"

urlpatterns = [
    path("p/<slug:slug>/channels/", views.channels, name="channels"),
    path("p/<slug:slug>/channels/new", views.create_channel, name="create"),
    path("p/<slug:slug>/channels/search/", views.search, name="search"),
    path("p/<slug:slug>/channels/briefing/", views.briefing, name="briefing"),
    path("p/<slug:slug>/channels/<int:channel_id>/", views.channel, name="channel"),
    path("p/<slug:slug>/channels/<int:channel_id>/post", views.post, name="post"),
    path(
        "p/<slug:slug>/channels/<int:channel_id>/m/<int:message_id>/",
        views.message_fragment,
        name="message",
    ),
    path("p/<slug:slug>/channels/<int:channel_id>/m/<int:message_id>/ack", views.ack, name="ack"),
    path(
        "p/<slug:slug>/channels/<int:channel_id>/m/<int:message_id>/acks", views.acks, name="acks"
    ),
]
