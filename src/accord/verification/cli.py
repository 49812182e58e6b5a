"""`accord verification import-disarm [FILE]`: the DISARM framework (STIX 2.1 bundle)."""

from __future__ import annotations

import argparse


def cmd_import_disarm(args: argparse.Namespace) -> int:
    from accord.cli import _django

    _django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("verification_import_disarm", *([args.file] if args.file else []))
    except CommandError as exc:
        print(f"accord verification import-disarm: {exc}")
        return 2
    return 0


def register(sub) -> None:
    ver = sub.add_parser("verification", help="verification (the DISARM framework)")
    vsub = ver.add_subparsers(dest="verification_command", metavar="COMMAND")
    vsub.required = True
    imp = vsub.add_parser(
        "import-disarm",
        help="import the DISARM techniques from its STIX 2.1 bundle (default: ../shared/data/disarm)",
    )
    imp.add_argument("file", nargs="?", help="path of the bundle (DISARM.json)")
    imp.set_defaults(func=cmd_import_disarm)
