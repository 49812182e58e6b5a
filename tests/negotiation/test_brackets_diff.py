"""Pure parts: the bracket syntax and the version diff (hypothesis property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.errors import Invalid
from accord.negotiation import brackets, textdiff


def test_parse_attributes_alternatives():
    segs = brackets.parse("withdraw [10 km {KES} / 15 km / 20 km {nvf}] now.", "MED")
    assert segs == [
        {"t": "withdraw "},
        {
            "b": 1,
            "alts": [
                {"text": "10 km", "by": "KES"},
                {"text": "15 km", "by": "MED"},
                {"text": "20 km", "by": "NVF"},
            ],
        },
        {"t": " now."},
    ]
    assert brackets.render(segs) == "withdraw [10 km / 15 km / 20 km] now."
    assert brackets.render(segs, proposers=True) == (
        "withdraw [10 km {KES} / 15 km {MED} / 20 km {NVF}] now."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("within [24 hours / 72 hours", "never closed"),
        ("within 24 hours] now", "closing bracket without an opening"),
        ("within [24 [hours] / 72 hours]", "cannot be nested"),
        ("within [24 hours / ]", "empty alternative"),
        ("within []", "empty alternative"),
        ("within [ / 3 days]", "empty alternative"),
        ("   ", "must not be empty"),
        ("within [a {XYZ} / b]", "unknown party"),
    ],
)
def test_malformed_brackets_are_refused_with_a_clear_message(text, message):
    with pytest.raises(Invalid, match=message) as exc:
        brackets.parse(text, "MED", {"MED", "KES", "NVF"})
    assert exc.value.status == 422


def test_resolve_keeps_one_alternative_and_merges_text():
    segs = brackets.parse("a [x / y] b [p / q]", "MED")
    out = brackets.resolve(segs, 1, 1)
    assert brackets.render(out) == "a y b [p / q]"
    assert out[0] == {"t": "a y b "}
    with pytest.raises(Invalid, match=r"choose 0\.\.1"):
        brackets.resolve(segs, 2, 5)
    with pytest.raises(Invalid, match="no open bracket 9"):
        brackets.resolve(segs, 9, 0)


words = st.lists(
    st.sampled_from(["the", "Parties", "shall", "withdraw", "10", "km", "[", "/", "\n", "  "]),
    max_size=25,
)
texts = words.map(" ".join)


@given(texts, texts)
def test_word_diff_applied_to_old_gives_new(old, new):
    ops = textdiff.word_diff(old, new)
    assert textdiff.apply_words(old, ops) == new
    if old == new:
        assert all(op.op == "equal" for op in ops)


rows = st.lists(st.tuples(st.integers(1, 12), texts), max_size=8, unique_by=lambda r: r[0])


def _numbered(rs):
    return [(cid, f"1.{i}", text) for i, (cid, text) in enumerate(rs, start=1)]


@given(rows, rows)
def test_version_diff_applied_to_old_gives_new(old, new):
    old, new = _numbered(old), _numbered(new)
    diff = textdiff.diff_versions(old, new)
    assert textdiff.apply(old, diff) == new
    # every clause of either side appears exactly once
    assert sorted(d.clause_id for d in diff) == sorted(
        {c for c, _, _ in old} | {c for c, _, _ in new}
    )


@given(rows)
def test_identical_versions_give_an_empty_diff(rs):
    rs = _numbered(rs)
    diff = textdiff.diff_versions(rs, list(rs))
    assert textdiff.is_empty(diff)
    assert all(d.words == [] for d in diff)


def test_changed_clause_has_inline_word_ops():
    old = [(1, "1.1", "withdraw 10 km from the line"), (2, "1.2", "gone")]
    new = [(1, "1.1", "withdraw 15 km from the line"), (3, "1.2", "added")]
    diff = textdiff.diff_versions(old, new)
    assert [(d.clause_id, d.status) for d in diff] == [(1, "changed"), (2, "removed"), (3, "added")]
    changed = [(w.op, w.old, w.new) for w in diff[0].words if w.op != "equal"]
    assert changed == [("replace", "10", "15")]
    assert not textdiff.is_empty(diff)


@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=8).filter(
                lambda s: not set(s) & set("[]/{}") and s.strip()
            ),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_render_then_parse_round_trips(parts):
    """Rendering segments with proposers and parsing them back gives the same segments."""
    segs, bid = [], 1
    for text, is_bracket in parts:
        if is_bracket:
            segs.append(
                {
                    "b": bid,
                    "alts": [{"text": text.strip(), "by": "KES"}, {"text": "x", "by": "NVF"}],
                }
            )
            bid += 1
        else:
            segs.append({"t": text})
    segs = brackets.merge_text(segs)
    rendered = brackets.render(segs, proposers=True)
    if not rendered.strip():
        return
    assert brackets.parse(rendered, "MED") == segs
