"""Entry encoding, head signing and the offline bundle verifier (pure, no Django)."""

from __future__ import annotations

import itertools
import json
import random
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger import signing
from accord.ledger.bundle import (
    VerifyReport,
    consistency_proof_record,
    verify_bundle,
    write_bundle,
)
from accord.ledger.compact import Frontier, assemble_consistency_proof
from accord.ledger.entry import canonical_json, content_hash, decode_entry, entry_bytes
from accord.ledger.merkle import leaf_hash, tree_root

PROCESS = "lake-varna"
N = 57
HEAD_SIZES = [10, 20, 40, 57]


def make_entry(seq: int, process: str = PROCESS, **over) -> bytes:
    fields = dict(
        process=process,
        seq=seq,
        time=f"2025-03-01T08:{seq // 60:02d}:{seq % 60:02d}.000000Z",
        actor=f"ana.costa@{'FRA' if seq % 2 else 'DEU'}",
        action="proposal.amend",
        subject_type="negotiation.proposal",
        subject_id=str(1000 + seq),
        payload={"clause": f"{seq % 7}.1", "text": content_hash(f"text {seq} — ünïcode")},
        label={"level": "restricted", "to": ["DEU", "FRA"]},
    )
    fields.update(over)
    return entry_bytes(**fields)


def ts(i: int) -> str:
    return f"2025-03-01T09:00:{i:02d}.000000Z"


def heads_for(key, entries: list[bytes], sizes=HEAD_SIZES, process=PROCESS) -> list[dict]:
    f = Frontier()
    out = []
    for n, data in enumerate(entries, 1):
        f.append(leaf_hash(data))
        if n in sizes:
            out.append(signing.sign_head(key, process, n, f.root(), ts(len(out))))
    return out


def proofs_for(entries: list[bytes], sizes=HEAD_SIZES) -> list[dict]:
    f, store = Frontier(), {}
    for data in entries:
        for level, index, h in f.append(leaf_hash(data)):
            store[(level, index)] = h
    return [
        consistency_proof_record(a, b, assemble_consistency_proof(a, b, store))
        for a, b in itertools.pairwise(sizes)
    ]


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def entries():
    return [make_entry(i) for i in range(N)]


@pytest.fixture
def bundle(tmp_path, key, entries) -> Path:
    path = tmp_path / "ledger.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=entries,
        heads=heads_for(key, entries),
        consistency_proofs=proofs_for(entries),
    )
    return path


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def rewrite(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"\n".join(lines))


def check(path: Path, **kw) -> VerifyReport:
    rep = verify_bundle(path, **kw)
    assert not rep.ok
    assert rep.problems
    return rep


def has(rep: VerifyReport, text: str) -> bool:
    return any(text in p for p in rep.problems)


# --------------------------------------------------------------------------- entry.py


def test_canonical_json_rules():
    assert (
        canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )
    with pytest.raises(TypeError):
        canonical_json({"t": datetime.now(UTC)})
    with pytest.raises(TypeError):
        canonical_json({1: "int key"})
    with pytest.raises(TypeError):
        canonical_json({"s": {1, 2}})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    with pytest.raises(ValueError):
        canonical_json({"x": "\ud800"})
    assert b"\n" not in canonical_json({"x": "line\nbreak\r\u2028"})


def test_entry_bytes_layout_and_roundtrip():
    data = make_entry(3)
    assert data.startswith(b'{"action":"proposal.amend","actor":')
    assert data.endswith(b',"v":1}')
    obj = decode_entry(data)
    assert obj["seq"] == 3 and obj["process"] == PROCESS and obj["v"] == 1
    assert obj["subject"] == {"type": "negotiation.proposal", "id": "1003"}
    assert make_entry(3) == data  # deterministic
    with pytest.raises(ValueError, match="canonical"):
        decode_entry(json.dumps(obj).encode())
    with pytest.raises(ValueError):
        decode_entry(b"[1]")
    with pytest.raises(ValueError):
        entry_bytes(**{**_fields(), "seq": -1})
    with pytest.raises(TypeError):
        entry_bytes(**{**_fields(), "time": datetime.now(UTC)})


def _fields() -> dict:
    return dict(
        process=PROCESS,
        seq=0,
        time="t",
        actor=None,
        action="a",
        subject_type="s",
        subject_id="1",
        payload={},
        label={},
    )


def test_content_hash():
    assert content_hash("abc") == content_hash(b"abc")
    assert content_hash(b"abc") == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


# --------------------------------------------------------------------------- signing.py


def test_key_file_created_private_and_reloaded(tmp_path):
    path = tmp_path / "deep" / "dir" / "ledger.pem"
    k1 = signing.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    k2 = signing.load_or_create_key(str(path))
    assert signing.public_key_b64(k1) == signing.public_key_b64(k2)
    assert len(signing.key_id(k1)) == 16
    assert signing.key_id(signing.public_key_b64(k1)) == signing.key_id(k1.public_key())


