"""Built-in case studies: Dayton (1995), Good Friday (1998), Camp David (1978).

Why in code: they are fixed reference material (structure and deadlines as in REFERENCE.md,
"Implementation data and lessons"), read by everyone and changed by no one, and they must be
usable as a *template* by the implementation app: parties' roles, bodies, provision types (PAM
stems) and the deadline pattern as anchor + offset. `template(case)` is that structure as JSON.
Anchor dates are given only where the reference states them; the others are dated when a
process using the template records the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from accord.core.errors import NotFound
from accord.library import pax


@dataclass(frozen=True)
class Anchor:
    key: str
    name: str
    date: date | None = None


@dataclass(frozen=True)
class Offset:
    """How long after an anchor: a number of days, months or years."""

    amount: int
    unit: str  # "days" | "months" | "years"

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class Deadline:
    """A deadline as the text states it: an anchor + offset, or a fixed date (or both)."""

    what: str
    part: str  # the code of the annex / strand it belongs to
    anchor: str | None = None
    offset: Offset | None = None
    on: date | None = None  # a date the text names ("no later than 14 December 1996")
    kind: str = "by"  # "by" (a deadline) | "for" (a period during which something holds)
    phrase: str = ""

    def pattern(self) -> str:
        """The deadline as people write it: "D+30 days after transfer of authority"."""
        if self.anchor and self.offset:
            lead = "for" if self.kind == "for" else "within"
            return f"{lead} {self.offset} of {self.anchor_name.lower()}"
        return f"no later than {self.on:%-d %B %Y}" if self.on else ""

    @property
    def anchor_name(self) -> str:
        return ANCHOR_NAMES.get(self.anchor or "", self.anchor or "")


@dataclass(frozen=True)
class Part:
    code: str
    title: str
    provision_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Body:
    name: str
    part: str
    role: str


@dataclass(frozen=True)
class Party:
    name: str
    role: str  # "signatory" | "witness" | "chair" | "entity" | "participant"


@dataclass(frozen=True)
class Case:
    key: str
    name: str
    short: str
    year: int
    summary: str
    signed: date
    parts: tuple[Part, ...]
    bodies: tuple[Body, ...]
    parties: tuple[Party, ...]
    anchors: tuple[Anchor, ...]
    deadlines: tuple[Deadline, ...]
    dates: tuple[tuple[str, date], ...] = field(default=())  # other dates the reference gives
    url_name: str = ""

    @property
    def provision_types(self) -> list[str]:
        seen: list[str] = []
        for p in self.parts:
            seen += [t for t in p.provision_types if t not in seen]
        return seen

    def part(self, code: str) -> Part | None:
        return next((p for p in self.parts if p.code == code), None)


ANCHOR_NAMES = {
    "signature": "Signature",
    "entry_into_force": "Entry into force",
    "transfer_of_authority": "Transfer of authority",
    "referendum": "Endorsement by referendum",
    "scheme_start": "Start of the prisoner-release scheme",
    "self_government": "Inauguration of the self-governing authority",
}

DAYTON = Case(
    key="dayton",
    name="General Framework Agreement for Peace in Bosnia and Herzegovina (Dayton)",
    short="Dayton",
    year=1995,
    summary=(
        "Initialled at Dayton on 21 November 1995 and signed on 14 December 1995: a short "
        "framework agreement and eleven annexes, each with its own implementing body and, for "
        "the military annex, deadlines counted in days from the transfer of authority (D+30, "
        "D+45, D+120)."
    ),
    signed=date(1995, 12, 14),
    dates=(("Initialled", date(1995, 11, 21)), ("Signed", date(1995, 12, 14))),
    parts=(
        Part("1-A", "Military aspects", ("cease", "with", "demob", "regpkf")),
        Part("1-B", "Regional stabilization", ("embarg", "verify")),
        Part("2", "Inter-entity boundary", ("bound", "disput")),
        Part("3", "Elections", ("elect",)),
        Part("4", "Constitution", ("const",)),
        Part("5", "Arbitration", ("disput",)),
        Part("6", "Human rights", ("humrts",)),
        Part("7", "Refugees and displaced persons", ("refug", "idps", "arbland")),
        Part("8", "National monuments", ("cultr",)),
        Part("9", "Public corporations", ("develop",)),
        Part("10", "Civilian implementation", ("verify",)),
        Part("11", "International police task force", ("polrfm",)),
    ),
    bodies=(
        Body("Implementation Force (IFOR)", "1-A", "multinational military force"),
        Body("Joint Military Commission", "1-A", "military coordination of the parties"),
        Body("Arbitral tribunal for the Brčko area", "2", "binding award on the boundary"),
        Body("Provisional Election Commission", "3", "organises the elections"),
        Body("Constitutional Court", "4", "upholds the constitution"),
        Body("Human Rights Ombudsman and Human Rights Chamber", "6", "human-rights protection"),
        Body("Commission for Displaced Persons and Refugees", "7", "property claims"),
        Body("Commission to Preserve National Monuments", "8", "protects monuments"),
        Body("Commission on Public Corporations", "9", "joint public corporations"),
        Body("High Representative", "10", "coordinates civilian implementation"),
        Body("International Police Task Force", "11", "monitors and advises the police"),
    ),
    parties=(
        Party("Republic of Bosnia and Herzegovina", "signatory"),
        Party("Republic of Croatia", "signatory"),
        Party("Federal Republic of Yugoslavia", "signatory"),
        Party("Federation of Bosnia and Herzegovina", "entity"),
        Party("Republika Srpska", "entity"),
        Party("European Union Special Negotiator", "witness"),
        Party("France, Germany, the Russian Federation, the United Kingdom, the United States",
              "witness"),
    ),
    anchors=(
        Anchor("entry_into_force", "Entry into force (signature)", date(1995, 12, 14)),
        Anchor("transfer_of_authority", "Transfer of authority (D)"),
    ),
    deadlines=(
        Deadline("Foreign forces withdrawn", "1-A", "entry_into_force", Offset(30, "days"),
                 phrase="within 30 days"),
        Deadline("Forces behind the 2 km zone of separation", "1-A", "transfer_of_authority",
                 Offset(30, "days"), phrase="D+30"),
        Deadline("Transferred areas evacuated", "1-A", "transfer_of_authority",
                 Offset(45, "days"), phrase="within 45 days"),
        Deadline("Heavy weapons moved to cantonment", "1-A", "transfer_of_authority",
                 Offset(120, "days"), phrase="within 120 days"),
        Deadline("Regional stabilization talks start", "1-B", "entry_into_force",
                 Offset(7, "days"), phrase="within 7 days"),
        Deadline("First confidence-building measures agreed", "1-B", "entry_into_force",
                 Offset(45, "days"), phrase="within 45 days"),
        Deadline("No imports of heavy weapons", "1-B", "entry_into_force", Offset(180, "days"),
                 kind="for", phrase="for 180 days"),
        Deadline("Arbitral award on the Brčko area", "2", on=date(1996, 12, 14),
                 phrase="no later than 14 December 1996"),
    ),
)  # fmt: skip

GOOD_FRIDAY = Case(
    key="good-friday",
    name="The Belfast Agreement (Good Friday Agreement)",
    short="Good Friday",
    year=1998,
    summary=(
        "Agreed on 10 April 1998: three strands of institutions (within Northern Ireland, "
        "North/South, East/West), rights and equality, decommissioning, security, policing and "
        "justice, prisoners, and validation by referendum; deadlines anchored on the referendum, "
        "the release scheme and entry into force."
    ),
    signed=date(1998, 4, 10),
    dates=(("Agreed", date(1998, 4, 10)), ("Assembly election", date(1998, 6, 25))),
    parts=(
        Part("DS", "Declaration of Support", ()),
        Part("CI", "Constitutional Issues", ("selfd", "const")),
        Part("S1", "Strand One: Democratic Institutions in Northern Ireland (Assembly)",
             ("powtran", "elect", "exerefm")),
        Part("S2", "Strand Two: North/South Ministerial Council", ("ethrel",)),
        Part("S3", "Strand Three: British-Irish Council, Intergovernmental Conference",
             ("ethrel",)),
        Part("RS", "Rights, Safeguards and Equality of Opportunity", ("humrts", "minrts")),
        Part("DC", "Decommissioning", ("disarm",)),
        Part("SE", "Security", ("milrfm",)),
        Part("PJ", "Policing and Justice", ("polrfm", "judrfm")),
        Part("PR", "Prisoners", ("prisr",)),
        Part("VR", "Validation, Implementation and Review", ("ratm", "roa")),
    ),
    bodies=(
        Body("Northern Ireland Assembly", "S1", "elected legislature with an executive"),
        Body("North/South Ministerial Council", "S2", "cooperation across the island"),
        Body("British-Irish Council", "S3", "cooperation among the two governments and the "
             "devolved administrations"),
        Body("British-Irish Intergovernmental Conference", "S3", "cooperation of the two "
             "governments"),
        Body("Northern Ireland Human Rights Commission", "RS", "human-rights protection"),
        Body("Independent Commission on Policing", "PJ", "recommends the future of policing"),
    ),
    parties=(
        Party("Government of the United Kingdom", "signatory"),
        Party("Government of Ireland", "signatory"),
        Party("Northern Ireland political parties", "participant"),
        Party("Independent Chairmen of the talks", "chair"),
    ),
    anchors=(
        Anchor("signature", "Agreement", date(1998, 4, 10)),
        Anchor("referendum", "Endorsement by referendum"),
        Anchor("scheme_start", "Start of the prisoner-release scheme"),
        Anchor("entry_into_force", "Entry into force"),
    ),
    deadlines=(
        Deadline("Assembly election", "S1", on=date(1998, 6, 25), phrase="25 June 1998"),
        Deadline("Prisoner-release legislation in place", "PR", on=date(1998, 6, 30),
                 phrase="by the end of June 1998"),
        Deadline("Remaining qualifying prisoners released", "PR", "scheme_start",
                 Offset(2, "years"), phrase="two years after the scheme starts"),
        Deadline("Decommissioning of paramilitary arms", "DC", "referendum", Offset(2, "years"),
                 phrase="within two years of endorsement by referendum"),
        Deadline("Review of the Intergovernmental Conference", "S3", "entry_into_force",
                 Offset(3, "years"), phrase="three years after entry into force"),
    ),
)  # fmt: skip

CAMP_DAVID = Case(
    key="camp-david",
    name="Camp David Accords",
    short="Camp David",
    year=1978,
    summary=(
        "Signed on 17 September 1978: two frameworks, one for peace in the Middle East with a "
        "transitional period of not more than five years, one for a peace treaty between Egypt "
        "and Israel to be concluded within three months of signing."
    ),
    signed=date(1978, 9, 17),
    dates=(("Signed", date(1978, 9, 17)),),
    parts=(
        Part("F1", "A Framework for Peace in the Middle East", ("powtran", "selfd", "with")),
        Part("F2", "Framework for the Conclusion of a Peace Treaty between Egypt and Israel",
             ("with", "bound", "verify")),
    ),
    bodies=(
        Body("Self-governing authority in the West Bank and Gaza", "F1",
             "transitional self-government"),
    ),
    parties=(
        Party("Arab Republic of Egypt", "signatory"),
        Party("State of Israel", "signatory"),
        Party("United States of America", "witness"),
    ),
    anchors=(
        Anchor("signature", "Signature", date(1978, 9, 17)),
        Anchor("self_government", "Inauguration of the self-governing authority"),
    ),
    deadlines=(
        Deadline("Peace treaty between Egypt and Israel concluded", "F2", "signature",
                 Offset(3, "months"), phrase="within three months of signing"),
        Deadline("Transitional period ends (not more than five years)", "F1", "self_government",
                 Offset(5, "years"), kind="for", phrase="not more than five years"),
    ),
)  # fmt: skip

CASES: tuple[Case, ...] = (DAYTON, GOOD_FRIDAY, CAMP_DAVID)
CASE_BY_KEY = {c.key: c for c in CASES}


def case(key: str) -> Case:
    c = CASE_BY_KEY.get((key or "").strip().lower())
    if c is None:
        known = ", ".join(CASE_BY_KEY)
        raise NotFound(f"no case study {str(key)[:40]!r}; the library has {known}")
    return c


def template(c: Case) -> dict:
    """The case as a template for an agreement or a process: parties' roles, bodies, provision
    types (PAM stems, with the PA-X topics they map to) and the deadline pattern."""
    return {
        "case": c.key,
        "name": c.name,
        "year": c.year,
        "signed": c.signed.isoformat(),
        "parties": [{"name": p.name, "role": p.role} for p in c.parties],
        "parts": [
            {"code": p.code, "title": p.title, "provision_types": list(p.provision_types)}
            for p in c.parts
        ],
        "bodies": [{"name": b.name, "part": b.part, "role": b.role} for b in c.bodies],
        "provision_types": c.provision_types,
        "topics": sorted(
            {t for stem in c.provision_types for t in pax.PAM_TOPICS.get(stem, ())},
            key=pax.TOPIC_KEYS.index,
        ),
        "anchors": [
            {"key": a.key, "name": a.name, "date": a.date.isoformat() if a.date else None}
            for a in c.anchors
        ],
        "deadlines": [
            {
                "what": d.what,
                "part": d.part,
                "anchor": d.anchor,
                "offset": None
                if d.offset is None
                else {"amount": d.offset.amount, "unit": d.offset.unit},
                "date": d.on.isoformat() if d.on else None,
                "kind": d.kind,
                "phrase": d.phrase,
            }
            for d in c.deadlines
        ],
        "source": "Accord case library (REFERENCE.md: Implementation data and lessons)",
    }
