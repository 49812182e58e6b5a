"""`accord ledger export|verify` from the command line: exit codes and messages."""

import pytest

from accord.cli import main
from accord.ledger.models import Log

pytestmark = pytest.mark.django_db


def test_export_then_verify_offline_and_live(demo, tmp_path, capsys):
    out = tmp_path / "b.bundle"
    assert main(["ledger", "export", "--process", "lake-varna", str(out)]) == 0
    assert main(["ledger", "verify", str(out)]) == 0
    assert "OK: bundle" in capsys.readouterr().out
    assert main(["ledger", "verify", "--process", "lake-varna"]) == 0
    assert "OK: log 'lake-varna'" in capsys.readouterr().out


def test_verify_fails_loudly(demo, tmp_path, capsys):
    out = tmp_path / "b.bundle"
    main(["ledger", "export", "--process", "lake-varna", str(out)])
    lines = out.read_bytes().split(b"\n")
    lines[3], lines[4] = lines[4], lines[3]
    out.write_bytes(b"\n".join(lines))
    assert main(["ledger", "verify", str(out)]) == 1
    err = capsys.readouterr().err
    assert "FAIL" in err
    assert main(["ledger", "verify", str(tmp_path / "missing.bundle")]) == 2
    with pytest.raises(SystemExit, match="no process 'nowhere'"):
        main(["ledger", "verify", "--process", "nowhere"])
    assert Log.objects.filter(process=demo).exists()
