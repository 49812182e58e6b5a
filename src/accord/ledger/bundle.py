"""Self-contained ledger export and its OFFLINE verifier (no database, no server, no Django).

Bundle format ``accord-ledger-bundle`` version 1 — one file, newline (0x0A) separated lines:

1. **Header**: one canonical-JSON object::

       {"format": "accord-ledger-bundle", "version": 1, "process": str,
        "public_key": base64 raw Ed25519 key, "key_id": str, "entry_count": int | null,
        "heads": [signed head, ...], "consistency_proofs": [{"old_size", "new_size",
        "proof": [base64 hash, ...]}, ...]}

   A signed head is the dict made by :func:`accord.ledger.signing.sign_head`
   (``process, size, root, timestamp, key_id, signature``).  Heads are listed with strictly
   increasing ``size`` and non-decreasing ``timestamp``.

2. **Entries**: ``entry_count`` lines, line *i* being exactly the leaf bytes of the entry with
   ``seq`` *i* (0-based; see :mod:`accord.ledger.entry`).  Canonical JSON never contains a raw
   newline, so the leaf bytes need no escaping and leaf *i* hashes as SHA-256(0x00 ‖ line).

3. **Trailer**: ``{"end": true, "entry_count": n, "sha256": hex}`` where ``sha256`` is the
   digest of every byte before the trailer line; then a final newline.  A missing or
   mismatching trailer reveals truncation or accidental damage.  (The trailer is not signed:
   authenticity comes from the signed heads.)

What :func:`verify_bundle` checks, in one streaming pass with O(log n) memory for the tree:
header format; every entry has ``seq`` equal to its position and the header's ``process``;
every head's signature under the bundle's key (and, if given, that this key is the expected
one); head sizes/times increase; each head's root equals the Merkle root of the first ``size``
entries (recomputed incrementally, RFC 6962); included consistency proofs verify between the
signed roots; optional ``known_heads`` obtained earlier (e.g. published) agree with the bundle;
trailer present with matching count and digest.

Per-entry checks use a byte-level fast path: a canonical entry ends with
``,"process":<p>,"seq":<n>,"subject":{...},"time":...,"v":1}`` and nothing after the last
``,"process":`` can contain that text, so one search finds the top-level seq and process without
parsing JSON (≈5 µs/entry in CPython — too slow for 10^6 entries).  Any entry that fails the fast
path is parsed fully for a precise message.  ``strict=True`` parses and canonical-checks every
entry instead.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from accord.ledger import signing
from accord.ledger.compact import extend_hashes
from accord.ledger.entry import canonical_json, decode_entry
from accord.ledger.merkle import EMPTY_ROOT, verify_consistency

__all__ = [
    "FORMAT",
    "VERSION",
    "VerifyReport",
    "consistency_proof_record",
    "verify_bundle",
    "write_bundle",
]

FORMAT = "accord-ledger-bundle"
VERSION = 1
MAX_PROBLEMS = 200
_BLOCK = 8 << 20
_PARALLEL_MIN_BYTES = 64 << 20
_TRAILER_START = b'{"end"'
_ENTRY_START = b'{"action":'
_ENTRY_END = b',"v":1}'


# --------------------------------------------------------------------------- writing


def consistency_proof_record(old_size: int, new_size: int, proof: list[bytes]) -> dict[str, Any]:
    """The JSON form of one consistency proof for the bundle header."""
    return {
        "old_size": old_size,
        "new_size": new_size,
        "proof": [signing.b64encode(p) for p in proof],
    }


def write_bundle(
    path: Path | str,
    *,
    process: str,
    public_key_b64: str,
    entries: Iterable[bytes],
    heads: list[dict],
    consistency_proofs: list[dict] | None = None,
    entry_count: int | None = None,
) -> None:
    """Stream entries (leaf bytes, in seq order) into a bundle file.

    ``entry_count`` goes into the header; it defaults to ``len(entries)`` when ``entries`` is
    sized and is then enforced.  The file is written beside ``path`` and renamed into place, so
    a failed export never leaves a half bundle under the final name.
    """
    path = Path(path)
    if entry_count is None and isinstance(entries, Sized):
        entry_count = len(entries)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "process": process,
        "public_key": public_key_b64,
        "key_id": signing.key_id(public_key_b64),
        "entry_count": entry_count,
        "heads": list(heads),
        "consistency_proofs": list(consistency_proofs or []),
    }
    header_line = canonical_json(header) + b"\n"
    tmp = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    count = 0
    try:
        with open(tmp, "wb") as f:
            f.write(header_line)
            digest.update(header_line)
            parts: list[bytes] = []
            pending = 0
            for data in entries:
                data = bytes(data)
                if b"\n" in data or not data:
                    raise ValueError(f"entry {count}: leaf bytes are empty or contain a newline")
                parts.append(data)
                parts.append(b"\n")
                pending += len(data) + 1
                count += 1
                if pending >= 1 << 22:
                    _flush(f, digest, parts)
                    parts, pending = [], 0
            _flush(f, digest, parts)
            if entry_count is not None and count != entry_count:
                raise ValueError(f"expected {entry_count} entries, got {count}")
            trailer = {"end": True, "entry_count": count, "sha256": digest.hexdigest()}
            f.write(canonical_json(trailer) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _flush(f: BinaryIO, digest: Any, parts: list[bytes]) -> None:
    data = b"".join(parts)
    digest.update(data)
    f.write(data)


# --------------------------------------------------------------------------- verification


@dataclass
class VerifyReport:
    """Outcome of :func:`verify_bundle`; ``ok`` is True iff ``problems`` is empty."""

    ok: bool
    entry_count: int
    heads_checked: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    process: str | None = None
    key_id: str | None = None
    root: str | None = None
    """Hex Merkle root over all entries in the bundle."""
    roots: dict[int, str] = field(default_factory=dict)
    """Hex root recomputed at each checked head size."""

    def summary(self) -> str:
        """One line for a CLI."""
        state = "OK" if self.ok else f"FAILED ({len(self.problems)} problem(s))"
        return (
            f"{state}: {self.entry_count} entries, {self.heads_checked} signed head(s) checked, "
            f"process {self.process!r}, key {self.key_id}"
        )


class _Problems:
    """Collects messages, capping the count so a damaged 10^6-entry file stays readable."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.dropped = 0

    def add(self, msg: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(msg)
        else:
            self.dropped += 1

    def final(self) -> list[str]:
        if self.dropped:
            return [*self.items, f"... and {self.dropped} more problem(s) not shown"]
        return list(self.items)


def _parse_time(ts: str) -> datetime | None:
    try:
        return datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return None


def _is_int(v: object) -> bool:
    return type(v) is int and v >= 0


def _check_heads(
    heads: object, process: str, pub: Any, problems: _Problems, label: str = "head"
) -> list[tuple[int, bytes]]:
    """Signature/shape/order checks; returns (size, root) of heads whose signature verifies."""
    good: list[tuple[int, bytes]] = []
    if not isinstance(heads, list):
        problems.add(f"{label}s: not a list")
        return good
    prev_size: int | None = None
    prev_time: tuple[datetime | None, str] | None = None
    for j, head in enumerate(heads):
        size = head.get("size") if isinstance(head, dict) else None
        name = f"{label} at size {size}" if _is_int(size) else f"{label} #{j}"
        if not isinstance(head, dict) or not _is_int(size):
            problems.add(f"{name}: malformed (needs an integer size)")
            continue
        if head.get("process") != process:
            problems.add(f"{name}: for process {head.get('process')!r}, not {process!r}")
            continue
        if not signing.verify_head(pub, head):
            problems.add(f"{name}: signature does not verify")
            continue
        if label == "head":
            ts = head["timestamp"]
            when = _parse_time(ts)
            if when is None:
                problems.add(f"{name}: timestamp {ts!r} is not ISO 8601")
            if prev_size is not None and size <= prev_size:
                problems.add(f"{name}: sizes must increase (follows head at size {prev_size})")
            if prev_time is not None:
                earlier = (
                    when < prev_time[0]
                    if when is not None
                    and prev_time[0] is not None
                    and (when.tzinfo is None) == (prev_time[0].tzinfo is None)
                    else ts < prev_time[1]
                )
                if earlier:
                    problems.add(
                        f"{name}: timestamp {ts} is earlier than the previous head's "
                        f"({prev_time[1]})"
                    )
            prev_size, prev_time = size, (when, ts)
        good.append((size, signing.b64decode(head["root"])))
    return good


def _diagnose(
    line: bytes, position: int, expected_seq: int, process: str, problems: _Problems
) -> int:
    """Slow path for an entry that failed the byte-level check; returns the next expected seq."""
    try:
        entry = decode_entry(line, strict=True)
    except ValueError as exc:
        problems.add(f"entry {position}: {exc}")
        return expected_seq + 1
    if entry["process"] != process:
        problems.add(f"entry {position}: belongs to process {entry['process']!r}, not {process!r}")
    seq = entry["seq"]
    if seq != expected_seq:
        problems.add(
            f"entry {position}: sequence number {seq} out of order (expected {expected_seq})"
        )
    return seq + 1


def verify_bundle(
    path: Path | str,
    progress: Callable[[int, int], None] | None = None,
    *,
    expected_key: str | None = None,
    known_heads: list[dict] | None = None,
    strict: bool = False,
    workers: int | None = None,
) -> VerifyReport:
    """Verify a bundle offline; never raises on a damaged file (I/O errors aside).

    ``progress(entries_done, entry_count)`` is called about every 8 MiB.  ``expected_key`` (a
    base64 public key or a key_id) pins the signer: without it the bundle is only checked
    against the key it carries itself, which proves integrity but not origin.  ``known_heads``
    are signed heads obtained earlier (e.g. published); each must agree with the bundle.
    ``strict`` fully parses and canonical-checks every entry (≈10 µs/entry).  ``workers=2``
    runs the per-entry checks in a second process while this one hashes; the default does so
    for files over 64 MB when a second core looks idle (load average) and the process can
    safely fork; ``workers=1`` keeps everything in-process.
    """
    problems = _Problems()
    warnings: list[str] = []
    report = VerifyReport(ok=False, entry_count=0, heads_checked=0)
    with open(path, "rb") as f:
        header_line = f.readline()
        if not header_line:
            report.problems = ["bundle is empty"]
            return report
        if not header_line.endswith(b"\n"):
            report.problems = ["bundle truncated: header line incomplete"]
            return report
        try:
            header = json.loads(header_line)
        except (ValueError, UnicodeDecodeError):
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            report.problems = ["header: not an accord-ledger-bundle header"]
            return report
        if header.get("version") != VERSION:
            report.problems = [f"header: unsupported version {header.get('version')!r}"]
            return report
        process = header.get("process")
        if not isinstance(process, str) or not process:
            report.problems = ["header: process missing"]
            return report
        report.process = process
        try:
            pub = signing.load_public_key(header.get("public_key"))
            kid = signing.key_id(pub)
        except (ValueError, TypeError):
            report.problems = ["header: public key missing or malformed"]
            return report
        report.key_id = kid
        if header.get("key_id") != kid:
            problems.add(f"header: key_id {header.get('key_id')!r} does not match public key")
        if expected_key is not None:
            want = expected_key if len(expected_key) == 16 else _key_id_or_none(expected_key)
            if want != kid:
                problems.add(f"header: signed by key {kid}, not the expected key {want}")
        else:
            warnings.append(
                f"signer key {kid} was taken from the bundle itself; compare it with the "
                "deployment's published key (pass expected_key) to establish origin"
            )
        declared = header.get("entry_count")
        if declared is not None and not _is_int(declared):
            problems.add(f"header: entry_count {declared!r} is not a non-negative integer")
            declared = None

        heads = _check_heads(header.get("heads", []), process, pub, problems)
        report.heads_checked = len(heads)
        extra = _check_heads(known_heads or [], process, pub, problems, label="known head")
        # size -> list of (description, signed root) to compare with the recomputed root
        checks: dict[int, list[tuple[str, bytes]]] = {}
        for size, root in heads:
            checks.setdefault(size, []).append((f"head at size {size}", root))
        for size, root in extra:
            checks.setdefault(size, []).append((f"known head at size {size}", root))
        computed: dict[int, bytes] = {}
        if 0 in checks:
            computed[0] = EMPTY_ROOT
        check_sizes = sorted(s for s in checks if s > 0)
        check_iter = iter(check_sizes)
        next_check = next(check_iter, -1)

        pmark = _process_mark(process)
        total = declared or 0
        future = _start_worker(path, header_line, process, strict, workers)
        # with a worker, it checks the entries and digests the file; we only hash the tree
        digest = hashlib.sha256(header_line) if future is None else None
        reader = _Reader(f, digest)
        sha = hashlib.sha256
        stack: list[bytes] = []
        count = 0  # entries hashed so far == position of the next entry
        expected_seq = 0
        for lines in reader.chunks():
            if future is None:
                expected_seq = _check_lines(
                    lines, count, expected_seq, pmark, process, strict, problems
                )
            leaves = [sha(b"\x00" + line).digest() for line in lines]
            end = count + len(leaves)
            while next_check != -1 and next_check <= end:  # a signed head inside this block
                cut = next_check - count
                extend_hashes(stack, count, leaves[:cut])
                del leaves[:cut]
                count = next_check
                computed[count] = _fold(stack)
                next_check = next(check_iter, -1)
            extend_hashes(stack, count, leaves)
            count = end
            if progress is not None:
                progress(count, max(total, count))
        digest_hex = digest.hexdigest() if digest is not None else None
        if future is not None:
            try:
                items, dropped, checked, digest_hex = future.result()
            except Exception:  # worker died: redo its part here
                items, dropped, checked, digest_hex = _check_entries(
                    path, header_line, process, strict
                )
            for msg in items:
                problems.add(msg)
            problems.dropped += dropped
            if checked != count:  # cannot happen unless the file changed under us
                problems.add("bundle changed while it was being verified")
        trailer, after_trailer, pending = reader.trailer, reader.after_trailer, reader.pending

        if pending:
            if trailer is not None:
                after_trailer = True
            elif pending.startswith(_TRAILER_START) or _TRAILER_START.startswith(pending):
                problems.add("bundle truncated: trailer line incomplete")
            else:
                problems.add(
                    f"bundle truncated: entry {count} is cut off and the trailer is missing"
                )
        elif trailer is None:
            problems.add("bundle truncated: trailer missing")
        if after_trailer:
            problems.add("unexpected data after the trailer")

    # -- trailer
    if trailer is not None:
        try:
            tr = json.loads(trailer)
        except (ValueError, UnicodeDecodeError):
            tr = None
        if not isinstance(tr, dict) or tr.get("end") is not True:
            problems.add("trailer: malformed")
        else:
            if tr.get("entry_count") != count:
                problems.add(
                    f"trailer: declares {tr.get('entry_count')} entries but the bundle holds "
                    f"{count} (entry lines added or removed)"
                )
            if tr.get("sha256") != digest_hex:
                problems.add("trailer: sha256 digest mismatch (bundle bytes were altered)")
    if declared is not None and declared != count:
        problems.add(f"header: declares {declared} entries but the bundle holds {count}")

    # -- heads against recomputed roots
    for size in sorted(checks):
        got = computed.get(size)
        for name, root in checks[size]:
            if got is None and name.startswith("known"):  # the bundle may predate it
                warnings.append(f"{name}: beyond the end of the bundle, not checked")
            elif got is None:
                problems.add(f"{name}: beyond the end of the bundle ({count} entries)")
            elif root != got:
                problems.add(f"{name}: root does not match the first {size} entries")
    good_sizes = [s for s, _ in heads]
    if count and not heads:
        problems.add("no valid signed tree head: the entries are not authenticated")
    elif good_sizes and max(good_sizes) < count:
        warnings.append(
            f"entries {max(good_sizes)}..{count - 1} are not covered by any signed head"
        )
    _check_consistency(header.get("consistency_proofs"), heads, problems)

    report.entry_count = count
    report.root = _fold(stack).hex()
    report.roots = {s: r.hex() for s, r in sorted(computed.items())}
    report.problems = problems.final()
    report.warnings = warnings
    report.ok = not report.problems
    return report


# --------------------------------------------------------------------------- streaming pieces


class _Reader:
    """Yields the entry lines block by block, stopping at the trailer line.

    Blocks are cut at the last newline, so lines are never split; ``digest`` (if given) is fed
    every byte before the trailer.  Afterwards ``trailer`` holds the trailer line (or None),
    ``pending`` an unterminated last line, ``after_trailer`` whether anything follows it.
    """

    def __init__(self, f: BinaryIO, digest: Any = None) -> None:
        self.f = f
        self.digest = digest
        self.trailer: bytes | None = None
        self.after_trailer = False
        self.pending = b""

    def chunks(self) -> Iterator[list[bytes]]:
        pending = b""
        while True:
            block = self.f.read(_BLOCK)
            if not block:
                break
            if pending:
                block = pending + block
            cut = block.rfind(b"\n") + 1
            pending = block[cut:]
            if cut == 0:
                continue
            if self.trailer is not None:
                self.after_trailer = True
                continue
            chunk = block[:cut] if cut < len(block) else block
            t = 0 if chunk.startswith(_TRAILER_START) else chunk.find(b'\n{"end"') + 1
            if t or chunk.startswith(_TRAILER_START):
                end = chunk.find(b"\n", t)
                self.trailer = chunk[t:end]
                if end + 1 < len(chunk):
                    self.after_trailer = True
                chunk = chunk[:t]
            if self.digest is not None:
                self.digest.update(chunk)
            lines = chunk.split(b"\n")
            lines.pop()  # chunk ends with a newline: the last piece is empty
            if lines:
                yield lines
        self.pending = pending


def _process_mark(process: str) -> bytes:
    return b',"process":' + json.dumps(process, ensure_ascii=False).encode("utf-8") + b',"seq":'


def _check_lines(
    lines: list[bytes],
    position: int,
    expected_seq: int,
    pmark: bytes,
    process: str,
    strict: bool,
    problems: _Problems,
) -> int:
    """Per-entry seq/process checks (byte-level fast path); returns the next expected seq.

    In a canonical entry nothing after the top-level ``,"process":`` (seq, subject, time, v)
    can contain that text, so the last occurrence is the top-level one.
    """
    for line in lines:
        if not (
            line.startswith(_ENTRY_START)
            and line.endswith(_ENTRY_END)
            and line.startswith(
                pmark + b"%d" % expected_seq + b',"subject":{', line.rfind(b',"process":')
            )
        ) or (strict and _strict_fails(line)):
            expected_seq = _diagnose(line, position, expected_seq, process, problems)
        else:
            expected_seq += 1
        position += 1
    return expected_seq


def _check_entries(
    path: Path | str, header_line: bytes, process: str, strict: bool
) -> tuple[list[str], int, int, str]:
    """Entry checks and file digest (run in a worker): (problems, dropped, count, sha256 hex)."""
    problems = _Problems()
    pmark = _process_mark(process)
    count = expected_seq = 0
    digest = hashlib.sha256(header_line)
    with open(path, "rb") as f:
        f.seek(len(header_line))
        for lines in _Reader(f, digest).chunks():
            expected_seq = _check_lines(
                lines, count, expected_seq, pmark, process, strict, problems
            )
            count += len(lines)
    return problems.items, problems.dropped, count, digest.hexdigest()


def _start_worker(
    path: Path | str, header_line: bytes, process: str, strict: bool, workers: int | None
) -> Future | None:
    """Run the entry checks on a second core while this process hashes (None: do it inline).

    Automatic choice: only for big files, with at least two CPUs, and while the machine is
    not already busy (on a saturated machine the extra process only adds overhead).
    """
    # fork is cheap but unsafe once threads exist (e.g. inside a web server); spawn re-imports
    # the caller's __main__, so the automatic choice only ever forks
    can_fork = threading.active_count() == 1 and hasattr(os, "fork")
    if workers is None:
        try:
            big = os.path.getsize(path) >= _PARALLEL_MIN_BYTES
            cpus = os.cpu_count() or 1
            idle = os.getloadavg()[0] < cpus - 0.5
        except OSError:
            big = idle = False
            cpus = 1
        workers = 2 if big and cpus >= 2 and idle and can_fork else 1
    if workers < 2:
        return None
    method = "fork" if can_fork else "spawn"
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context(method))
        future = pool.submit(_check_entries, str(path), header_line, process, strict)
        pool.shutdown(wait=False)
    except (OSError, ValueError, RuntimeError):
        return None
    return future


