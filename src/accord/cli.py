"""The `accord` command: run, demo, createuser, ledger, analyze, manage (Django passthrough)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from accord import __version__


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _print_demo_logins() -> None:
    from accord.core.demo import DEMO_PASSWORD, demo_logins

    print("\nDemo process 'Lake Varna Ceasefire Talks' (fictional). Every demo login uses the")
    print(f"password {DEMO_PASSWORD!r}:")
    for username, party, roles, note in demo_logins():
        print(f"  {username:<17} {party:<4} {roles:<32} {note}")


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate, load the demo into an empty database, start the in-process worker, serve."""
    # the server writes posts of the API's fast path in a writer process (accord.core.writer)
    # unless told otherwise; commands and tests write in-process
    os.environ.setdefault("ACCORD_WRITER_PROCESS", "1")
    _django()
    import uvicorn
    from django.conf import settings

    from accord.core.demo import load_demo
    from accord.core.models import Process

    workers = settings.CFG.workers if args.workers is None else args.workers
    if workers < 1 or (workers > 1 and settings.ACCORD["EMBEDDED"]):
        print(
            "accord run: --workers must be 1 in embedded mode (live events are shared "
            "in-process); set ACCORD_REDIS_URL (and ACCORD_DATABASE_URL) to run several",
            file=sys.stderr,
        )
        return 2
    _migrate()
    from accord.ledger.services import signing_key

    signing_key()  # generate the deployment's ledger key on first start
    if not args.no_demo and not Process.objects.exists():
        load_demo()
        _print_demo_logins()
    consumer = None
    if settings.ACCORD["EMBEDDED"] and not args.no_worker:
        consumer = _start_embedded_worker()
    host = args.host or settings.CFG.host
    port = args.port or settings.CFG.port
    print(f"\nAccord {__version__} serving on http://{host}:{port}/  (Ctrl-C stops)", flush=True)
    try:
        uvicorn.run(
            "accord.asgi:application",
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=True,
            lifespan="on",
            ws="websockets-sansio",
            workers=workers if workers > 1 else None,
        )
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
    return 0


def _start_embedded_worker():
    """Run the huey consumer as threads inside this process (embedded mode only)."""
    from huey.consumer import Consumer
    from huey.contrib.djhuey import HUEY

    class EmbeddedConsumer(Consumer):
        def _set_signal_handlers(self) -> None:  # uvicorn owns the signals of this process
            return None

    consumer = EmbeddedConsumer(HUEY, workers=2, worker_type="thread", periodic=True)
    consumer.start()
    return consumer


def cmd_demo(args: argparse.Namespace) -> int:
    _django()
    from accord.core.demo import demo_exists, load_demo, reset_demo

    _migrate()
    if args.reset:
        reset_demo()
        print("demo removed")
    if demo_exists() and not args.reset:
        print("demo already loaded (use --reset to reload it)")
    else:
        load_demo()
        print("demo loaded")
    _print_demo_logins()
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    _django()
    from accord.core import services
    from accord.core.errors import AccordError

    _migrate()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("accord createuser: error: passwords differ", file=sys.stderr)
            return 2
    try:
        services.create_user(
            username=args.username,
            password=password,
            email=args.email or "",
            full_name=args.name or "",
            is_staff=args.operator,
        )
    except AccordError as exc:
        print(f"accord createuser: error: {exc.message}", file=sys.stderr)
        return 2
    print(f"created {args.username}{' (operator)' if args.operator else ''}")
    return 0


def cmd_reset_second_factor(args: argparse.Namespace) -> int:
    """Operators: drop a user's second factor (lost device); they enrol again at next sign-in."""
    _django()
    from accord.core import services
    from accord.core.errors import AccordError

    _migrate()
    try:
        services.reset_operator_second_factor(args.username)
    except AccordError as exc:
        print(f"accord reset-second-factor: error: {exc.message}", file=sys.stderr)
        return 2
    print(f"second factor of {args.username} reset: they set it up again at their next sign-in")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["accord manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accord", description="Accord: coordination platform for allied peace negotiations."
    )
    parser.add_argument("--version", action="version", version=f"accord {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser(
        "run", help="serve Accord (migrates; loads the demo into an empty database)"
    )
    run.add_argument("--host", help="bind address (default ACCORD_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default ACCORD_PORT or 8000)")
    run.add_argument(
        "--workers",
        type=int,
        help="server processes (default ACCORD_WORKERS or 1; more than 1 needs Redis)",
    )
    run.add_argument(
        "--no-demo", action="store_true", help="do not load the demo into an empty database"
    )
    run.add_argument(
        "--no-worker", action="store_true", help="do not run background jobs in-process"
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="load (or with --reset, reload) the demo process")
    demo.add_argument("--reset", action="store_true", help="remove the demo and load it afresh")
    demo.set_defaults(func=cmd_demo)

    cu = sub.add_parser("createuser", help="create an account")
    cu.add_argument("username")
    cu.add_argument("--email")
    cu.add_argument("--name", help="full name")
    cu.add_argument("--operator", action="store_true", help="operator (Django staff + admin)")
    cu.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    cu.set_defaults(func=cmd_createuser)

    rs = sub.add_parser(
        "reset-second-factor",
        help="operators: reset a user's lost second factor (they enrol again at next sign-in)",
    )
    rs.add_argument("username")
    rs.set_defaults(func=cmd_reset_second_factor)

    mg = sub.add_parser("manage", help="Django management commands (e.g. accord manage migrate)")
    mg.add_argument("rest", nargs=argparse.REMAINDER)
    mg.set_defaults(func=cmd_manage)

    for register in _plugins():
        register(sub)
    return parser


CLI_APPS = (
    "ledger",
    "analysis",
    "meetings",
    "alignment",
    "verification",
    "implementation",
    "library",
)


def _plugins():
    """Sub-command groups contributed by apps: `accord.<app>.cli.register(subparsers)`, for
    each app that has a cli module (`accord ledger verify`, `accord library import-pax`)."""
    import importlib.util

    out = []
    for app in CLI_APPS:
        if importlib.util.find_spec(f"accord.{app}.cli") is not None:
            out.append(importlib.import_module(f"accord.{app}.cli").register)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
