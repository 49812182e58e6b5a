"""Background jobs of the verification app."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def settle_public_lines() -> int:
    """Every minute: decide the public lines whose deadline passed (silence expires and the
    line is adopted; unanimity lapses), so allies are told without anyone opening the page."""
    from accord.verification import services

    return services.settle_due()
