"""WebSocket routes of comms."""

websocket_urlpatterns: list = []
