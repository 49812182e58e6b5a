"""The DISARM import: parse of the STIX bundle, the management command, validation of IDs."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from accord.core.errors import Invalid
from accord.verification import disarm, services
from accord.verification.models import Tactic, Technique
from tests.verification.conftest import BUNDLE, needs_bundle


@needs_bundle
def test_parse_bundle_counts_and_parents():
    fw = disarm.read(BUNDLE)
    assert len(fw.techniques) == 391
    assert len(fw.tactics) == 16
    assert fw.counters == []  # the shipped bundle has no counters
    by_id = {t.external_id: t for t in fw.techniques}
    assert by_id["T0023"].name == "Distort Facts"
    assert by_id["T0049.003"].parent == "T0049"
    assert "develop-content" in by_id["T0023"].tactics


def test_parse_refuses_what_is_not_a_bundle(tmp_path):
    with pytest.raises(Invalid, match="not a STIX"):
        disarm.parse({"type": "indicator"})
    bad = tmp_path / "x.json"
    bad.write_text("{nope")
    with pytest.raises(Invalid, match="not JSON"):
        disarm.read(bad)
    with pytest.raises(Invalid, match="no such file"):
        disarm.read(tmp_path / "missing.json")
    with pytest.raises(Invalid, match="no DISARM technique"):
        disarm.parse({"type": "bundle", "objects": [{"type": "identity"}]})


def test_parse_minimal_bundle_with_counter():
    bundle = {
        "type": "bundle",
        "objects": [
            {
                "type": "attack-pattern",
                "id": "attack-pattern--1",
                "name": "Thing",
                "external_references": [{"external_id": "T0001"}],
                "kill_chain_phases": [{"phase_name": "plan-strategy"}],
            },
            {
                "type": "course-of-action",
                "name": "Pre-bunk",
                "external_references": [{"external_id": "C00009"}],
            },
        ],
    }
    fw = disarm.parse(bundle)
    assert [t.external_id for t in fw.techniques] == ["T0001"]
    assert [c.external_id for c in fw.counters] == ["C00009"]


@needs_bundle
@pytest.mark.django_db
def test_management_command_imports_and_is_idempotent(capsys):
    Technique.objects.all().delete()
    call_command("verification_import_disarm", str(BUNDLE))
    assert Technique.objects.count() == 391
    assert Tactic.objects.count() == 16
    call_command("verification_import_disarm", str(BUNDLE))
    assert Technique.objects.count() == 391
    assert "DISARM Foundation" in capsys.readouterr().out


@pytest.mark.django_db
def test_management_command_clear_error(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"type": "bundle", "objects": []}))
    with pytest.raises(CommandError, match="no DISARM technique"):
        call_command("verification_import_disarm", str(p))


@needs_bundle
def test_unknown_technique_is_refused(demo):
    assert services.validate_techniques(["t0023", "T0023"]) == ["T0023"]
    with pytest.raises(Invalid, match=r"unknown DISARM technique.*T9999"):
        services.validate_techniques(["T0023", "T9999"])
    with pytest.raises(Invalid, match="not DISARM technique IDs"):
        services.validate_techniques(["bogus"])


@needs_bundle
def test_techniques_api_is_public_reference(demo, api_for):
    r = api_for("daria.vol").get("/api/v1/disarm/techniques?limit=500")
    assert r.status_code == 200
    ids = [t["id"] for t in r.json()["items"]]
    assert "T0023" in ids
