"""ASGI entry point: HTTP through Django, WebSockets through Channels (authenticated sessions)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

from accord.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
