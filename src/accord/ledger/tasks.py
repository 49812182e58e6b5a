"""Background jobs of the ledger: a signed head at least every minute while entries arrive."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accord.ledger.services import sign_pending_heads


@db_periodic_task(crontab(minute="*"))
def sign_heads_every_minute() -> int:
    return sign_pending_heads()
