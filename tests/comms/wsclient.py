"""A WebSocket test client for ASGI apps (what channels.testing.WebsocketCommunicator does;
importing channels.testing needs daphne, which this project does not install)."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator


class WebsocketCommunicator(ApplicationCommunicator):
    def __init__(self, application, path: str, headers: list | None = None) -> None:
        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode(),
            "headers": headers or [],
            "subprotocols": [],
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = 5) -> tuple[bool, object]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept"
        return True, response.get("subprotocol")

    async def send_json_to(self, data) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 1):
        return json.loads(await self.receive_text_from(timeout))

    async def receive_text_from(self, timeout: float = 1) -> str:
        """One WebSocket text frame as sent (a batch stays one frame)."""
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return response["text"]

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def unwrap(frame: dict) -> list[dict]:
    """The frames a batch carries, in order; any other frame stands for itself."""
    return list(frame["frames"]) if frame.get("type") == "batch" else [frame]
