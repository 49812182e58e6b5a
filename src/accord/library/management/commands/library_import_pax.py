"""`accord manage library_import_pax FILE.csv`: import the PA-X peace agreements database.

Why a command: the file is published research data that an operator downloads and loads once
per release; nobody uploads it through the web. The whole file is checked first; one bad row
and nothing is written (the faults are listed by line and column).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accord.core.errors import AccordError
from accord.library import services


class Command(BaseCommand):
    help = (
        "Import the PA-X peace agreements CSV (version 10 layout, 279 columns): all or nothing; "
        "the real file replaces the demo's sample rows; importing again updates by AgtId."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the PA-X CSV file (UTF-8)")
        parser.add_argument("--by", default="operator", help="who imports (for the record)")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        self.stdout.write(f"Reading {path.name} ({path.stat().st_size:,} bytes)…")
        last = {"shown": -1}

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "checked":
                self.stdout.write(f"Checked {done:,} agreements: every row is well formed.")
                return
            pct = done * 100 // max(total, 1)
            if pct // 10 != last["shown"] // 10 or done == total:
                last["shown"] = pct
                self.stdout.write(f"Written {done:,} of {total:,} agreements ({pct} %)")

        try:
            batch = services.import_pax(text, file_name=path.name, by=opts["by"], progress=progress)
        except AccordError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {batch.rows:,} agreements from {path.name}: {batch.created:,} new, "
                f"{batch.updated:,} updated."
            )
        )
