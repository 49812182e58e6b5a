"""Fixtures of the library tests: PA-X files in the real v10 layout, generated here."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.library import pax

COLUMNS_TXT = Path(__file__).parent / "data" / "columns.txt"  # copy of shared/data/pax


def real_columns() -> list[str]:
    return COLUMNS_TXT.read_text().strip().split(",")


def make_row(agt_id: int, **values: object) -> dict[str, object]:
    """A PA-X row: every coded column 0, the descriptive ones plausible, `values` on top."""
    row: dict[str, object] = {c: 0 for c in pax.CODED}
    row.update(
        Con="Varnia",
        Contp="Government",
        PP="77",
        PPName="Varnia peace process",
        Reg="Europe",
        AgtId=agt_id,
        Ver="1",
        Agt=f"Agreement number {agt_id}",
        Dat="2001-02-03",
        Status="Multiparty signed/agreed",
        Lgt=4,
        N_characters=9000,
        Agtp="Intra",
        Stage="SubPar",
        StageSub="",
        Part="Government of Varnia",
        ThrdPart="",
    )
    row.update(values)
    return row


def csv_text(rows: list[dict[str, object]], columns: list[str] | None = None) -> str:
    """Rows written with the real header (from columns.txt) by the csv module."""
    import csv
    import io

    cols = columns or real_columns()
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else str(r.get(c)) for c in cols])
    return buf.getvalue()


@pytest.fixture
def good_csv() -> str:
    """Three agreements, with multi-line signatories, quotes and commas in text fields."""
    return csv_text(
        [
            make_row(
                101,
                Agt='Ceasefire "Lake" Agreement, first part',
                Dat="1999-05-01",
                Stage="Cea",
                Part='Government of Varnia\nKesh Front, "northern wing"\nNVF',
                ThrdPart="Witness: the Union,\nsecond line",
                Ce=3,
                CeProv=2,
                SsrDdr=1,
            ),
            make_row(102, Agt="Framework on power sharing", Dat="2003-07-09", Polps=2, PpsEx=1,
                     Terps=1, Stage="FrCons", Agtp="InterIntra", Con="Varnia/Osland"),
            make_row(103, Agt="Transitional justice accord", Dat="2010-12-31", TjAm=1, TjMech=2,
                     GeWom=1),
        ]
    )  # fmt: skip
