"""The stored ledger: record(), signed heads, proofs over the API, live verify naming tampering."""

import base64
import json

import pytest
from django.db import connection

from accord.core import services
from accord.core.labels import LabelValue
from accord.ledger import merkle, signing
from accord.ledger.bundle import verify_bundle
from accord.ledger.export import export_log
from accord.ledger.models import Entry, Head, Log, Node
from accord.ledger.services import leaf_bytes, sign_head
from accord.ledger.verify import verify_log

pytestmark = pytest.mark.django_db


def b64d(s):
    return base64.b64decode(s)


@pytest.fixture
def log(demo):
    lg = Log.objects.get(process=demo)
    sign_head(lg.pk)
    lg.refresh_from_db()
    return lg


def leaves_of(log):
    return [leaf_bytes(e, log.name) for e in Entry.objects.filter(log=log).order_by("seq")]


def test_tree_matches_pure_merkle(log):
    leaves = leaves_of(log)
    assert len(leaves) == log.size > 20
    head = Head.objects.filter(log=log).latest("size")
    assert head.size == log.size
    assert bytes(head.root) == merkle.tree_root(leaves)
    assert [
        bytes(h)
        for h in Entry.objects.filter(log=log).order_by("seq").values_list("leaf_hash", flat=True)
    ] == [merkle.leaf_hash(x) for x in leaves]


def test_sequence_is_gap_free_and_heads_signed(log):
    seqs = list(Entry.objects.filter(log=log).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))
    pub = signing.public_key_b64(
        signing.load_or_create_key(
            __import__("django.conf").conf.settings.ACCORD["LEDGER_KEY_PATH"]
        )
    )
    from accord.ledger.verify import head_dict

    for h in Head.objects.filter(log=log):
        assert signing.verify_head(pub, head_dict(h, log.name))


def test_sealed_entries_leak_nothing(demo, viewer, log):
    """A member whose membership is labelled: the leaf holds commitments, not the name."""
    user = services.create_user(username="secret.envoy", password="secret-envoy-pass-1")
    party = demo.parties.get(code="MED")
    m = services.add_member(
        None,
        demo,
        user=user,
        party=party,
        clearance=3,
        caveats=["MEDIATION"],
        title="Back-channel to the Front",
        label=LabelValue.of(3, ["MED"], ["MEDIATION"]),
    )
    e = Entry.objects.get(log=log, action="member.add", subject_id=str(m.pk))
    leaf = leaf_bytes(e, log.name)
    assert b"secret.envoy" not in leaf and b"Back-channel" not in leaf
    assert json.loads(leaf)["payload"]["sealed"] is True
    public = Entry.objects.filter(log=log, action="party.create").first()
    assert b'"code":"ARD"' in leaf_bytes(public, log.name) or b"code" in leaf_bytes(
        public, log.name
    )


def test_api_inclusion_and_consistency_proofs_verify(log, api_for, demo):
    c = api_for("ana.costa")
    head = c.get("/api/v1/processes/lake-varna/ledger/head").json()
    key = c.get("/api/v1/ledger/public-key").json()
    assert signing.verify_head(key["public_key"], head)
    root = b64d(head["root"])
    readable = c.get("/api/v1/processes/lake-varna/activity?limit=500").json()["items"]
    for item in readable[:10]:
        seq = item["seq"]
        r = c.get(f"/api/v1/processes/lake-varna/ledger/entries/{seq}/proof").json()
        entry = c.get(f"/api/v1/processes/lake-varna/ledger/entries/{seq}").json()
        assert merkle.verify_inclusion(
            b64d(entry["leaf"]), seq, r["size"], [b64d(p) for p in r["proof"]], root
        )
    # consistency between an earlier size and now
    old = 5
    old_root = merkle.tree_root(leaves_of(log)[:old])
    proof = c.get(
        f"/api/v1/processes/lake-varna/ledger/consistency?old={old}&new={head['size']}"
    ).json()
    assert merkle.verify_consistency(
        old, head["size"], old_root, root, [b64d(p) for p in proof["proof"]]
    )


def test_entry_api_hides_unreadable_entries(demo, api_for, log):
    hidden = Entry.objects.get(log=log, action="member.add", label__rel_to=["ARD"])  # col.marsh
    assert (
        api_for("ingrid.dahl")
        .get(f"/api/v1/processes/lake-varna/ledger/entries/{hidden.seq}")
        .status_code
        == 404
    )
    assert (
        api_for("ingrid.dahl")
        .get(f"/api/v1/processes/lake-varna/ledger/entries/{hidden.seq}/proof")
        .status_code
        == 404
    )
    assert (
        api_for("ana.costa")
        .get(f"/api/v1/processes/lake-varna/ledger/entries/{hidden.seq}")
        .status_code
        == 200
    )


