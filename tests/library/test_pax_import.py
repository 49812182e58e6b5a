"""PA-X import: a generated file in the real v10 layout; bad files write nothing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accord.core.errors import Invalid
from accord.ledger.models import Entry
from accord.library import pax, services
from accord.library.models import PaxAgreement, PaxImport

from .conftest import csv_text, make_row, real_columns

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_library(db):
    """An import into a library that holds no agreement yet (the demo's sample rows, which a
    test run may have committed before, are removed inside the test's transaction)."""
    PaxAgreement.objects.all().delete()
    PaxImport.objects.all().delete()


def test_layout_is_the_real_one():
    assert list(pax.COLUMNS) == real_columns()
    assert len(pax.COLUMNS) == 279
    assert pax.CODED[0] == "GCh" and pax.CODED[-1] == "ImE"
    # every coded column belongs to exactly one topic
    assert sorted(pax.COLUMN_TOPIC) == sorted(pax.CODED)
    assert len(pax.PAM_TOPICS) == 51 and set(pax.PAM_NAMES) == set(pax.PAM_TOPICS)


def test_import_reads_multiline_text_and_coding(good_csv):
    batch = services.import_pax(good_csv, file_name="pax.csv")
    assert (batch.rows, batch.created, batch.updated) == (3, 3, 0)
    a = PaxAgreement.objects.get(agt_id=101)
    assert a.name == 'Ceasefire "Lake" Agreement, first part'
    assert a.parties == 'Government of Varnia\nKesh Front, "northern wing"\nNVF'
    assert a.third_parties == "Witness: the Union,\nsecond line"
    assert a.codes == {"Ce": 3, "CeProv": 2, "SsrDdr": 1}
    assert a.topics == ",ceasefire,ddr,"
    assert str(a.date) == "1999-05-01" and a.stage == "Cea" and a.pages == 4
    assert a.conflict_type == "Government" and a.extra == {}
    b = PaxAgreement.objects.get(agt_id=102)
    assert [t.key for t in b.topic_list] == ["power_political", "power_territorial"]
    entry = Entry.objects.filter(action="library.pax_import").latest("pk")
    assert entry.payload["agreements"] == 3 and entry.payload["sha256"] == batch.sha256


def test_missing_columns_are_named_and_nothing_written(good_csv):
    cols = [c for c in real_columns() if c not in ("Dat", "TjAm", "ImE")]
    text = csv_text([make_row(1)], cols)
    before = Entry.objects.count()
    with pytest.raises(Invalid) as exc:
        services.import_pax(text, file_name="short.csv")
    assert "lacks 3 of the 279" in exc.value.message
    for name in ("Dat", "TjAm", "ImE"):
        assert name in exc.value.message
    assert not PaxAgreement.objects.exists() and not PaxImport.objects.exists()
    assert Entry.objects.count() == before


def test_every_bad_row_is_reported_by_line_and_column_and_nothing_written():
    rows = [
        make_row(1, Part="two\nlines"),  # lines 2-3
        make_row(2, Dat="14/12/1995"),  # line 4: bad date
        make_row(3, Ce="yes"),  # line 5: a coded category that is not an integer
        make_row(4, TjAm="1.5"),  # line 6
        make_row(5),  # line 7: good, but the file is refused as a whole
        make_row(6, Lgt="ten"),  # line 8
        make_row(2),  # line 9: fine (line 4, refused, holds no id)
    ]
    text = csv_text(rows)
    # line 10: a row with one field too few
    text += ",".join(["x"] * 278) + "\r\n"
    with pytest.raises(Invalid) as exc:
        services.import_pax(text, file_name="bad.csv")
    msg = exc.value.message
    assert msg.startswith("nothing was imported")
    assert "line 4, column Dat: '14/12/1995' is not a date" in msg
    assert "line 5, column Ce: 'yes' is not a coded value" in msg
    assert "line 6, column TjAm: '1.5' is not a coded value" in msg
    assert "line 8, column Lgt: 'ten' is not a whole number" in msg
    assert "line 10: has 278 fields where the header has 279" in msg
    assert "line 2" not in msg and "line 7" not in msg
    assert exc.value.fields["line 4 Dat"].startswith("'14/12/1995'")
    assert not PaxAgreement.objects.exists()


def test_duplicate_ids_empty_required_and_negative_codes():
    text = csv_text([make_row(7), make_row(7), make_row(8, Agt=""), make_row(9, Ce=-1)])
    with pytest.raises(Invalid) as exc:
        services.import_pax(text, file_name="dup.csv")
    msg = exc.value.message
    assert "line 3, column AgtId: 7 is already the id of line 2" in msg
    assert "line 4, column Agt: is empty" in msg
    assert "line 5, column Ce: -1 is negative" in msg


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "the file is empty"),
        ("Con,Agt\r\n", "lacks 277 of the 279"),
        (",".join(pax.COLUMNS) + ",Con\r\n", "column Con: appears twice"),
        (",".join(pax.COLUMNS) + "\r\n", "header but no agreements"),
    ],
    ids=["empty", "two-columns", "duplicate-column", "header-only"],
)
def test_unusable_files(text, words):
    with pytest.raises(Invalid, match=words):
        services.import_pax(text, file_name="x.csv")
    assert not PaxAgreement.objects.exists()


