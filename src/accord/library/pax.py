"""The PA-X peace agreements database (Edinburgh), version 10 layout: read, check, map to topics.

Why a module of its own: the file is research data kept outside Accord (cite as Bell &
Badanjak, Journal of Peace Research 56(3), 2019). Accord reads it as it is published, one row
per agreement and 279 columns, free-text fields with embedded line breaks and quotes, and checks
every row before anything is written, so an import is all or nothing and every fault is named by
its line and column. The coded columns (0/1, or depth 0–3) are grouped into topics named for
people ("Ceasefire", "Political power sharing", "DDR"…), which is what the library's search and
the similarity of a draft's coding work on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

COLUMNS: tuple[str, ...] = (
    "Con",
    "Contp",
    "PP",
    "PPName",
    "Reg",
    "AgtId",
    "Ver",
    "Agt",
    "Dat",
    "Status",
    "Lgt",
    "N_characters",
    "Agtp",
    "Stage",
    "StageSub",
    "Part",
    "ThrdPart",
    "OthAgr",
    "Loc1ISO",
    "Loc2ISO",
    "Loc1GWNO",
    "Loc2GWNO",
    "UcdpCon",
    "UcdpAgr",
    "PamAgr",
    "CowWar",
    "Interim",
    "ImSrc",
    "GCh",
    "GChRhet",
    "GChAntid",
    "GChSubs",
    "GChOth",
    "GDis",
    "GDisRhet",
    "GDisAntid",
    "GDisSubs",
    "GDisOth",
    "GAge",
    "GAgeRhet",
    "GAgeAntid",
    "GAgeSubs",
    "GAgeOth",
    "GMig",
    "GMigRhet",
    "GMigAntid",
    "GMigSubs",
    "GMigOth",
    "GRa",
    "GRaRhet",
    "GRaAntid",
    "GRaSubs",
    "GRaOth",
    "GRe",
    "GReRhet",
    "GReAntid",
    "GReSubs",
    "GReOth",
    "GInd",
    "GIndRhet",
    "GIndAntid",
    "GIndSubs",
    "GIndOth",
    "GOth",
    "GOthRhet",
    "GOthAntid",
    "GOthSubs",
    "GOthOth",
    "GRef",
    "GRefRhet",
    "GRefSubs",
    "GRefOth",
    "GSoc",
    "GSocRhet",
    "GSocAntid",
    "GSocSubs",
    "GSocOth",
    "GeWom",
    "GeMe",
    "GeMeNu",
    "GeMeOth",
    "GeLgbti",
    "GeLgbtiPos",
    "GeLgbtiNeg",
    "GeFa",
    "StDef",
    "StGen",
    "StCon",
    "StSd",
    "StRef",
    "StSym",
    "StInd",
    "StUni",
    "StBor",
    "StXbor",
    "Pol",
    "PolGen",
    "PolNewInd",
    "PolNewTemp",
    "Ele",
    "ElecComm",
    "PolPar",
    "PolParTrans",
    "PolParOth",
    "Civso",
    "Tral",
    "Pubad",
    "ConGen",
    "ConRen",
    "Cons",
    "Polps",
    "PpsGe",
    "PpsGe:St",
    "PpsGe:Sub",
    "PpsEx",
    "PpsEx:St",
    "PpsEx:Sub",
    "PpsOro",
    "PpsOro:St",
    "PpsOro:Sub",
    "PpsOthPr",
    "PpsOthPr:St",
    "PpsOthPr:Sub",
    "PpsVet",
    "PpsVet:St",
    "PpsVet:Sub",
    "PpsAut",
    "PpsAut:St",
    "PpsAut:Sub",
    "PpsInt",
    "PpsInt:St",
    "PpsInt:Sub",
    "PpsOth",
    "PpsOth:St",
    "PpsOth:Sub",
    "Terps",
    "TpsSub",
    "TpsLoc",
    "TpsAut",
    "TpsOth",
    "Eps",
    "EpsRes",
    "EpsFis",
    "EpsOth",
    "Mps",
    "MpsMe",
    "MpsJt",
    "MpsPro",
    "MpsOth",
    "HrGen",
    "HrBor",
    "HrTrinc",
    "HrCp",
    "CprLife",
    "CprTort",
    "CprEq",
    "CprSlav",
    "CprLib",
    "CprDet",
    "CprFmov",
    "CprFspe",
    "CprFass",
    "CprTria",
    "CprPriv",
    "CprVote",
    "CprReli",
    "CprOth",
    "HrSec",
    "SerProp",
    "SerWork",
    "SerHeal",
    "SerEdu",
    "SerStdl",
    "SerShel",
    "SerSs",
    "SerCult",
    "SerOth",
    "HrCit",
    "CitGen",
    "CitRights",
    "CitDef",
    "CitOth",
    "HrDem",
    "HrDet",
    "Med",
    "MedGov",
    "MedSubs",
    "MedLog",
    "MedOth",
    "HrMob",
    "Prot",
    "ProtCiv",
    "ProtGrp",
    "ProtOth",
    "RiOth",
    "HrNi",
    "HrNiMe",
    "HrNiNe",
    "HrNiOth",
    "HrIi",
    "HrIiMon",
    "HrIiBod",
    "HrIiOth",
    "JusCr",
    "JusCrSp",
    "JusCrSys",
    "JusCrPow",
    "JusEm",
    "JusJu",
    "JusPri",
    "JusTra",
    "Dev",
    "DevSoc",
    "DevHum",
    "DevInfra",
    "NEC",
    "NatRes",
    "IntFu",
    "Bus",
    "Tax",
    "TaxPo",
    "TaxRef",
    "TaxOth",
    "Ban",
    "CenBan",
    "BanPers",
    "BanInt",
    "BanXb",
    "LaRef",
    "LaRefMan",
    "LaRefRet",
    "LaRefOth",
    "LaNom",
    "LaCH",
    "LaCHTa",
    "LaCHIt",
    "LaCHPro",
    "LaCHOth",
    "LaEn",
    "Wat",
    "SsrGua",
    "Ce",
    "CeProv",
    "CeGen",
    "SsrPol",
    "SsrArm",
    "SsrDdr",
    "DdrDemil",
    "DdrProg",
    "SsrInt",
    "SsrPsf",
    "SsrFf",
    "Cor",
    "SsrCrOcr",
    "SsrDrugs",
    "Terr",
    "TjGen",
    "TjAm",
    "TjAmPro",
    "TjSan",
    "TjPower",
    "TjAmBan",
    "TjCou",
    "TjJaNc",
    "TjJaIc",
    "TjMech",
    "TjPrire",
    "TjVet",
    "TjVic",
    "TjMis",
    "TjRep",
    "TjRSym",
    "TjRMa",
    "TjNR",
    "ImUN",
    "ImOth",
    "ImRef",
    "ImPK",
    "ImE",
)

# Descriptive columns (text, ids, dates) come first; every column from `GCh` on is a coded
# category holding a non-negative integer (0/1, or depth 0–3: 1 mentioned, 2 some detail,
# 3 detailed).
FIRST_CODED = COLUMNS.index("GCh")
DESCRIPTIVE: tuple[str, ...] = COLUMNS[:FIRST_CODED]
CODED: tuple[str, ...] = COLUMNS[FIRST_CODED:]
INTEGER_COLUMNS = ("AgtId", "Lgt", "N_characters")  # descriptive columns holding integers
REQUIRED = ("AgtId", "Agt", "Dat")  # a row without them cannot be an agreement
MAX_ROWS = 100_000
MAX_REPORTED = 200  # errors listed in full; the rest are counted

STAGES: dict[str, str] = {
    "Pre": "Pre-negotiation / process",
    "SubPar": "Substantive: partial",
    "SubComp": "Substantive: comprehensive",
    "FrCons": "Framework / constitutional",
    "Imp": "Implementation / renegotiation",
    "Ren": "Renewal",
    "Cea": "Ceasefire",
    "Oth": "Other",
}
AGREEMENT_TYPES: dict[str, str] = {
    "Inter": "Interstate",
    "InterIntra": "Interstate / intrastate",
    "Intra": "Intrastate",
    "IntraLocal": "Intrastate, local",
}


@dataclass(frozen=True)
class Topic:
    """A coded category named for people: the PA-X columns that say an agreement covers it."""

    key: str
    name: str
    group: str
    columns: tuple[str, ...]


def _cols(prefix: str, *more: str) -> tuple[str, ...]:
    """Every coded column starting with `prefix` (a family such as GCh, GChRhet…), plus more."""
    return tuple(c for c in CODED if c.startswith(prefix)) + more


TOPICS: tuple[Topic, ...] = (
    # security
    Topic("ceasefire", "Ceasefire", "Security", ("Ce", "CeProv", "CeGen")),
    Topic("ddr", "Disarmament, demobilisation and reintegration (DDR)", "Security",
          ("SsrDdr", "DdrDemil", "DdrProg")),
    Topic("police", "Police reform", "Security", ("SsrPol",)),
    Topic("armed_forces", "Armed forces reform", "Security", ("SsrArm",)),
    Topic("intelligence", "Intelligence services", "Security", ("SsrInt",)),
    Topic("non_state_forces", "Parastatal and rebel forces", "Security", ("SsrPsf",)),
    Topic("foreign_forces", "Withdrawal of foreign forces", "Security", ("SsrFf",)),
    Topic("security_guarantees", "Security guarantees", "Security", ("SsrGua",)),
    Topic("crime", "Corruption, organised crime, drugs and terrorism", "Security",
          ("Cor", "SsrCrOcr", "SsrDrugs", "Terr")),
    # power sharing and governance
    Topic("power_political", "Political power sharing", "Power sharing",
          ("Polps", *_cols("Pps"))),
    Topic("power_territorial", "Territorial power sharing", "Power sharing",
          ("Terps", "TpsSub", "TpsLoc", "TpsAut", "TpsOth")),
    Topic("power_economic", "Economic power sharing", "Power sharing",
          ("Eps", "EpsRes", "EpsFis", "EpsOth")),
    Topic("power_military", "Military power sharing", "Power sharing",
          ("Mps", "MpsMe", "MpsJt", "MpsPro", "MpsOth")),
    Topic("political_institutions", "Political institutions (new or interim)", "Governance",
          ("Pol", "PolGen", "PolNewInd", "PolNewTemp")),
    Topic("elections", "Elections and electoral commission", "Governance", ("Ele", "ElecComm")),
    Topic("parties", "Political parties reform", "Governance",
          ("PolPar", "PolParTrans", "PolParOth")),
    Topic("civil_society", "Civil society", "Governance", ("Civso",)),
    Topic("traditional_authority", "Traditional or religious leaders", "Governance", ("Tral",)),
    Topic("public_administration", "Public administration", "Governance", ("Pubad",)),
    Topic("constitution", "Constitution (affirmation or renewal)", "Governance",
          ("ConGen", "ConRen", "Cons")),
    # state definition
    Topic("state_definition", "Nature of the state", "State", ("StDef", "StGen", "StCon")),
    Topic("self_determination", "Self-determination", "State", ("StSd",)),
    Topic("referendum_state", "Referendum on the state", "State", ("StRef",)),
    Topic("symbols", "State symbols", "State", ("StSym",)),
    Topic("independence", "Independence or secession", "State", ("StInd",)),
    Topic("unification", "Accession or unification", "State", ("StUni",)),
    Topic("borders", "Borders and cross-border provisions", "State", ("StBor", "StXbor")),
    # rights
    Topic("human_rights", "Human rights and equality", "Rights", ("HrGen", "HrBor", "HrTrinc", "RiOth")),
    Topic("civil_political_rights", "Civil and political rights", "Rights",
          ("HrCp", *_cols("Cpr"))),
    Topic("socioeconomic_rights", "Socio-economic rights", "Rights", ("HrSec", *_cols("Ser"))),
    Topic("citizenship", "Citizenship", "Rights", ("HrCit", *_cols("Cit"))),
    Topic("democracy", "Democracy", "Rights", ("HrDem",)),
    Topic("detention", "Detention procedures", "Rights", ("HrDet",)),
    Topic("media", "Media and communication", "Rights", _cols("Med")),
    Topic("mobility", "Freedom of movement", "Rights", ("HrMob",)),
    Topic("protection", "Protection of civilians and groups", "Rights", _cols("Prot")),
    Topic("rights_institutions", "Human-rights institutions (national and international)",
          "Rights", _cols("HrNi", *_cols("HrIi"))),
    # justice
    Topic("justice_reform", "Justice sector reform (criminal law, courts, prisons)", "Justice",
          (*_cols("JusCr"), "JusEm", "JusJu", "JusPri", "JusTra")),
    Topic("tj_general", "Transitional justice (general)", "Transitional justice", ("TjGen",)),
    Topic("amnesty", "Amnesty", "Transitional justice", ("TjAm", "TjAmPro")),
    Topic("accountability", "Courts and accountability", "Transitional justice",
          ("TjSan", "TjPower", "TjAmBan", "TjCou", "TjJaNc", "TjJaIc")),
    Topic("truth", "Truth and reconciliation mechanisms", "Transitional justice",
          ("TjMech", "TjNR")),
    Topic("prisoner_release", "Prisoner release", "Transitional justice", ("TjPrire",)),
    Topic("vetting", "Vetting", "Transitional justice", ("TjVet",)),
    Topic("victims", "Victims and missing persons", "Transitional justice", ("TjVic", "TjMis")),
    Topic("reparations", "Reparations", "Transitional justice", ("TjRep", "TjRSym", "TjRMa")),
    # groups
    Topic("women", "Women, girls and gender", "Groups",
          ("GeWom", *_cols("GeMe"), *_cols("GeLgbti"), "GeFa")),
    Topic("children", "Children and youth", "Groups", _cols("GCh")),
    Topic("disability", "Persons with disabilities", "Groups", _cols("GDis")),
    Topic("age", "Older persons", "Groups", _cols("GAge")),
    Topic("migrants", "Migrants", "Groups", _cols("GMig")),
    Topic("ethnic_groups", "Racial, ethnic and national groups", "Groups", _cols("GRa")),
    Topic("religious_groups", "Religious groups", "Groups",
          tuple(c for c in _cols("GRe") if not c.startswith("GRef"))),
    Topic("indigenous", "Indigenous peoples", "Groups", _cols("GInd")),
    Topic("refugees", "Refugees and displaced persons", "Groups", _cols("GRef")),
    Topic("social_class", "Social class", "Groups", _cols("GSoc")),
    Topic("other_groups", "Other groups", "Groups", _cols("GOth")),
    # economy, land, development
    Topic("development", "Development and reconstruction", "Economy",
          ("Dev", "DevSoc", "DevHum", "DevInfra", "NEC")),
    Topic("finance", "International funds, business, taxation and banking", "Economy",
          ("IntFu", "Bus", *_cols("Tax"), *_cols("Ban"), "CenBan")),
    Topic("natural_resources", "Natural resources, environment and water", "Economy",
          ("NatRes", "LaEn", "Wat")),
    Topic("land", "Land, property and pastoralism", "Economy", (*_cols("LaRef"), "LaNom")),
    Topic("cultural_heritage", "Cultural heritage", "Economy", _cols("LaCH")),
    # implementation
    Topic("un_signatory", "UN signatory", "Implementation", ("ImUN",)),
    Topic("other_signatory", "Other international signatory", "Implementation", ("ImOth",)),
    Topic("referendum_agreement", "Referendum on the agreement", "Implementation", ("ImRef",)),
    Topic("international_mission", "International mission or force", "Implementation",
          ("ImPK",)),
    Topic("enforcement", "Enforcement mechanism", "Implementation", ("ImE",)),
)  # fmt: skip
TOPIC_KEYS: tuple[str, ...] = tuple(t.key for t in TOPICS)
TOPIC_BY_KEY: dict[str, Topic] = {t.key: t for t in TOPICS}
COLUMN_TOPIC: dict[str, str] = {c: t.key for t in TOPICS for c in t.columns}

# PAM's 51 provision types (REFERENCE.md, Peace Accords Matrix) → the PA-X topics that cover
# them, so a draft coded with PAM stems (the implementation app's provisions) can be compared
# with PA-X's coding. Stems with no PA-X counterpart map to nothing and are reported as such.
PAM_TOPICS: dict[str, tuple[str, ...]] = {
    "amnest": ("amnesty",),
    "arbdam": ("reparations",),
    "arbland": ("land",),
    "bound": ("borders",),
    "cease": ("ceasefire",),
    "child": ("children",),
    "citiz": ("citizenship",),
    "civadm": ("public_administration",),
    "const": ("constitution",),
    "cultr": ("cultural_heritage",),
    "decen": ("power_territorial",),
    "demob": ("ddr",),
    "develop": ("development",),
    "disarm": ("ddr",),
    "disput": (),
    "donor": ("finance",),
    "educat": ("socioeconomic_rights",),
    "elect": ("elections", "parties"),
    "embarg": (),
    "ethrel": ("ethnic_groups",),
    "exerefm": ("power_political",),
    "humrts": ("human_rights",),
    "idps": ("refugees",),
    "indmin": ("indigenous",),
    "indrefer": ("referendum_state", "independence"),
    "judrfm": ("justice_reform",),
    "legref": ("political_institutions",),
    "media": ("media",),
    "milrfm": ("armed_forces",),
    "minrts": ("ethnic_groups",),
    "natres": ("natural_resources",),
    "offlan": ("symbols",),
    "pargrp": ("non_state_forces",),
    "polrfm": ("police",),
    "powtran": ("power_political", "political_institutions"),
    "prisr": ("prisoner_release",),
    "ratm": ("referendum_agreement",),
    "refug": ("refugees",),
    "regpkf": ("international_mission",),
    "reint": ("ddr",),
    "repar": ("reparations",),
    "roa": (),
    "selfd": ("self_determination",),
    "terpow": ("power_territorial",),
    "time": (),
    "truth": ("truth",),
    "unpkf": ("international_mission", "un_signatory"),
    "untran": ("international_mission", "un_signatory"),
    "verify": ("enforcement",),
    "with": ("foreign_forces",),
    "women": ("women",),
}


# The meaning of each PAM stem, as REFERENCE.md gives it (pages show words, not stems).
PAM_NAMES: dict[str, str] = {
    "amnest": "amnesty", "arbdam": "commission on damage/loss",
    "arbland": "land/property commission", "bound": "boundary demarcation", "cease": "ceasefire",
    "child": "children's rights", "citiz": "citizenship reform",
    "civadm": "civil administration reform", "const": "constitutional reform",
    "cultr": "cultural protections", "decen": "decentralisation/federalism",
    "demob": "demobilisation", "develop": "economic and social development",
    "disarm": "disarmament", "disput": "dispute resolution committee", "donor": "donor support",
    "educat": "education reform", "elect": "electoral/party reform", "embarg": "arms embargo",
    "ethrel": "inter-ethnic/state relations", "exerefm": "executive reform",
    "humrts": "human rights", "idps": "internally displaced persons",
    "indmin": "indigenous minority rights", "indrefer": "independence referendum",
    "judrfm": "judiciary reform", "legref": "legislative reform", "media": "media reform",
    "milrfm": "military reform", "minrts": "minority rights",
    "natres": "natural resource management", "offlan": "official language and symbol",
    "pargrp": "paramilitary groups", "polrfm": "police reform",
    "powtran": "transitional power-sharing government", "prisr": "prisoner release",
    "ratm": "ratification mechanism", "refug": "refugees", "regpkf": "regional peacekeeping force",
    "reint": "reintegration", "repar": "reparations", "roa": "review of agreement",
    "selfd": "self-determination", "terpow": "territorial power sharing",
    "time": "detailed implementation timeline", "truth": "truth/reconciliation mechanism",
    "unpkf": "UN peacekeeping force", "untran": "UN transitional authority",
    "verify": "verification/monitoring mechanism", "with": "withdrawal of troops",
    "women": "women's rights",
}  # fmt: skip


def topics_of(keys: str | Iterable[str]) -> list[Topic]:
    """The topics named by keys (or by a stored ",a,b," string), in the taxonomy's order."""
    wanted = set(keys.strip(",").split(",")) if isinstance(keys, str) else set(keys)
    return [t for t in TOPICS if t.key in wanted]