def test_clean_log_verifies(log):
    report = verify_log(log)
    assert report.ok, report.problems
    assert report.entries == log.size and report.rows_checked >= 16


def table_update(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_column_edit_in_sql_is_named(log, member):
    m = member("erik.lund")
    table_update("UPDATE core_member SET clearance = 3 WHERE id = %s", [m.pk])
    report = verify_log(log)
    assert not report.ok
    assert any(f"table core_member row {m.pk} column clearance" in p for p in report.problems), (
        report.problems
    )


def test_deleted_and_inserted_rows_are_named(log, member, demo):
    ra = member("mei.tanaka").role_assignments.first()
    table_update("DELETE FROM core_roleassignment WHERE id = %s", [ra.pk])
    party_id = demo.parties.get(code="VMM").pk
    table_update(
        "INSERT INTO core_party (process_id, code, name, kind, created_at) VALUES (%s, 'FAKE', 'Fake', 'ally', %s)",
        [demo.pk, "2026-01-01 00:00:00"],
    )
    report = verify_log(log)
    text = "\n".join(report.problems)
    assert f"table core_roleassignment row {ra.pk}: deleted outside Accord" in text
    assert "table core_party row" in text and "inserted outside Accord" in text
    assert party_id


def test_entry_edit_delete_reorder_and_forged_head(log):
    # edit a payload column of an entry
    e = Entry.objects.get(log=log, seq=3)
    Entry.objects.filter(pk=e.pk).update(action="party.rename")
    report = verify_log(log)
    assert any("entry 3 (party.rename" in p and "was edited" in p for p in report.problems)
    Entry.objects.filter(pk=e.pk).update(action=e.action)
    assert verify_log(log).ok
    # delete an entry
    Entry.objects.filter(log=log, seq=7).delete()
    assert any("entries 7..7 are missing" in p for p in verify_log(log).problems)


def test_reordered_entries_detected(log):
    a = Entry.objects.get(log=log, seq=4)
    b = Entry.objects.get(log=log, seq=5)
    Entry.objects.filter(pk=a.pk).update(seq=-1)
    Entry.objects.filter(pk=b.pk).update(seq=4)
    Entry.objects.filter(pk=a.pk).update(seq=5)
    problems = verify_log(log).problems
    assert any("entry 4" in p and "edited" in p for p in problems)


def test_forged_head_signature_detected(log):
    h = Head.objects.filter(log=log).latest("size")
    sig = bytearray(bytes(h.signature))
    sig[0] ^= 1
    Head.objects.filter(pk=h.pk).update(signature=bytes(sig))
    assert any(
        f"head at size {h.size}: signature does not verify" in p for p in verify_log(log).problems
    )


def test_export_bundle_verifies_offline_and_detects_truncation(log, tmp_path):
    out = tmp_path / "varna.bundle"
    n = export_log(log, out)
    assert n == log.size
    report = verify_bundle(out)
    assert report.ok, report.problems
    data = out.read_bytes()
    (tmp_path / "cut.bundle").write_bytes(data[: len(data) // 2])
    cut = verify_bundle(tmp_path / "cut.bundle")
    assert not cut.ok and any("truncat" in p for p in cut.problems)


def test_stored_nodes_give_root(log):
    from accord.ledger import compact

    keys = compact.root_nodes(log.size)
    got = {
        (lv, ix): bytes(h)
        for lv, ix, h in Node.objects.filter(log=log).values_list("level", "index", "hash")
    }
    assert compact.assemble_root(log.size, got) == bytes(
        Head.objects.filter(log=log).latest("size").root
    )
    assert all(k in got for k in keys)


def test_batched_append_then_verify(demo, django_capture_on_commit_callbacks):
    """record_many (COPY on PostgreSQL, executemany on SQLite) gives the same verifiable log."""
    from accord.ledger.services import Act, record_many

    lg = Log.objects.get(process=demo)
    before = lg.size
    acts = [
        Act(None, "bench.act", ("bench.item", str(i)), {"i": i, "note": 'é\\n"q"'})
        for i in range(300)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        out = record_many(acts, process=demo)
    assert [r.seq for r in out] == list(range(before, before + 300))
    lg.refresh_from_db()
    assert lg.size == before + 300
    stored = Entry.objects.get(log=lg, seq=before + 7)
    assert stored.payload == {"i": 7, "note": 'é\\n"q"'}
    report = verify_log(lg)
    assert report.ok, report.problems
    head = Head.objects.filter(log=lg).latest("size")
    assert head.size == lg.size  # a batch is followed by a signed head
