"""Background jobs of comms: escalation of unacknowledged traffic, daily briefings."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accord.comms import services


@db_periodic_task(crontab(minute="*"))
def escalate_unacknowledged() -> int:
    """Every minute: re-notify, then escalate to the head of delegation (see escalate_due)."""
    return len(services.escalate_due())


@db_periodic_task(crontab(minute="0", hour="6"))
def daily_briefings() -> int:
    """06:00 UTC: e-mail every member the digest of what they may read."""
    return services.send_all_briefings()
