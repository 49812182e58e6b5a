"""`accord verification import-disarm [FILE]`: the DISARM framework (STIX 2.1 bundle).
`accord verification warm-index [--rebuild]`: the similar-claim indexes and their snapshots."""

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


def cmd_warm_index(args: argparse.Namespace) -> int:
    """Build or refresh the snapshot of every process's similar-claim index (e.g. after a
    restore), so that the server's start loads them instead of building them."""
    from accord.cli import _django

    _django()
    from accord.verification import queries
    from accord.verification.models import Claim

    if args.rebuild:
        for pid in Claim.objects.order_by().values_list("process_id", flat=True).distinct():
            queries.drop_snapshot(pid)
    warmed = queries.warm_indexes(persist=True)
    if not warmed:
        print("no process has claims: nothing to index")
        return 0
    print(f"{'process':>8}  {'claims':>9}  {'seconds':>8}  {'from':<9}  snapshot")
    for w in warmed:
        where = queries.snapshot_path(w.process_id) if w.saved else f"not saved: {w.error}"
        print(f"{w.process_id:>8}  {w.claims:>9,}  {w.seconds:>8.2f}  {w.origin:<9}  {where}")
    return 1 if any(w.error for w in warmed) else 0


def register(sub) -> None:
    ver = sub.add_parser(
        "verification", help="verification (the DISARM framework, the similar-claim index)"
    )
    vsub = ver.add_subparsers(dest="verification_command", metavar="COMMAND")
    vsub.required = True
    imp = vsub.add_parser(
        "import-disarm",
        help="import the DISARM techniques from its STIX 2.1 bundle (default: ../shared/data/disarm)",
    )
    imp.add_argument("file", nargs="?", help="path of the bundle (DISARM.json)")
    imp.set_defaults(func=cmd_import_disarm)
    warm = vsub.add_parser(
        "warm-index",
        help="build or refresh the similar-claim index snapshots (run after a restore)",
    )
    warm.add_argument(
        "--rebuild",
        action="store_true",
        help="ignore the existing snapshots: build every index from the claims table",
    )
    warm.set_defaults(func=cmd_warm_index)
