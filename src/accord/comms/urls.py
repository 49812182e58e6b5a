from django.urls import path

from accord.comms import views

app_name = "comms"

M = "p/<slug:slug>/channels/<int:channel_id>/m/<int:message_id>/"

urlpatterns = [
    path("p/<slug:slug>/channels/", views.channels, name="channels"),
    path("p/<slug:slug>/channels/new", views.create_channel, name="create"),
    path("p/<slug:slug>/channels/search/", views.search, name="search"),
    path("p/<slug:slug>/channels/briefing/", views.briefing, name="briefing"),
    path("p/<slug:slug>/channels/handling/", views.handling, name="handling"),
    path("p/<slug:slug>/channels/alerts/", views.alerts, name="alerts"),
    path("p/<slug:slug>/channels/alerts/<int:message_id>/ack", views.alert_ack, name="alert_ack"),
    path("p/<slug:slug>/channels/<int:channel_id>/", views.channel, name="channel"),
    path("p/<slug:slug>/channels/<int:channel_id>/post", views.post, name="post"),
    path(M, views.message_fragment, name="message"),
    path(M + "ack", views.ack, name="ack"),
    path(M + "acks", views.acks, name="acks"),
    path(M + "edit", views.edit, name="edit"),
    path(M + "attach", views.attach, name="attach"),
    path(M + "delete", views.delete, name="delete"),
    path(M + "history", views.history, name="history"),
    path(M + "banner", views.banner, name="banner"),
]
