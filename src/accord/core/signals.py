"""Sign-in, failure and lockout events, recorded in the system log."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accord.ledger.services import record

log = logging.getLogger("accord.auth")


def _ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs) -> None:
    record(user, "auth.login", ("auth.user", str(user.pk)), {"ip": _ip(request)}, process=None)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(user, "auth.logout", ("auth.user", str(user.pk)), {}, process=None)


@receiver(user_login_failed)
def on_failure(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    log.warning("sign-in failure for %r from %s", username, _ip(request))
    record(None, "auth.failure", ("auth.username", username), {"ip": _ip(request)}, process=None)


@receiver(user_locked_out)
def on_lockout(sender, request, username, ip_address, **kwargs) -> None:
    log.warning("locked out %r from %s after repeated failures", username, ip_address)
    record(
        None,
        "auth.lockout",
        ("auth.username", str(username)[:150]),
        {"ip": ip_address},
        process=None,
    )
