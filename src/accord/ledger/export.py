"""Write a process's ledger as a self-contained bundle (see bundle.py for the format)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from accord.ledger import bundle, signing
from accord.ledger.models import Entry, Log
from accord.ledger.services import leaf_bytes, signing_key
from accord.ledger.verify import head_dict


def export_log(log: Log, out: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Export every entry (leaf bytes recomputed from the rows) and every signed head."""
    heads = [head_dict(h, log.name) for h in log.heads.order_by("size")]
    total = log.size

    def leaves() -> Iterator[bytes]:
        for n, entry in enumerate(
            Entry.objects.filter(log=log).order_by("seq").iterator(chunk_size=5000), 1
        ):
            if progress and n % 10000 == 0:
                progress(n, total)
            yield leaf_bytes(entry, log.name)

    bundle.write_bundle(
        out,
        process=log.name,
        public_key_b64=signing.public_key_b64(signing_key()),
        entries=leaves(),
        heads=heads,
        entry_count=total,
    )
    if progress:
        progress(total, total)
    return total
