"""Deadline extraction on real treaty phrasing (Dayton 1995, Good Friday 1998, Camp David 1978)
and on edge cases: numbers in words and digits, anchors, dates, spans and sentences."""

from datetime import date

import pytest

from accord.implementation.deadlines import add_offset, anchor_key, extract, parse_number

DAYTON_1A = (
    "The Parties shall withdraw all Forces behind a Zone of Separation which shall be "
    "established on either side of the Agreed Cease-Fire Line. Such withdrawal shall be "
    "completed within thirty (30) days after the Transfer of Authority. "
    "The Parties shall complete withdrawal of all Forces from the areas to be transferred "
    "within forty-five (45) days after the Transfer of Authority. "
    "All heavy weapons shall be withdrawn into cantonment/barracks areas within one hundred "
    "and twenty (120) days after the Transfer of Authority. "
    "All Forces in Bosnia and Herzegovina as of the date this Annex enters into force which "
    "are not of local origin shall be withdrawn within thirty (30) days."
)
DAYTON_1B = (
    "The Parties agree that negotiations shall begin within seven days of the entry into force "
    "of this Agreement. The Parties agree that the measures shall be undertaken within "
    "forty-five days of the start of negotiations. For 180 days after the entry into force "
    "of this Annex, the Parties shall not import heavy weapons."
)
DAYTON_5 = (
    "The arbitrators shall issue their decision regarding the disputed portion of the "
    "Inter-Entity Boundary Line in the Brcko area no later than one year from the entry into "
    "force of this Agreement. The award shall be made no later than 14 December 1996."
)
GOOD_FRIDAY = (
    "Both Governments will put in place mechanisms to provide for an accelerated programme for "
    "the release of prisoners. The Government will aim to put in place such legislation by the "
    "end of June 1998. Any qualifying prisoners who remained in custody two years after the "
    "commencement of the scheme would be released at that point. All participants reaffirm "
    "their commitment to the total disarmament of all paramilitary organisations, to achieve "
    "the decommissioning of all paramilitary arms within two years following endorsement in "
    "referendums North and South of the agreement. Elections to the Assembly will be held on "
    "25 June 1998. The Intergovernmental Conference will be reviewed three years after the "
    "entry into force of the Agreement."
)
CAMP_DAVID = (
    "Egypt and Israel undertake to negotiate in good faith with a goal of concluding within "
    "three months from the signing of this framework a peace treaty between them."
)


def by_phrase(text: str) -> dict[str, object]:
    return {p.phrase: p for p in extract(text)}


def test_dayton_annex_1a_deadlines_after_transfer_of_authority():
    found = extract(DAYTON_1A)
    rel = [(p.amount, p.unit, p.anchor_key) for p in found]
    assert rel == [
        (30, "days", "transfer_of_authority"),
        (45, "days", "transfer_of_authority"),
        (120, "days", "transfer_of_authority"),
        (30, "days", ""),  # "within thirty (30) days." — no anchor: the person names it
    ]
    first = found[0]
    assert first.phrase == "within thirty (30) days after the Transfer of Authority"
    assert DAYTON_1A[first.start : first.end] == first.phrase
    assert first.sentence.startswith("Such withdrawal shall be completed")
    assert first.sentence.endswith("Transfer of Authority.")
    assert found[-1].sentence.startswith("All Forces in Bosnia")


def test_dayton_annex_1b_and_the_brcko_award():
    found = extract(DAYTON_1B)
    assert [(p.amount, p.anchor_key) for p in found] == [
        (7, "entry_into_force"),
        (45, "start_negotiations"),
        (180, "entry_into_force"),
    ]
    assert found[0].anchor == "the entry into force of this Agreement"
    brcko = extract(DAYTON_5)
    assert (brcko[0].amount, brcko[0].unit, brcko[0].anchor_key) == (1, "years", "entry_into_force")
    assert brcko[1].kind == "absolute" and brcko[1].date == date(1996, 12, 14)
    assert brcko[1].phrase == "no later than 14 December 1996"


def test_good_friday_deadlines():
    found = extract(GOOD_FRIDAY)
    got = [(p.kind, p.date, p.amount, p.unit, p.anchor_key) for p in found]
    assert got == [
        ("absolute", date(1998, 6, 30), None, "", ""),
        ("relative", None, 2, "years", "commencement_scheme"),
        ("relative", None, 2, "years", "referendum"),
        ("absolute", date(1998, 6, 25), None, "", ""),
        ("relative", None, 3, "years", "entry_into_force"),
    ]
    assert found[0].phrase == "by the end of June 1998"
    assert found[1].phrase == "two years after the commencement of the scheme"
    assert found[1].offset == "2 years"


def test_camp_david_three_months_of_signing():
    (p,) = extract(CAMP_DAVID)
    assert (p.amount, p.unit, p.anchor_key) == (3, "months", "signature")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("thirty (30)", 30),
        ("one hundred and twenty (120)", 120),
        ("forty-five", 45),
        ("one hundred twenty", 120),
        ("seven", 7),
        ("45", 45),
        ("a", 1),
        ("umpteen", None),
    ],
)
def test_numbers_in_words_and_digits(text, expected):
    assert parse_number(text) == expected


def test_digits_in_brackets_win_over_the_words():
    (p,) = extract("to be completed within ten (14) days of signature")
    assert p.amount == 14  # the figure in brackets is the operative one in treaty drafting


def test_dates_in_several_forms_and_end_of_year():
    got = [p.date for p in extract("by 1 May 2027; no later than March 3, 2028; by 2029-01-15.")]
    assert got == [date(2027, 5, 1), date(2028, 3, 3), date(2029, 1, 15)]
    assert extract("by the end of 1998")[0].date == date(1998, 12, 31)
    assert extract("by the end of February 2028")[0].date == date(2028, 2, 29)
    assert extract("no later than 31 February 2028") == []  # not a date: nothing proposed


def test_d_plus_notation_and_bare_durations():
    (p,) = extract("Forces behind the 2 km zone of separation by D+30.")
    assert (p.anchor_key, p.amount, p.phrase) == ("d_day", 30, "by D+30")
    assert p.sentence == "Forces behind the 2 km zone of separation by D+30."
    # a duration with neither a lead-in nor an anchor is not a deadline
    assert extract("The commission sits for terms; 30 days notice is given.") == []
    assert extract("") == []


def test_anchor_stops_at_the_clause_break():
    (p,) = extract(
        "Within 30 days of signature, the Parties shall exchange lists of prisoners and the "
        "monitors shall verify them."
    )
    assert p.anchor == "signature"
    assert p.phrase == "Within 30 days of signature"


def test_anchor_keys_are_the_same_event_however_written():
    assert anchor_key("the date on which this Agreement enters into force") == "entry_into_force"
    assert anchor_key("the signing of this Agreement") == "signature"
    assert anchor_key("the Transfer of Authority") == "transfer_of_authority"
    assert anchor_key("the opening of the first crossing point") == "opening_first_crossing_point"


def test_calendar_offsets():
    assert add_offset(date(1995, 12, 20), 30, "days") == date(1996, 1, 19)
    assert add_offset(date(2024, 1, 31), 1, "months") == date(2024, 2, 29)
    assert add_offset(date(2024, 2, 29), 1, "years") == date(2025, 2, 28)
    assert add_offset(date(1998, 4, 10), 2, "weeks") == date(1998, 4, 24)
    with pytest.raises(ValueError):
        add_offset(date(2024, 1, 1), 1, "fortnights")
