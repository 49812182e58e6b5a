"""Many writers in parallel produce a gap-free sequence and a valid tree (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from accord.core import services
from accord.ledger import merkle
from accord.ledger.models import Entry, Log
from accord.ledger.services import leaf_bytes, record
from accord.ledger.verify import verify_log


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_gap_free(db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency is proven on PostgreSQL (the production store); SQLite serialises writers"
        )
    proc = services.create_process(None, name="Concurrency")
    writers, per_writer = 8, 40
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                record(
                    None,
                    "test.write",
                    ("test.item", f"{n}-{i}"),
                    {"writer": n, "i": i},
                    process=proc,
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    log = Log.objects.get(process=proc)
    seqs = list(Entry.objects.filter(log=log).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1 + writers * per_writer))
    leaves = [leaf_bytes(e, log.name) for e in Entry.objects.filter(log=log).order_by("seq")]
    from accord.ledger.compact import Frontier

    assert Frontier.from_bytes(bytes(log.frontier)).root() == merkle.tree_root(leaves)
    assert verify_log(log).ok
