"""The urgent-message alerts every process page shows (FLASH and IMMEDIATE awaiting this
member's acknowledgement), read through the same door as the channel itself."""

from __future__ import annotations

ALERT_LIMIT = 10


def urgent(request) -> dict:
    viewer = getattr(request, "accord_viewer", None)
    if viewer is None or viewer.member is None:
        return {}
    from accord.comms import queries

    return {"urgent_alerts": queries.urgent_alerts(viewer, ALERT_LIMIT)}
