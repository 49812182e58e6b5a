"""Labels: display, combination for derived data, dominance — pure, plus hypothesis laws."""

from hypothesis import given
from hypothesis import strategies as st

from accord.core.labels import LabelValue, combine

PARTIES = ["ARD", "NOR", "BEL", "KES", "NVF"]
labels = st.builds(
    LabelValue.of,
    st.integers(0, 3),
    st.one_of(st.none(), st.sets(st.sampled_from(PARTIES), min_size=1)),
    st.sets(st.sampled_from(["MEDIATION", "MILOPS"])),
)


def test_display_follows_convention():
    lab = LabelValue.of(2, ["NOR", "ARD"], ["MEDIATION"])
    assert lab.display() == "CONFIDENTIAL // REL TO ARD, NOR // MEDIATION"
    assert LabelValue.of(0).display() == "UNCLASSIFIED"
    assert LabelValue.of(1, None, ["MILOPS"]).display(["OPEN", "CLOSED"]) == "CLOSED // MILOPS"


def test_combine_takes_highest_level_intersection_and_union():
    a = LabelValue.of(1, ["ARD", "NOR"], ["MILOPS"])
    b = LabelValue.of(3, ["NOR", "BEL"], ["MEDIATION"])
    c = combine([a, b])
    assert c.level == 3
    assert c.rel_to == frozenset({"NOR"})
    assert c.caveats == frozenset({"MILOPS", "MEDIATION"})


def test_disjoint_rel_to_releases_to_nobody():
    c = combine([LabelValue.of(0, ["ARD"]), LabelValue.of(0, ["KES"])])
    assert c.rel_to == frozenset()
    assert "REL TO NONE" in c.display()


def test_unrestricted_inputs_stay_unrestricted():
    assert combine([LabelValue.of(1), LabelValue.of(0)]).rel_to is None
    assert combine([]) == LabelValue()


@given(st.lists(labels, min_size=1, max_size=5))
def test_combined_label_dominates_every_input(inputs):
    c = combine(inputs)
    assert all(c.dominates(x) for x in inputs)


@given(labels, labels)
def test_combine_is_commutative(a, b):
    assert combine([a, b]).key == combine([b, a]).key


@given(labels)
def test_key_roundtrip(a):
    assert LabelValue.from_dict(a.as_dict()) == a
