"""Background jobs of the meetings app: reminders of action items before and after their due
date (services.send_reminders stores each reminder once, so an hourly run never repeats one),
the clocks of written decision procedures, and reminders of decisions due for review."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accord.meetings import services


@db_periodic_task(crontab(minute="5"))
def remind_action_items() -> int:
    """Every hour at :05 — remind owners of action items due soon or overdue."""
    return len(services.send_reminders())


@db_periodic_task(crontab(minute="*/5"))
def run_decision_clocks() -> int:
    """Every five minutes — close written procedures whose verdict is final (silence broken or
    expired, capitals all confirmed or one declined) and escalate overdue confirmations."""
    return len(services.run_decision_clocks())


@db_periodic_task(crontab(minute="*/5"))
def run_dispute_clocks() -> int:
    """Every five minutes — escalate disputes whose step clock has run out."""
    return len(services.run_dispute_clocks())


@db_periodic_task(crontab(minute="*/15"))
def run_concern_clocks() -> int:
    """Every fifteen minutes — escalate concerns past their response-time objective to the
    heads of delegation."""
    return len(services.run_concern_clocks())


@db_periodic_task(crontab(minute="0", hour="6"))
def remind_decision_reviews() -> int:
    """Every day at 06:00 — remind the chair and the heads of the eligible delegations of each
    decision whose review date has come (once per decision)."""
    return len(services.send_review_reminders())
