"""WebSocket routes; each app that delivers live events contributes its own."""

from accord.comms.routing import websocket_urlpatterns as comms_ws

websocket_urlpatterns: list = [*comms_ws]