def test_sign_and_verify_head(key):
    root = tree_root([b"a", b"b"])
    head = signing.sign_head(key, PROCESS, 2, root, ts(0))
    pub = signing.public_key_b64(key)
    assert set(head) == {"process", "size", "root", "timestamp", "key_id", "signature"}
    assert signing.verify_head(pub, head)
    assert signing.verify_head(key.public_key(), head)
    msg = signing.head_message(PROCESS, 2, root, ts(0))
    assert msg.startswith(b"accord-tree-head-v1\n")
    for field, value in [("size", 3), ("process", "x"), ("timestamp", ts(1))]:
        assert not signing.verify_head(pub, {**head, field: value})
    other = signing.public_key_b64(Ed25519PrivateKey.generate())
    assert not signing.verify_head(other, head)


@pytest.mark.parametrize(
    "garbage",
    [None, 1, "x", [], {}, {"size": "1"}, {"root": "!!", "signature": 5}],
)
def test_verify_head_never_raises(key, garbage):
    head = signing.sign_head(key, PROCESS, 1, tree_root([b"a"]), ts(0))
    pub = signing.public_key_b64(key)
    assert signing.verify_head(pub, garbage) is False
    if isinstance(garbage, dict) and garbage:
        assert signing.verify_head(pub, {**head, **garbage}) is False
    assert signing.verify_head(garbage, head) is False
    assert signing.verify_head("not base64!", head) is False


# --------------------------------------------------------------------------- clean bundle


def test_clean_bundle_passes(bundle, key, entries):
    seen = []
    rep = verify_bundle(bundle, progress=lambda done, total: seen.append((done, total)))
    assert rep.ok, rep.problems
    assert rep.entry_count == N
    assert rep.heads_checked == len(HEAD_SIZES)
    assert rep.process == PROCESS and rep.key_id == signing.key_id(key)
    assert rep.root == tree_root(entries).hex()
    assert rep.roots[20] == tree_root(entries[:20]).hex()
    assert seen and seen[-1] == (N, N)
    assert any("expected_key" in w for w in rep.warnings)
    # format: header, N entry lines, trailer, final newline
    lines = lines_of(bundle)
    assert len(lines) == N + 3 and lines[-1] == b""
    assert json.loads(lines[0])["format"] == "accord-ledger-bundle"
    assert lines[1:-2] == entries
    assert json.loads(lines[-2])["end"] is True
    # pinned key, strict mode
    assert verify_bundle(bundle, expected_key=signing.public_key_b64(key)).ok
    assert verify_bundle(bundle, expected_key=signing.key_id(key)).ok
    assert verify_bundle(bundle, strict=True).ok


def test_empty_log_bundle(tmp_path, key):
    path = tmp_path / "empty.bundle"
    write_bundle(
        path, process=PROCESS, public_key_b64=signing.public_key_b64(key), entries=[], heads=[]
    )
    rep = verify_bundle(path)
    assert rep.ok and rep.entry_count == 0


def test_streaming_writer_with_generator(tmp_path, key, entries):
    path = tmp_path / "gen.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=(e for e in entries),
        heads=heads_for(key, entries),
    )
    assert verify_bundle(path).ok
    assert json.loads(lines_of(path)[0])["entry_count"] is None
    with pytest.raises(ValueError):
        write_bundle(
            tmp_path / "bad.bundle",
            process=PROCESS,
            public_key_b64=signing.public_key_b64(key),
            entries=[b"a\nb"],
            heads=[],
        )
    assert not (tmp_path / "bad.bundle").exists()
    assert not list(tmp_path.glob("*.partial"))


def test_uncovered_tail_is_a_warning(tmp_path, key, entries):
    path = tmp_path / "tail.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=entries,
        heads=heads_for(key, entries, sizes=[10, 40]),
    )
    rep = verify_bundle(path)
    assert rep.ok
    assert any("entries 40..56 are not covered" in w for w in rep.warnings)


# --------------------------------------------------------------------------- tampering


def test_changed_byte_in_entry(bundle):
    lines = lines_of(bundle)
    victim = 1 + 15  # entry seq 15
    pos = lines[victim].index(b'"text":"sha256:') + 20
    b = bytearray(lines[victim])
    b[pos] = ord("0") if b[pos] != ord("0") else ord("1")
    lines[victim] = bytes(b)
    rewrite(bundle, lines)
    rep = check(bundle)
    assert has(rep, "head at size 20: root does not match the first 20 entries")
    assert has(rep, "head at size 57: root does not match")
    assert not has(rep, "head at size 10:")  # the damage is between heads 10 and 20
    assert has(rep, "trailer: sha256 digest mismatch")


