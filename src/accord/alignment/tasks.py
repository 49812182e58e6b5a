"""Background jobs of the alignment app."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accord.alignment import services


@db_periodic_task(crontab(minute="*"))
def remind_unacknowledged_conflicts() -> int:
    """Every minute: repeat due conflict notices (10 min FLASH, hourly otherwise) until the
    action's party acknowledges the constraint's version (see services.remind_due)."""
    return len(services.remind_due())
