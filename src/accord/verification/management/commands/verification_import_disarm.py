"""`accord manage verification_import_disarm FILE`: load the DISARM framework (STIX 2.1)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accord.core.errors import AccordError


class Command(BaseCommand):
    help = (
        "Import the DISARM framework (DISARM Foundation, CC BY-SA 4.0) from its STIX 2.1 bundle "
        "into Accord's technique table; without FILE, the bundle in ../shared/data/disarm/."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="path of DISARM.json (a STIX 2.1 bundle)")

    def handle(self, *args, **opts) -> None:
        from accord.verification import disarm, services

        path = opts.get("file") or disarm.default_path()
        if not path:
            raise CommandError("no bundle given and none found in ../shared/data/disarm/")
        try:
            out = services.import_disarm(path)
        except AccordError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"imported {out['techniques']} techniques, {out['tactics']} tactics and "
            f"{out['counters']} counters from {path} — {out['credit']}"
        )