def test_reimport_updates_by_id_and_real_file_replaces_samples(good_csv):
    from accord.library.sample import sample_csv

    services.import_pax(sample_csv(), file_name="sample.csv", sample=True)
    assert PaxAgreement.objects.filter(sample=True).count() == 12
    services.import_pax(good_csv, file_name="pax.csv")
    assert not PaxAgreement.objects.filter(sample=True).exists()
    assert PaxAgreement.objects.count() == 3
    changed = csv_text([make_row(101, Agt="Renamed", Ce=0, TjAm=2)])
    batch = services.import_pax(changed, file_name="pax2.csv")
    assert (batch.created, batch.updated) == (0, 1)
    a = PaxAgreement.objects.get(agt_id=101)
    assert a.name == "Renamed" and a.codes == {"TjAm": 2} and a.topics == ",amnesty,"
    assert PaxAgreement.objects.count() == 3


def test_bom_and_spreadsheet_integers_are_accepted():
    text = "\ufeff" + csv_text([make_row(11, Ce="1.0", Lgt="")])
    services.import_pax(text, file_name="bom.csv")
    a = PaxAgreement.objects.get(agt_id=11)
    assert a.codes == {"Ce": 1} and a.pages is None


def test_management_command_reports_progress(tmp_path, good_csv, capsys):
    f = tmp_path / "pax.csv"
    f.write_text(good_csv, encoding="utf-8")
    call_command("library_import_pax", str(f))
    out = capsys.readouterr().out
    assert "Checked 3 agreements" in out
    assert "Written 3 of 3 agreements (100 %)" in out
    assert "Imported 3 agreements from pax.csv: 3 new, 0 updated." in out
    assert PaxAgreement.objects.count() == 3


def test_management_command_refuses_a_bad_file(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(csv_text([make_row(1, Dat="someday")]), encoding="utf-8")
    with pytest.raises(CommandError, match="line 2, column Dat"):
        call_command("library_import_pax", str(f))
    with pytest.raises(CommandError, match="no such file"):
        call_command("library_import_pax", str(tmp_path / "nope.csv"))
    assert not PaxAgreement.objects.exists()


def test_the_accord_command_names_the_import(tmp_path, good_csv, capsys):
    from accord.cli import main

    f = tmp_path / "pax.csv"
    f.write_text(good_csv, encoding="utf-8")
    assert main(["library", "import-pax", str(f)]) == 0
    assert PaxAgreement.objects.count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text([make_row(9, Dat="someday")]), encoding="utf-8")
    assert main(["library", "import-pax", str(bad)]) == 2
    assert "line 2, column Dat" in capsys.readouterr().out
    assert PaxAgreement.objects.count() == 3