def test_changed_seq_digit(bundle):
    lines = lines_of(bundle)
    lines[1 + 33] = lines[1 + 33].replace(b'"seq":33,', b'"seq":38,')
    rewrite(bundle, lines)
    rep = check(bundle)
    assert has(rep, "entry 33: sequence number 38 out of order (expected 33)")


def test_deleted_entry(bundle):
    lines = lines_of(bundle)
    del lines[1 + 41]
    rewrite(bundle, lines)
    rep = check(bundle)
    assert has(rep, "entry 41: sequence number 42 out of order (expected 41)")
    assert sum("out of order" in p for p in rep.problems) == 1  # resyncs, no cascade
    assert has(rep, "head at size 57: beyond the end of the bundle (56 entries)")
    assert has(rep, "trailer: declares 57 entries but the bundle holds 56")


def test_reordered_entries(bundle):
    lines = lines_of(bundle)
    lines[1 + 12], lines[1 + 13] = lines[1 + 13], lines[1 + 12]
    rewrite(bundle, lines)
    rep = check(bundle)
    assert has(rep, "entry 12: sequence number 13 out of order (expected 12)")
    assert has(rep, "entry 13: sequence number 12 out of order (expected 14)")
    assert has(rep, "head at size 20: root does not match the first 20 entries")


def test_inserted_entry(bundle, entries):
    lines = lines_of(bundle)
    lines.insert(1 + 5, entries[5])
    rewrite(bundle, lines)
    rep = check(bundle)
    assert has(rep, "entry 6: sequence number 5 out of order (expected 6)")
    assert has(rep, "header: declares 57 entries but the bundle holds 58")


def test_entry_of_other_process(tmp_path, key):
    es = [make_entry(i) for i in range(12)]
    es[7] = make_entry(7, process="other")
    path = tmp_path / "p.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=es,
        heads=heads_for(key, es, sizes=[12]),
    )
    rep = check(path)  # signed and hashed correctly, but structurally wrong
    assert rep.problems == ["entry 7: belongs to process 'other', not 'lake-varna'"]


def test_non_canonical_and_garbage_entries(tmp_path, key):
    es = [make_entry(i) for i in range(6)]
    es[2] = json.dumps(decode_entry(es[2])).encode()  # valid JSON, spaces: not canonical
    es[4] = b'{"action":"x" garbage'
    path = tmp_path / "g.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=es,
        heads=heads_for(key, es, sizes=[6]),
    )
    rep = check(path)
    assert has(rep, "entry 2: entry is not in canonical form")
    assert has(rep, "entry 4: entry is not UTF-8 JSON")
    assert len(rep.problems) == 2


def test_forged_head_signature(bundle):
    lines = lines_of(bundle)
    header = json.loads(lines[0])
    sig = bytearray(signing.b64decode(header["heads"][1]["signature"]))
    sig[5] ^= 1
    header["heads"][1]["signature"] = signing.b64encode(bytes(sig))
    lines[0] = canonical_json(header)
    rewrite(bundle, lines)
    rep = check(bundle)
    assert has(rep, "head at size 20: signature does not verify")


def test_head_root_swapped_for_other_root(bundle, entries):
    """A head claiming another root (e.g. of a forked log) — signature breaks."""
    lines = lines_of(bundle)
    header = json.loads(lines[0])
    header["heads"][0]["root"] = signing.b64encode(tree_root(entries[:11]))
    lines[0] = canonical_json(header)
    rewrite(bundle, lines)
    assert has(check(bundle), "head at size 10: signature does not verify")


def test_rewritten_log_with_attackers_key(tmp_path, key, entries):
    """Rewrite history and re-sign everything: internally consistent, but not our key."""
    mallory = Ed25519PrivateKey.generate()
    forged = list(entries)
    forged[3] = make_entry(3, actor="mallory@XXX")
    path = tmp_path / "forged.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(mallory),
        entries=forged,
        heads=heads_for(mallory, forged),
    )
    assert verify_bundle(path).ok  # self-consistent...
    rep = check(path, expected_key=signing.public_key_b64(key))  # ...but not from us
    assert has(rep, f"signed by key {signing.key_id(mallory)}, not the expected key")


def test_known_head_from_earlier_detects_rewrite(tmp_path, key, entries):
    """An auditor kept a head from before; the operator later rewrote entry 3 and re-signed."""
    earlier = heads_for(key, entries, sizes=[10])[0]
    forged = list(entries)
    forged[3] = make_entry(3, actor="someone.else@DEU")
    path = tmp_path / "rewritten.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=forged,
        heads=heads_for(key, forged),
    )
    assert verify_bundle(path).ok
    rep = check(path, known_heads=[earlier])
    assert has(rep, "known head at size 10: root does not match the first 10 entries")


