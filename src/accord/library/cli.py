"""`accord library import-pax FILE`: the PA-X peace agreements CSV into the case library."""

from __future__ import annotations

import argparse


def cmd_import_pax(args: argparse.Namespace) -> int:
    from accord.cli import _django

    _django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("library_import_pax", args.file)
    except CommandError as exc:
        print(f"accord library import-pax: {exc}")
        return 2
    return 0


def register(sub) -> None:
    lib = sub.add_parser("library", help="the case library (PA-X import)")
    lsub = lib.add_subparsers(dest="library_command", metavar="COMMAND")
    lsub.required = True
    imp = lsub.add_parser(
        "import-pax", help="import the PA-X agreements CSV (v10 layout; all or nothing)"
    )
    imp.add_argument("file", help="path to the PA-X CSV")
    imp.set_defaults(func=cmd_import_pax)
