"""A dozen generated rows in the PA-X v10 layout, for the demo and the tests.

They are NOT PA-X data: names and dates are those of well-known agreements, the coding is
illustrative, and the pages say so (each row is flagged as a sample). The operator imports the
real file with `accord manage library_import_pax FILE.csv`, which replaces these rows. Their ids
start at 90001, far above PA-X's AgtIds, so they never update a real agreement.
"""

from __future__ import annotations

from accord.library import pax

SAMPLE_BASE = 90001

# (name, country, process, region, date, type, stage, parties (lines), third parties, coding)
_ROWS: list[tuple[str, str, str, str, str, str, str, list[str], list[str], dict[str, int]]] = [
    (
        "General Framework Agreement for Peace in Bosnia and Herzegovina (Dayton)",
        "Bosnia and Herzegovina/Croatia/Yugoslavia (former)", "Bosnia peace process", "Europe",
        "1995-12-14", "InterIntra", "SubComp",
        ["Republic of Bosnia and Herzegovina", "Republic of Croatia",
         "Federal Republic of Yugoslavia"],
        ["Witnessed by the European Union Special Negotiator, France, Germany, Russia,",
         "the United Kingdom and the United States"],
        {"Ce": 3, "CeProv": 3, "SsrFf": 3, "StBor": 3, "Ele": 3, "ElecComm": 2, "ConRen": 3,
         "HrGen": 3, "HrNi": 2, "GRef": 3, "LaCH": 2, "ImPK": 3, "ImE": 2, "SsrPol": 2,
         "Polps": 2, "Terps": 3, "TjCou": 2, "HrMob": 2},
    ),
    (
        "The Belfast Agreement (Good Friday Agreement)", "United Kingdom/Ireland",
        "Northern Ireland peace process", "Europe", "1998-04-10", "InterIntra", "SubComp",
        ["Government of the United Kingdom", "Government of Ireland",
         "Northern Ireland political parties"],
        ["Independent Chairmen of the talks"],
        {"Polps": 3, "PpsEx": 3, "Pol": 3, "Ele": 2, "StSd": 3, "StRef": 2, "HrGen": 3, "HrNi": 3,
         "SsrDdr": 2, "SsrPol": 3, "TjPrire": 3, "TjVic": 2, "ImRef": 3, "ConRen": 2,
         "GeWom": 1, "JusCr": 2},
    ),
    (
        "Camp David Accords: A Framework for Peace in the Middle East", "Egypt/Israel",
        "Israel-Egypt process", "Middle East and North Africa", "1978-09-17", "Inter", "FrCons",
        ["Arab Republic of Egypt", "State of Israel"], ["Witnessed by the United States"],
        {"SsrFf": 3, "StBor": 2, "StSd": 2, "GRef": 2, "Pol": 2, "ImE": 1, "ImPK": 1},
    ),
    (
        "Comprehensive Peace Agreement (Sudan)", "Sudan", "Sudan: North-South process",
        "Africa (excl MENA)", "2005-01-09", "Intra", "SubComp",
        ["Government of the Republic of the Sudan",
         "Sudan People's Liberation Movement/Sudan People's Liberation Army"],
        ["Witnessed by IGAD, the United Nations and others"],
        {"Ce": 3, "SsrDdr": 3, "DdrDemil": 2, "Polps": 3, "PpsEx": 3, "Eps": 3, "EpsRes": 3,
         "Mps": 3, "MpsJt": 3, "Terps": 3, "StRef": 3, "StSd": 3, "Ele": 2, "NatRes": 3,
         "ImUN": 1, "ImPK": 2, "ImE": 2},
    ),
    (
        "Final Agreement to End the Armed Conflict and Build a Stable and Lasting Peace",
        "Colombia", "Colombia V - Santos", "Americas", "2016-11-24", "Intra", "SubComp",
        ["Government of Colombia", "Revolutionary Armed Forces of Colombia - People's Army"],
        ["Guarantor countries Cuba and Norway", "Accompanying countries Venezuela and Chile"],
        {"Ce": 3, "SsrDdr": 3, "DdrProg": 3, "LaRef": 3, "Dev": 3, "PolPar": 3, "Ele": 2,
         "TjMech": 3, "TjVic": 3, "TjRep": 3, "TjAm": 2, "TjCou": 3, "GeWom": 3, "GInd": 2,
         "SsrDrugs": 3, "ImUN": 2, "ImE": 3, "Prot": 2},
    ),
    (
        "Ohrid Framework Agreement", "North Macedonia", "Macedonia process", "Europe",
        "2001-08-13", "Intra", "SubComp",
        ["President of the Republic", "Leaders of four political parties"],
        ["Witnessed by the European Union and the United States"],
        {"Ce": 1, "SsrDdr": 2, "ConRen": 3, "TpsLoc": 3, "Terps": 2, "GRa": 3, "HrGen": 2,
         "StSym": 2, "SsrPol": 2, "Pubad": 2},
    ),
    (
        "Peace Agreement between the Government of Sierra Leone and the RUF (Lomé)",
        "Sierra Leone", "Sierra Leone process", "Africa (excl MENA)", "1999-07-07", "Intra",
        "SubComp",
        ["Government of Sierra Leone", "Revolutionary United Front of Sierra Leone"],
        ["Moral guarantors: Togo, the United Nations, the OAU and ECOWAS"],
        {"Ce": 3, "SsrDdr": 3, "Polps": 3, "PpsEx": 2, "TjAm": 3, "TjMech": 3, "HrGen": 2,
         "ImUN": 2, "ImPK": 3, "NatRes": 2, "GCh": 2},
    ),
    (
        "Arusha Peace and Reconciliation Agreement for Burundi", "Burundi", "Burundi: Arusha process",
        "Africa (excl MENA)", "2000-08-28", "Intra", "SubComp",
        ["Government of Burundi", "National Assembly", "Burundian political parties"],
        ["Facilitator and regional leaders as witnesses"],
        {"Ce": 2, "Polps": 3, "PpsEx": 3, "Mps": 3, "MpsPro": 3, "SsrArm": 3, "TjMech": 3,
         "TjCou": 2, "GRa": 3, "GRef": 3, "LaRef": 2, "ConRen": 3, "ImPK": 2},
    ),
    (
        "Protocol on the results of consultations of the Trilateral Contact Group (Minsk)",
        "Ukraine/Russia", "Ukraine peace process", "Europe", "2014-09-05", "InterIntra", "Cea",
        ["Trilateral Contact Group", "Representatives of certain areas of Donetsk and Luhansk"],
        ["Organization for Security and Co-operation in Europe"],
        {"Ce": 3, "CeGen": 2, "HrIi": 2, "HrIiMon": 3, "TjAm": 2, "TjPrire": 2, "Ele": 1,
         "TpsLoc": 2, "ImE": 1},
    ),
    (
        "Comprehensive Peace Accord between the Government of Nepal and the CPN (Maoist)",
        "Nepal", "Nepal peace process", "Asia and Pacific", "2006-11-21", "Intra", "SubComp",
        ["Government of Nepal", "Communist Party of Nepal (Maoist)"], [],
        {"Ce": 3, "SsrDdr": 3, "SsrArm": 2, "Ele": 3, "Cons": 3, "TjMech": 2, "TjMis": 2,
         "HrGen": 3, "LaRef": 2, "ImUN": 1, "HrIiMon": 2},
    ),
    (
        "Memorandum of Understanding between the Government of Indonesia and the Free Aceh"
        " Movement (Helsinki)",
        "Indonesia", "Indonesia: Aceh process", "Asia and Pacific", "2005-08-15", "Intra",
        "SubComp",
        ["Government of the Republic of Indonesia", "Free Aceh Movement"],
        ["Facilitated by the Crisis Management Initiative"],
        {"Ce": 2, "SsrDdr": 3, "DdrDemil": 3, "TpsAut": 3, "Terps": 3, "PolPar": 3, "EpsRes": 2,
         "TjAm": 3, "TjPrire": 3, "HrIi": 2, "ImPK": 3, "ImE": 2},
    ),
    (
        "Agreement on Cessation of Hostilities between the Government of the Republic of South"
        " Sudan and the SPLM/A (in Opposition)",
        "South Sudan", "South Sudan: post-secession conflict", "Africa (excl MENA)",
        "2014-01-23", "Intra", "Cea",
        ["Government of the Republic of South Sudan",
         "Sudan People's Liberation Movement/Army (in Opposition)"],
        ["Intergovernmental Authority on Development (IGAD) mediators"],
        {"Ce": 3, "CeProv": 3, "ProtCiv": 3, "HrMob": 2, "SsrFf": 2, "ImE": 3, "ImOth": 2,
         "GCh": 1},
    ),
]  # fmt: skip


def sample_rows() -> list[dict[str, object]]:
    """The sample agreements as PA-X columns → values (every coded column filled, 0 if none)."""
    out = []
    for i, (name, con, pp, reg, dat, agtp, stage, part, third, codes) in enumerate(_ROWS):
        row: dict[str, object] = {c: 0 for c in pax.CODED}
        row.update(codes)
        row.update(
            Con=con,
            Contp="Government" if agtp != "Inter" else "Territory",
            PP=str(900 + i),
            PPName=pp,
            Reg=reg,
            AgtId=SAMPLE_BASE + i,
            Ver="1",
            Agt=name,
            Dat=dat,
            Status="Multiparty signed/agreed",
            Lgt=10 + 7 * i,
            N_characters=30_000 + 4_100 * i,
            Agtp=agtp,
            Stage=stage,
            StageSub="Sample row",
            Part="\n".join(part),
            ThrdPart="\n".join(third),
            OthAgr="",
        )
        out.append(row)
    return out


def sample_csv() -> str:
    """The sample rows as a PA-X v10 CSV text (multi-line fields quoted by the csv module)."""
    return pax.to_csv(sample_rows())