def test_bad_consistency_proof(bundle):
    lines = lines_of(bundle)
    header = json.loads(lines[0])
    rec = header["consistency_proofs"][1]  # 20 -> 40
    p = bytearray(signing.b64decode(rec["proof"][0]))
    p[0] ^= 0x80
    rec["proof"][0] = signing.b64encode(bytes(p))
    lines[0] = canonical_json(header)
    rewrite(bundle, lines)
    rep = check(bundle)
    assert set(rep.problems) == {
        "head at size 20 inconsistent with head at size 40",
        "trailer: sha256 digest mismatch (bundle bytes were altered)",  # header edited
    }


def test_heads_out_of_order(tmp_path, key, entries):
    heads = heads_for(key, entries)
    heads[1], heads[2] = heads[2], heads[1]
    path = tmp_path / "order.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=entries,
        heads=heads,
    )
    rep = check(path)
    assert has(rep, "head at size 20: sizes must increase (follows head at size 40)")
    assert has(rep, "head at size 20: timestamp")


def test_head_time_going_backwards(tmp_path, key, entries):
    f = Frontier()
    for e in entries[:20]:
        f.append(leaf_hash(e))
    h20 = signing.sign_head(key, PROCESS, 20, f.root(), "2025-03-01T10:00:00Z")
    f10 = Frontier.from_leaf_hashes(leaf_hash(e) for e in entries[:10])
    h10 = signing.sign_head(key, PROCESS, 10, f10.root(), "2025-03-01T11:00:00Z")
    path = tmp_path / "time.bundle"
    write_bundle(
        path,
        process=PROCESS,
        public_key_b64=signing.public_key_b64(key),
        entries=entries[:20],
        heads=[h10, h20],
    )
    rep = check(path)
    assert has(rep, "head at size 20: timestamp 2025-03-01T10:00:00Z is earlier")


def test_header_garbage(tmp_path):
    path = tmp_path / "x.bundle"
    path.write_bytes(b"")
    assert check(path).problems == ["bundle is empty"]
    path.write_bytes(b'{"format":"zip"}\n')
    assert has(check(path), "not an accord-ledger-bundle header")
    path.write_bytes(b"\xff\xfe\n")
    assert has(check(path), "not an accord-ledger-bundle header")


def test_data_after_trailer(bundle):
    with open(bundle, "ab") as f:
        f.write(b'{"action":"late"}\n')
    assert has(check(bundle), "unexpected data after the trailer")


def test_truncation_detected_at_every_kind_of_cut(bundle):
    data = bundle.read_bytes()
    rng = random.Random(42)
    line_ends = [i for i, b in enumerate(data) if b == 0x0A]
    cuts = {0, 1, len(data) - 1}
    cuts |= {e + d for e in line_ends for d in (0, 1) if e + d < len(data)}
    cuts |= {rng.randrange(len(data)) for _ in range(150)}
    trailer_start = line_ends[-2] + 1
    cuts |= set(range(trailer_start, len(data)))
    for cut in sorted(cuts):
        bundle.write_bytes(data[:cut])
        rep = verify_bundle(bundle)
        assert not rep.ok, cut
        if cut == 0:
            assert rep.problems == ["bundle is empty"]
        else:
            assert any(p.startswith("bundle truncated:") for p in rep.problems), (
                cut,
                rep.problems,
            )
    bundle.write_bytes(data[: line_ends[5] + 1])
    assert has(verify_bundle(bundle), "bundle truncated: trailer missing")
    bundle.write_bytes(data[: line_ends[5] + 30])
    assert has(verify_bundle(bundle), "bundle truncated: entry 5 is cut off")


def test_problem_list_is_capped(tmp_path, key):
    es = [make_entry(i + 1) for i in range(0, 600, 1)][::2]  # every seq off
    path = tmp_path / "many.bundle"
    write_bundle(
        path, process=PROCESS, public_key_b64=signing.public_key_b64(key), entries=es, heads=[]
    )
    rep = check(path)
    assert len(rep.problems) <= 201
    assert rep.problems[-1].endswith("more problem(s) not shown")


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_process_reports_the_same(bundle, workers):
    """The second-core path (entry checks in a worker) gives the same verdicts."""
    assert verify_bundle(bundle, workers=workers).ok
    lines = lines_of(bundle)
    del lines[1 + 41]
    lines[1 + 3] = lines[1 + 3].replace(b'"process":"lake-varna"', b'"process":"lake-vorna"')
    rewrite(bundle, lines)
    rep = verify_bundle(bundle, workers=workers)
    assert rep.problems[:2] == [
        "entry 3: belongs to process 'lake-vorna', not 'lake-varna'",
        "entry 41: sequence number 42 out of order (expected 41)",
    ]
    assert has(rep, "head at size 10: root does not match the first 10 entries")
