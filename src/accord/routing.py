"""WebSocket routes; the apps that deliver live events add theirs here."""

websocket_urlpatterns: list = []
