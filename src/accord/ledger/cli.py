"""`accord ledger export|verify`: the record, checked offline or against the live database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr while the block runs (only on a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    task = bar.add_task(label, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _finish(problems: list[str], summary: str) -> int:
    """Print every problem, then one status line; exit code 0 when intact, 1 otherwise."""
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    print(f"{'FAILED' if problems else 'OK'}: {summary}, {len(problems)} problem(s)")
    return 1 if problems else 0


def _log_for_slug(slug: str):
    from accord.core.models import Process
    from accord.ledger.models import Log

    proc = Process.objects.filter(slug=slug).first()
    if proc is None:
        raise SystemExit(f"accord ledger: error: no process {slug!r}")
    log = Log.objects.filter(process=proc).first()
    if log is None:
        raise SystemExit(f"accord ledger: error: process {slug!r} has no ledger yet")
    return log


def cmd_export(args: argparse.Namespace) -> int:
    from accord.cli import _django

    _django()
    from accord.ledger.export import export_log
    from accord.ledger.services import sign_head

    log = _log_for_slug(args.process)
    sign_head(log.pk)  # the bundle ends with a head covering every entry
    log.refresh_from_db()
    with _progress("exporting") as update:
        n = export_log(log, Path(args.out), update)
    print(f"wrote {n} entries of {log.name!r} to {args.out}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    if args.process:
        from accord.cli import _django

        _django()
        from accord.ledger.verify import verify_log

        with _progress("verifying") as update:
            report = verify_log(_log_for_slug(args.process), update)
        return _finish(
            report.problems,
            f"log {report.log!r}: {report.entries} entries, {report.heads} signed heads, "
            f"{report.rows_checked} recorded rows checked",
        )
    if not args.bundle:
        print("accord ledger verify: error: give a BUNDLE file or --process SLUG", file=sys.stderr)
        return 2
    # Offline: no Django, no database, no server.
    from accord.ledger.bundle import verify_bundle

    path = Path(args.bundle)
    if not path.is_file():
        print(f"accord ledger verify: error: {path}: no such file", file=sys.stderr)
        return 2
    with _progress("verifying") as update:
        report = verify_bundle(path, update, expected_key=args.key)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return _finish(
        report.problems,
        f"bundle {path} ({report.process}): {report.entry_count} entries, "
        f"{report.heads_checked} signed heads, key {report.key_id}",
    )


def register(subparsers) -> None:
    p = subparsers.add_parser("ledger", help="export or verify the tamper-evident record")
    sub = p.add_subparsers(dest="ledger_command", metavar="ACTION")
    sub.required = True
    ex = sub.add_parser("export", help="write a self-contained bundle of a process's ledger")
    ex.add_argument("--process", required=True, metavar="SLUG")
    ex.add_argument("out", metavar="OUT")
    ex.set_defaults(func=cmd_export)
    ve = sub.add_parser(
        "verify", help="verify a bundle offline, or the live database with --process"
    )
    ve.add_argument("bundle", nargs="?", metavar="BUNDLE")
    ve.add_argument("--process", metavar="SLUG", help="verify the live database instead")
    ve.add_argument("--key", help="expected public key (base64) or key id of the signer")
    ve.set_defaults(func=cmd_verify)