def topic_keys(codes: dict[str, int]) -> list[str]:
    """The topics an agreement covers: any of a topic's columns coded above zero."""
    hit = {COLUMN_TOPIC[c] for c, v in codes.items() if v > 0 and c in COLUMN_TOPIC}
    return [k for k in TOPIC_KEYS if k in hit]


def stored_topics(keys: Iterable[str]) -> str:
    """Topic keys as stored for filtering with `contains`: ",ceasefire,ddr," ("" if none)."""
    keys = list(keys)
    return f",{','.join(keys)}," if keys else ""


# --- reading a file -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """One fault: the physical line where its row starts, the column, what is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Parsed:
    """Every row of a file as agreement fields, or every fault found (then rows mean nothing)."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing


def _int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    try:  # spreadsheets write 1.0 for 1
        f = float(text)
    except ValueError:
        raise ValueError(text) from None
    if not f.is_integer():
        raise ValueError(text)
    return int(f)


def _row(values: dict[str, str], line: int, errors: list[RowError]) -> dict | None:
    """One CSV record → agreement fields; faults appended to `errors` (None if any)."""
    before = len(errors)
    for col in REQUIRED:
        if not values.get(col, "").strip():
            errors.append(RowError(line, col, "is empty; every agreement needs it"))
    ints: dict[str, int | None] = {}
    for col in INTEGER_COLUMNS:
        try:
            ints[col] = _int(values.get(col, ""))
        except ValueError as exc:
            errors.append(RowError(line, col, f"{str(exc)[:40]!r} is not a whole number"))
    if ints.get("AgtId") is not None and ints["AgtId"] <= 0:
        errors.append(RowError(line, "AgtId", "must be a positive number"))
    raw_date = values.get("Dat", "").strip()
    when = None
    if raw_date:
        try:
            when = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(
                RowError(line, "Dat", f"{raw_date[:40]!r} is not a date (YYYY-MM-DD expected)")
            )
    codes: dict[str, int] = {}
    for col in CODED:
        text = values.get(col, "")
        try:
            value = _int(text)
        except ValueError:
            errors.append(
                RowError(line, col, f"{text.strip()[:40]!r} is not a coded value (0, 1, 2, 3…)")
            )
            continue
        if value is not None and value < 0:
            errors.append(RowError(line, col, f"{value} is negative; coded values are 0 or more"))
        elif value:
            codes[col] = value
    if len(errors) > before:
        return None
    known = {"Con", "Contp", "PP", "PPName", "Reg", "AgtId", "Ver", "Agt", "Dat", "Status"}
    known |= {"Lgt", "N_characters", "Agtp", "Stage", "StageSub", "Part", "ThrdPart", "OthAgr"}
    return {
        "agt_id": ints["AgtId"],
        "name": values["Agt"].strip(),
        "country": values.get("Con", "").strip(),
        "conflict_type": values.get("Contp", "").strip(),
        "process_no": values.get("PP", "").strip(),
        "process_name": values.get("PPName", "").strip(),
        "region": values.get("Reg", "").strip(),
        "version": values.get("Ver", "").strip(),
        "date": when,
        "status": values.get("Status", "").strip(),
        "pages": ints.get("Lgt"),
        "characters": ints.get("N_characters"),
        "agreement_type": values.get("Agtp", "").strip(),
        "stage": values.get("Stage", "").strip(),
        "stage_sub": values.get("StageSub", "").strip(),
        "parties": values.get("Part", "").strip(),
        "third_parties": values.get("ThrdPart", "").strip(),
        "other_agreements": values.get("OthAgr", "").strip(),
        "extra": {c: values[c].strip() for c in DESCRIPTIVE if c not in known and values.get(c)},
        "codes": codes,
        "topics": stored_topics(topic_keys(codes)),
    }


def parse(text: str) -> Parsed:
    """Read a whole PA-X CSV (its text) and check every row; nothing is written here."""
    out = Parsed()
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        out.errors.append(
            RowError(1, "", "the file is empty: a header row of 279 columns expected")
        )
        return out
    except csv.Error as exc:
        out.errors.append(RowError(1, "", f"the header row cannot be read as CSV ({exc})"))
        return out
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for name in header:
        if name in seen and name:
            out.errors.append(RowError(1, name, "appears twice in the header"))
        seen.add(name)
    out.missing = [c for c in COLUMNS if c not in seen]
    if out.missing or out.errors:
        return out
    width = len(header)
    ids: dict[int, int] = {}
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.errors.append(RowError(start, "", f"cannot be read as CSV ({exc})"))
            break
        line, start = start, reader.line_num + 1
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if len(record) != width:
            out.errors.append(
                RowError(line, "", f"has {len(record)} fields where the header has {width}")
            )
            continue
        if len(out.rows) >= MAX_ROWS:
            out.errors.append(RowError(line, "", f"more than {MAX_ROWS} agreements in one file"))
            break
        row = _row(dict(zip(header, record, strict=True)), line, out.errors)
        if row is None:
            continue
        first = ids.setdefault(row["agt_id"], line)
        if first != line:
            out.errors.append(
                RowError(line, "AgtId", f"{row['agt_id']} is already the id of line {first}")
            )
            continue
        out.rows.append(row)
    return out


def describe(parsed: Parsed) -> str:
    """The faults of a file in words: missing columns first, then each bad row (capped)."""
    parts = []
    if parsed.missing:
        shown = ", ".join(parsed.missing[:40]) + (" …" if len(parsed.missing) > 40 else "")
        parts.append(f"the file lacks {len(parsed.missing)} of the 279 PA-X v10 columns: {shown}")
    errs = parsed.errors
    if errs:
        listed = "; ".join(str(e) for e in errs[:MAX_REPORTED])
        more = f"; and {len(errs) - MAX_REPORTED} more" if len(errs) > MAX_REPORTED else ""
        parts.append(f"{len(errs)} fault{'s' if len(errs) != 1 else ''}: {listed}{more}")
    return "; ".join(parts)


def to_csv(rows: Iterable[dict[str, object]]) -> str:
    """Write rows (column → value; missing columns empty) as a PA-X v10 CSV (demo and tests)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow(["" if row.get(c) is None else str(row.get(c)) for c in COLUMNS])
    return buf.getvalue()
