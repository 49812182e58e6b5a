"""Background jobs of the ledger: a signed head at least every minute while entries arrive,
and the live verification a member starts from the verify page ("Verify now")."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from accord.ledger.services import sign_pending_heads


@db_periodic_task(crontab(minute="*"))
def sign_heads_every_minute() -> int:
    return sign_pending_heads()


@db_task()
def verify_process(process_id: int, job_id: str) -> None:
    """Check a process's whole record against the database (ledger.jobs keeps the progress)."""
    from accord.ledger import jobs

    jobs.run(process_id, job_id)
