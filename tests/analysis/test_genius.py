"""Genius/ANAC loader: every sample domain loads; 10issues frontier matches Genius."""

from __future__ import annotations

import numpy as np
import pytest

from accord.analysis import AnalysisError, brute_force_frontier, load_genius_dir, pareto_frontier
from accord.analysis.genius import read_genius_pareto

EXPECTED = {
    "Laptop": (3, 27, True),
    "Car-A-domain": (6, 15625, True),
    "ItexvsCypress": (4, 180, True),
    "FiftyFifty": (1, 11, True),
    "EnglandZimbabwe": (5, 576, True),
    "10issues": (10, 10**10, False),
}


def test_every_sample_domain_loads(genius_dir):
    folders = sorted(p.name for p in genius_dir.iterdir() if p.is_dir())
    assert set(EXPECTED) <= set(folders)
    for name in folders:
        problem = load_genius_dir(genius_dir / name)
        assert len(problem.parties) >= 2
        if name in EXPECTED:
            n_issues, n_outcomes, linear = EXPECTED[name]
            assert len(problem.issues) == n_issues
            assert problem.n_outcomes == n_outcomes
            assert problem.is_linear is linear


def test_genius_normalisation_divides_by_issue_maximum(genius_dir):
    problem = load_genius_dir(genius_dir / "Laptop")
    prof2 = problem.parties[1]
    # External Monitor evaluations 3, 2, 1 -> 1, 2/3, 1/3 (NegMAS would keep 3, 2, 1)
    np.testing.assert_allclose(prof2.values[2], [1.0, 2 / 3, 1 / 3])
    assert prof2.weights.sum() == pytest.approx(1.0)
    ff = load_genius_dir(genius_dir / "FiftyFifty")
    assert ff.parties[0].reservation == 0.5 and ff.parties[0].discount_factor == 0.5
    itex = load_genius_dir(genius_dir / "ItexvsCypress")
    assert itex.parties[1].reservation == pytest.approx(-0.03864871609160703)


@pytest.mark.parametrize(
    "name", ["Laptop", "Car-A-domain", "ItexvsCypress", "FiftyFifty", "EnglandZimbabwe"]
)
def test_linear_domains_merge_equals_enumeration(genius_dir, name):
    problem = load_genius_dir(genius_dir / name)
    merged = pareto_frontier(problem)
    enum = brute_force_frontier(problem)
    assert len(merged) > 0
    np.testing.assert_array_equal(merged.outcomes, enum.outcomes)
    np.testing.assert_array_equal(merged.utilities, enum.utilities)


def test_fifty_fifty_reservation_leaves_only_the_even_split(genius_dir):
    front = pareto_frontier(load_genius_dir(genius_dir / "FiftyFifty"))
    assert [e["outcome"]["Fifty_Fifty"] for e in front.entries()] == ["50_50"]


def test_10issues_frontier_reproduces_genius_pareto(genius_dir):
    folder = genius_dir / "10issues"
    problem = load_genius_dir(folder)
    front = pareto_frontier(problem)
    assert front.method == "cells"
    got = np.unique(front.utilities, axis=0)
    want = read_genius_pareto(folder / "pareto.xml")
    want = want[np.lexsort((want[:, 1], want[:, 0]))]
    assert got.shape == want.shape == (10, 2)
    np.testing.assert_allclose(got, want, atol=1e-6)  # pareto.xml stores float32
    # each listed cell really has the reported utilities
    np.testing.assert_array_equal(problem.utilities(front.outcomes), front.utilities)
    assert front.multiplicity is not None and (front.multiplicity >= 1).all()


def test_malformed_xml_names_the_file(tmp_path):
    (tmp_path / "domain.xml").write_text("<negotiation_template><utility_space>")
    with pytest.raises(AnalysisError) as info:
        load_genius_dir(tmp_path)
    assert "domain.xml" in str(info.value) and "malformed XML" in str(info.value)


def test_profile_with_unknown_issue_is_rejected(tmp_path, genius_dir):
    src = genius_dir / "Laptop"
    for f in src.glob("*.xml"):
        (tmp_path / f.name).write_text(f.read_text())
    prof = tmp_path / "Laptop-C-prof1.xml"
    prof.write_text(prof.read_text().replace('name="Harddisk"', 'name="Battery"'))
    with pytest.raises(AnalysisError, match=r"Laptop-C-prof1\.xml: unknown issue 'Battery'"):
        load_genius_dir(tmp_path)


def test_single_profile_is_rejected(tmp_path, genius_dir):
    src = genius_dir / "Laptop"
    for name in ("Laptop-C-domain.xml", "Laptop-C-prof1.xml"):
        (tmp_path / name).write_text((src / name).read_text())
    with pytest.raises(AnalysisError, match="at least 2 parties"):
        load_genius_dir(tmp_path)
