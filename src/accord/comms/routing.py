"""WebSocket routes of comms."""

from django.urls import path

from accord.comms.consumers import ProcessConsumer

websocket_urlpatterns: list = [
    path("ws/p/<slug:slug>/", ProcessConsumer.as_asgi()),
]
