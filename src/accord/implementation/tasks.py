"""Background jobs of the implementation app."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accord.implementation import services


@db_periodic_task(crontab(minute="0", hour="5"))
def deadline_reminders() -> int:
    """05:00 UTC: remind the parties that must act of deadlines near and passed."""
    return services.send_reminders()
