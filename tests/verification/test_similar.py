"""The similar-claim index: incremental updates, the label filter before ranking."""

from __future__ import annotations

import numpy as np
import pytest

from accord.verification.similar import MERGE_AT, ClaimIndex


def _ix() -> ClaimIndex:
    ix = ClaimIndex()
    ix.bulk(
        [1, 2, 3, 4],
        [10, 10, 20, 10],
        [
            "Massacre at the Varna bridge, dozens of civilians killed at dawn",
            "Ceasefire talks resume in the capital next week",
            "Secret: massacre at the Varna bridge was staged by a ministry",
            "Food prices rise again in Kestra market",
        ],
    )
    return ix


def test_finds_paraphrase_and_ranks_it_first():
    hits = _ix().query("civilians massacred on Varna bridge at dawn", [10, 20])
    assert hits[0].claim_id == 1
    assert all(h.score <= 1.0 for h in hits)


def test_label_filter_comes_before_ranking():
    ix = _ix()
    both = ix.query("massacre at the Varna bridge staged by a ministry", [10, 20], k=1)
    assert both[0].claim_id == 3
    only = ix.query("massacre at the Varna bridge staged by a ministry", [10], k=1)
    assert [h.claim_id for h in only] == [1]  # the best READABLE match, not a gap
    assert ix.query("massacre at the Varna bridge", []) == []


def test_incremental_add_is_found_before_and_after_merge():
    ix = _ix()
    ix.add(5, 10, "Drone footage shows the northern dam breached overnight")
    assert ix.query("northern dam breached overnight, drone footage", [10])[0].claim_id == 5
    ix.merge()
    assert ix.query("northern dam breached overnight, drone footage", [10])[0].claim_id == 5
    assert len(ix) == 5 and ix.max_id == 5


def test_many_adds_merge_automatically():
    ix = _ix()
    for i in range(MERGE_AT + 5):
        ix.add(100 + i, 10, f"Routine patrol report number {i} from sector {i % 7}")
    if ix._merging is not None:  # the merge runs in the background
        ix._merging.join()
    assert len(ix.delta_ids) < MERGE_AT and ix.base.shape[0] >= MERGE_AT
    assert ix.query("Routine patrol report number 17 from sector 3", [10])[0].claim_id == 117


def test_exclude_and_threshold():
    ix = _ix()
    hits = ix.query("Massacre at the Varna bridge", [10], exclude=1)
    assert all(h.claim_id != 1 for h in hits)
    assert ix.query("completely unrelated astronomy", [10]) == []


def test_extend_is_many_adds_at_once():
    texts = [
        "Drone footage shows the northern dam breached overnight",
        "Rebel units mined the river ford before the talks",
        "Refugees evacuated from Novo Selo school after the power station burned",
    ]
    one, many = _ix(), _ix()
    for i, t in enumerate(texts):
        one.add(5 + i, 10 if i != 1 else 20, t)
    many.extend([5, 6, 7], [10, 20, 10], texts)
    assert many.delta_ids == one.delta_ids == [5, 6, 7] and len(many) == len(one) == 7
    assert many.max_id == 7 and many.digest == one.digest
    assert np.array_equal(many.df, one.df)
    for t in texts:
        for labels in ([10], [20], [10, 20]):
            a, b = one.query(t, labels), many.query(t, labels)
            assert [h.claim_id for h in a] == [h.claim_id for h in b]
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=0.02)
    assert all(h.claim_id != 6 for h in many.query(texts[1], [10]))  # label 20 stays out
    many.merge()
    assert many.delta_ids == [] and many.query(texts[2], [10], k=1)[0].claim_id == 7
