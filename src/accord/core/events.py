"""Events published after commit on the channel layer, for live delivery.

Events carry only ids and the label key: each consumer re-reads the object through
core.access before sending anything to a socket.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger("accord.events")


def process_group(process_id: int) -> str:
    return f"process.{process_id}"


def publish(process_id: int, event: dict) -> None:
    """Send `event` to the process group once the surrounding transaction has committed."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                process_group(process_id), {"type": "accord.event", **event}
            )
        except Exception:  # a lost live event is recoverable (clients catch up); a 500 is not
            log.exception("could not publish event %s", event.get("kind"))

    transaction.on_commit(send)
