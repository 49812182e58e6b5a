"""The `accord` command: version, createuser, demo, manage passthrough, clear errors."""

import io
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model

from accord import __version__
from accord.cli import main
from accord.core.models import Process

pytestmark = pytest.mark.django_db


def test_version():
    out = subprocess.run(
        [sys.executable, "-m", "accord.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.strip() == f"accord {__version__}"


def test_createuser_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-strong-password-1\n"))
    assert main(["createuser", "new.clerk", "--name", "New Clerk", "--password-stdin"]) == 0
    user = get_user_model().objects.get(username="new.clerk")
    assert user.check_password("a-strong-password-1") and user.get_full_name() == "New Clerk"
    assert user.password.startswith("argon2")
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["createuser", "weak.one", "--password-stdin"]) == 2
    assert "too short" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="weak.one").exists()


def test_demo_load_and_reset(capsys):
    assert main(["demo"]) == 0
    assert Process.objects.filter(slug="lake-varna").count() == 1
    assert "ana.costa" in capsys.readouterr().out
    assert main(["demo"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert main(["demo", "--reset"]) == 0
    assert Process.objects.filter(slug="lake-varna").count() == 1


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_several_workers_need_redis(capsys, settings):
    """Live events are shared in-process when embedded: more than one worker would split them."""
    if not settings.ACCORD["EMBEDDED"]:
        pytest.skip("with Redis several workers are allowed (and would start serving)")
    assert main(["run", "--workers", "2", "--no-demo"]) == 2
    assert "ACCORD_REDIS_URL" in capsys.readouterr().err
    assert main(["run", "--workers", "0", "--no-demo"]) == 2


@pytest.mark.django_db
def test_apps_contribute_their_commands(tmp_path, capsys):
    """`accord verification import-disarm` and `accord library import-pax` are there, and a
    file they refuse gives exit code 2 with the reason, nothing written."""
    from accord.verification.models import Technique

    before = Technique.objects.count()
    assert main(["verification", "import-disarm", str(tmp_path / "none.json")]) == 2
    assert "no such file" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "objects": [{"type": "nonsense"}]}')
    main(["verification", "import-disarm", str(bad)])
    assert Technique.objects.count() == before
    with pytest.raises(SystemExit):
        main(["library"])  # a group needs its command