def _key_id_or_none(public: str) -> str | None:
    try:
        return signing.key_id(public)
    except (ValueError, TypeError):
        return None


def _strict_fails(line: bytes) -> bool:
    try:
        decode_entry(line, strict=True)
    except ValueError:
        return True
    return False


def _fold(stack: list[bytes]) -> bytes:
    if not stack:
        return EMPTY_ROOT
    r = stack[-1]
    for h in reversed(stack[:-1]):
        r = hashlib.sha256(b"\x01" + h + r).digest()
    return r


def _check_consistency(
    records: object, heads: list[tuple[int, bytes]], problems: _Problems
) -> None:
    """Verify included consistency proofs between signed head roots."""
    if not records:
        return
    if not isinstance(records, list):
        problems.add("consistency_proofs: not a list")
        return
    roots: dict[int, bytes] = dict(heads)
    for j, rec in enumerate(records):
        if (
            not isinstance(rec, dict)
            or not _is_int(rec.get("old_size"))
            or not _is_int(rec.get("new_size"))
        ):
            problems.add(f"consistency proof #{j}: malformed")
            continue
        old, new = rec["old_size"], rec["new_size"]
        if old not in roots or new not in roots:
            problems.add(f"consistency proof {old}->{new}: no valid signed head at both sizes")
            continue
        try:
            proof = [signing.b64decode(p) for p in rec.get("proof", [])]
        except (ValueError, TypeError):
            proof = None
        if proof is None or not verify_consistency(old, new, roots[old], roots[new], proof):
            problems.add(f"head at size {old} inconsistent with head at size {new}")
