"""Similar-claim matching: TF-IDF over word and character n-grams, kept as an incremental index.

Why this shape: a TfidfVectorizer must be refitted when a claim arrives (its vocabulary and
IDF change), which costs seconds over 100,000 claims. A HashingVectorizer has no vocabulary,
so a new claim is vectorised alone in about a millisecond; document frequencies are kept as a
counter per hashed feature, so IDF is always current for the query. Rows are stored as raw
term counts: a "base" matrix in CSC form (fast to read by the query's columns) plus a small
"delta" list of recent rows, merged into the base when it grows. Document norms use the IDF of
the time a row was added; a merge recomputes them (IDF moves slowly once there are many claims).

Labels are applied BEFORE ranking: the caller passes the label ids the viewer may read and
rows under any other label get no score at all, so the top k is chosen among readable claims
only and nothing about an unreadable claim (not its id, its score or that it exists) leaves.

A built index can be saved to one .npz file and loaded again (`save`, `load`): a server start
reads it in well under a second instead of vectorising every claim again. The file carries a
fingerprint of the rows it holds, so the owner can check it against the table before use.

Pure: numpy, scipy and scikit-learn; no Django (the benchmark uses it directly).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**20
MERGE_AT = 2000  # delta rows before a (background) merge into the base matrix
MIN_SCORE = 0.25  # below this a claim is not "similar"
COMMON = 0.2  # query features in more than this share of claims are skipped (stop-grams)
COMMON_FROM = 1000  # ... once there are this many claims (before, every feature counts)

_word = HashingVectorizer(
    n_features=N_FEATURES,
    analyzer="word",
    ngram_range=(1, 2),
    alternate_sign=False,
    norm=None,
    lowercase=True,
    strip_accents="unicode",
)
_char = HashingVectorizer(
    n_features=N_FEATURES,
    analyzer="char_wb",
    ngram_range=(3, 5),
    alternate_sign=False,
    norm=None,
    lowercase=True,
    strip_accents="unicode",
)


FORMAT = 1  # of the snapshot file; another number is not read
# what the stored features mean: a snapshot made with other vectoriser settings is not read
SCHEME = hashlib.sha256(
    repr(
        (N_FEATURES, sorted(_word.get_params().items()), sorted(_char.get_params().items()))
    ).encode()
).hexdigest()[:16]
_MASK = (1 << 128) - 1


class SnapshotError(Exception):
    """A snapshot file that cannot be used: unreadable, corrupt, or of another format."""


def _check_meta(meta, width: int) -> None:
    """A snapshot's header is of this format and these vectoriser settings, and whole."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise SnapshotError(f"format {found!r}, not {FORMAT}")
    if meta.get("scheme") != SCHEME or meta.get("width") != width:
        raise SnapshotError("made with other vectoriser settings")
    counts = ("n", "max_id", "base_rows", "delta_rows")
    if not all(type(meta.get(k)) is int and meta[k] >= 0 for k in counts):
        raise SnapshotError("corrupt: header")
    digest = meta.get("digest")
    if (
        not isinstance(digest, str)
        or len(digest) != 32
        or not all(c in "0123456789abcdef" for c in digest)
    ):
        raise SnapshotError("corrupt: header")


def fingerprint(rows: Iterable[tuple[int, int, str]]) -> int:
    """Digest of (claim id, label id, text) rows, independent of their order: a sum of
    128-bit hashes, so the index keeps it up to date row by row and the owner recomputes it
    from the table in any order to tell whether a snapshot still holds exactly those rows."""
    acc = 0
    for cid, label, text in rows:
        data = f"{cid}\x1f{label}\x1f{text}".encode("utf-8", "surrogatepass")
        h = hashlib.blake2b(data, digest_size=16)
        acc += int.from_bytes(h.digest(), "big")
    return acc & _MASK


def vectorise(texts: list[str]) -> sp.csr_matrix:
    """Raw counts of word 1–2-grams and character 3–5-grams, hashed into one space
    (the word and character spaces are offset so they do not share buckets by design)."""
    w = _word.transform(texts)
    c = _char.transform(texts)
    return sp.hstack([w, c], format="csr", dtype=np.float32)


@dataclass(frozen=True)
class Match:
    claim_id: int
    score: float


class ClaimIndex:
    """Claims as hashed n-gram counts with live document frequencies; thread-safe."""

    def __init__(self, *, background: bool = True) -> None:
        self._lock = threading.RLock()
        width = 2 * N_FEATURES
        self.df = np.zeros(width, dtype=np.int32)
        self.n = 0
        self.base = sp.csc_matrix((0, width), dtype=np.float32)
        self.base_ids = np.zeros(0, dtype=np.int64)
        self.base_labels = np.zeros(0, dtype=np.int64)
        self.base_norms = np.zeros(0, dtype=np.float32)
        self.delta: list[tuple[np.ndarray, np.ndarray]] = []  # (indices, data) per row
        self._d_ids = np.zeros(0, np.int64)
        self._d_labels = np.zeros(0, np.int64)
        self._d_norms = np.zeros(0, np.float32)
        self._merging: threading.Thread | None = None
        self.background = background
        self._d_ind = np.zeros(0, np.int64)  # the delta rows flattened: feature, value, row
        self._d_dat = np.zeros(0, np.float32)
        self._d_row = np.zeros(0, np.int64)
        self._qbuf = np.zeros(width, np.float32)
        self.max_id = 0
        self.digest = 0  # fingerprint() of every row held
        self.origin = "new"  # then "build" (from texts) or "snapshot" (from a file)
        self.saved_n = -1  # rows in the snapshot last written or read (-1: none)
        # called after rows went into the base matrix (a bulk load, a merge): the owner
        # saves a snapshot then
        self.on_build: Callable[[ClaimIndex], None] | None = None

    def __len__(self) -> int:
        return self.n

    # --- building -------------------------------------------------------------------------
    def idf(self, at: np.ndarray | None = None) -> np.ndarray:
        """Smoothed IDF of every feature, or only of the features `at` (cheap: a query needs a
        few hundred of the two million)."""
        df = self.df if at is None else self.df[at]
        return (np.log((1.0 + self.n) / (1.0 + df)) + 1.0).astype(np.float32)

    def _tf(self, m: sp.csr_matrix) -> sp.csr_matrix:
        m = m.copy()
        m.data = 1.0 + np.log(m.data)  # sublinear term frequency
        return m

    def _norms(self, m: sp.csr_matrix) -> np.ndarray:
        """TF-IDF norms of rows with today's IDF (O(nnz), no dense row)."""
        w = m.data * self.idf(m.indices)
        rows_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        norms = np.sqrt(np.bincount(rows_of, weights=w * w, minlength=m.shape[0]))
        norms[norms == 0] = 1.0
        return norms.astype(np.float32)

    def bulk(self, ids: list[int], labels: list[int], texts: list[str]) -> None:
        """Add many claims at once (a first build): straight into the base matrix."""
        if not ids:
            return
        running = self._merging
        if running is not None and running.is_alive():
            running.join()
        digest = fingerprint(zip(ids, labels, texts, strict=True))
        with self._lock:
            m = self._tf(vectorise(texts))
            self.df += np.bincount(m.indices, minlength=self.df.shape[0]).astype(np.int32)
            self.n += len(ids)
            self.max_id = max(self.max_id, max(ids))
            base = sp.vstack([self.base.tocsr(), m], format="csr", dtype=np.float32)
            self.base_ids = np.concatenate([self.base_ids, np.array(ids, np.int64)])
            self.base_labels = np.concatenate([self.base_labels, np.array(labels, np.int64)])
            self.base_norms = self._norms(base)  # a fresh build: every norm with today's IDF
            self.base = base.tocsc()
            self.digest = (self.digest + digest) & _MASK
            if self.origin == "new":
                self.origin = "build"
        if self.on_build is not None:
            self.on_build(self)

    def add(self, claim_id: int, label_id: int, text: str) -> None:
        """Add one claim (the incremental update, about a millisecond). Every MERGE_AT new
        claims the delta is folded into the base in a background thread."""
        self.extend([claim_id], [label_id], [text])

    def extend(self, ids: list[int], labels: list[int], texts: list[str]) -> None:
        """Add claims to the delta, like `add` for each, at the cost of the new rows only
        (`bulk` rebuilds the whole base: about 5 s at 100,000 claims for any number of new
        ones; a worker catching up with the claims of other workers, or a snapshot with the
        claims made since it was saved, costs milliseconds this way)."""
        if not ids:
            return
        m = self._tf(vectorise(texts))
        digest = fingerprint(zip(ids, labels, texts, strict=True))
        with self._lock:
            at, count = np.unique(m.indices, return_counts=True)  # O(new entries), not 2**21
            self.df[at] += count.astype(np.int32)
            self.n += len(ids)
            self.digest = (self.digest + digest) & _MASK
            if self.origin == "new":
                self.origin = "build"
            first = len(self.delta)
            sizes = np.diff(m.indptr)
            self.delta.extend(
                (m.indices[m.indptr[i] : m.indptr[i + 1]], m.data[m.indptr[i] : m.indptr[i + 1]])
                for i in range(len(ids))
            )
            self._d_ind = np.concatenate([self._d_ind, m.indices.astype(np.int64)])
            self._d_dat = np.concatenate([self._d_dat, m.data.astype(np.float32)])
            self._d_row = np.concatenate(
                [self._d_row, np.repeat(np.arange(first, first + len(ids), dtype=np.int64), sizes)]
            )
            self._d_ids = np.concatenate([self._d_ids, np.array(ids, np.int64)])
            self._d_labels = np.concatenate([self._d_labels, np.array(labels, np.int64)])
            self._d_norms = np.concatenate([self._d_norms, self._norms(m)])
            self.max_id = max(self.max_id, max(ids))
            due = len(self.delta) >= MERGE_AT and self._merging is None
            if due:
                self._merging = threading.Thread(target=self.merge, daemon=True)
        if due and self.background:
            self._merging.start()
        elif due:
            self.merge()

    @property
    def delta_ids(self) -> list[int]:
        return self._d_ids.tolist()

    def _delta_csr(self, upto: int) -> sp.csr_matrix:
        rows = self.delta[:upto]
        indptr = np.concatenate([[0], np.cumsum([len(i) for i, _ in rows])])
        return sp.csr_matrix(
            (
                np.concatenate([d for _, d in rows]).astype(np.float32),
                np.concatenate([i for i, _ in rows]),
                indptr,
            ),
            shape=(len(rows), self.df.shape[0]),
        )

    @staticmethod
    def _append_rows(base: sp.csc_matrix, extra: sp.csc_matrix) -> sp.csc_matrix:
        """Rows of `extra` below `base`, both CSC, in O(nnz) array work (no sort)."""
        nb, ne = base.indptr, extra.indptr
        indptr = nb + ne
        cols_b = np.repeat(np.arange(base.shape[1]), np.diff(nb))
        cols_e = np.repeat(np.arange(extra.shape[1]), np.diff(ne))
        indices = np.empty(base.nnz + extra.nnz, dtype=np.int64)
        data = np.empty(base.nnz + extra.nnz, dtype=np.float32)
        pos_b = np.arange(base.nnz) + ne[cols_b]
        pos_e = np.arange(extra.nnz) + nb[cols_e + 1]
        indices[pos_b] = base.indices
        data[pos_b] = base.data
        indices[pos_e] = extra.indices + base.shape[0]
        data[pos_e] = extra.data
        return sp.csc_matrix(
            (data, indices, indptr), shape=(base.shape[0] + extra.shape[0], base.shape[1])
        )

    def merge(self) -> None:
        """Fold the delta rows into the base matrix. The heavy part runs outside the lock, so
        queries and adds go on meanwhile (they see the old base plus the whole delta); rows
        added during the merge stay in the delta. Norms keep the IDF of their time of adding."""
        with self._lock:
            k = len(self.delta)
            if not k:
                self._merging = None
                return
            base = self.base
            extra = self._delta_csr(k).tocsc()
            ids, labels, norms = self._d_ids[:k], self._d_labels[:k], self._d_norms[:k]
        merged = self._append_rows(base, extra)
        with self._lock:
            if self.base is not base or len(self.delta) < k:  # a bulk load came first: redo
                self._merging = None
                return
            self.base = merged
            self.base_ids = np.concatenate([self.base_ids, ids])
            self.base_labels = np.concatenate([self.base_labels, labels])
            self.base_norms = np.concatenate([self.base_norms, norms])
            self.delta = self.delta[k:]
            self._d_ids, self._d_labels = self._d_ids[k:], self._d_labels[k:]
            self._d_norms = self._d_norms[k:]
            cut = int(np.searchsorted(self._d_row, k))
            self._d_ind, self._d_dat = self._d_ind[cut:], self._d_dat[cut:]
            self._d_row = self._d_row[cut:] - k
            self._merging = None
        if self.on_build is not None:
            self.on_build(self)

    # --- snapshots ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> int:
        """Write the whole index (base and delta) to `path`, an .npz file, atomically (a
        reader sees the old file or the new one, never half of one); returns its size.

        The base is stored as its CSC arrays with the column pointer reduced to the columns
        that hold entries, and df as its non-zero entries: an index of a few claims is a few
        kilobytes, not the 24 MB of two dense arrays over 2**21 features."""
        with self._lock:  # arrays are replaced, never changed in place, except df
            base = self.base
            ids, labels, norms = self.base_ids, self.base_labels, self.base_norms
            d_ind, d_dat, d_row = self._d_ind, self._d_dat, self._d_row
            d_ids, d_labels, d_norms = self._d_ids, self._d_labels, self._d_norms
            df_at = np.flatnonzero(self.df)
            df_val = self.df[df_at]
            n, max_id, digest = self.n, self.max_id, self.digest
        counts = np.diff(base.indptr)
        cols = np.flatnonzero(counts)
        meta = {
            "format": FORMAT,
            "scheme": SCHEME,
            "n": n,
            "max_id": max_id,
            "digest": f"{digest:032x}",
            "width": int(base.shape[1]),
            "base_rows": int(base.shape[0]),
            "delta_rows": int(d_ids.size),
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as f:
                np.savez(
                    f,
                    meta=np.array(json.dumps(meta)),
                    data=base.data.astype(np.float32, copy=False),
                    indices=base.indices.astype(np.int32, copy=False),
                    cols=cols.astype(np.int32),
                    counts=counts[cols].astype(np.int64),
                    ids=ids,
                    labels=labels,
                    norms=norms,
                    d_ind=d_ind.astype(np.int32),
                    d_dat=d_dat,
                    d_row=d_row.astype(np.int32),
                    d_ids=d_ids,
                    d_labels=d_labels,
                    d_norms=d_norms,
                    df_at=df_at.astype(np.int32),
                    df_val=df_val,
                )
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        with self._lock:
            self.saved_n = n
        return path.stat().st_size

    def load(self, path: str | os.PathLike, accept: Callable[[dict], bool] | None = None) -> bool:
        """Replace the content of this index by the snapshot at `path`, if `accept(meta)`
        (n, max_id, digest: checked against the table by the owner) says it is still right;
        returns whether it was loaded. SnapshotError if the file cannot be used."""
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"][()]))
        except Exception as exc:  # a torn or foreign file fails in many ways, all alike here
            raise SnapshotError(f"unreadable: {exc.__class__.__name__}: {exc}") from exc
        _check_meta(meta, self.df.shape[0])
        if accept is not None and not accept(meta):
            return False
        try:
            with np.load(path, allow_pickle=False) as f:
                a = {k: f[k] for k in f.files if k != "meta"}
            state = self._state_from(meta, a)
        except SnapshotError:
            raise
        except Exception as exc:
            raise SnapshotError(f"corrupt: {exc.__class__.__name__}: {exc}") from exc
        running = self._merging
        if running is not None and running.is_alive():
            running.join()
        with self._lock:
            for k, v in state.items():
                setattr(self, k, v)
            self._merging = None
            self.origin = "snapshot"
            self.saved_n = self.n
        return True

    def _state_from(self, meta: dict, a: dict[str, np.ndarray]) -> dict:
        """The attributes of an index from a snapshot's arrays, after checking that they fit
        together (a damaged file must not become an index that answers wrongly)."""
        width = self.df.shape[0]
        ints = "indices cols counts ids labels d_ind d_row d_ids d_labels df_at df_val".split()
        floats = "data norms d_dat d_norms".split()
        if any(a[x].ndim != 1 or a[x].dtype.kind not in "iu" for x in ints) or any(
            a[x].ndim != 1 or a[x].dtype.kind != "f" for x in floats
        ):
            raise SnapshotError("corrupt: array types")
        rows, k = meta["base_rows"], meta["delta_rows"]
        data, indices, cols, counts = a["data"], a["indices"], a["cols"], a["counts"]
        d_ind, d_dat, d_row = a["d_ind"], a["d_dat"], a["d_row"]
        ok = (
            data.size == indices.size == int(counts.sum())
            and cols.size == counts.size
            and (cols.size == 0 or (cols[0] >= 0 and cols[-1] < width))
            and bool(np.all(np.diff(cols) > 0))
            and bool(np.all(counts > 0))
            and (indices.size == 0 or (indices.min() >= 0 and indices.max() < rows))
            and a["ids"].size == a["labels"].size == a["norms"].size == rows
            and d_ind.size == d_dat.size == d_row.size
            and a["d_ids"].size == a["d_labels"].size == a["d_norms"].size == k
            and (d_row.size == 0 or (d_row[0] >= 0 and d_row[-1] < k))
            and bool(np.all(np.diff(d_row) >= 0))
            and (d_ind.size == 0 or (d_ind.min() >= 0 and d_ind.max() < width))
            and a["df_at"].size == a["df_val"].size
            and (a["df_at"].size == 0 or (a["df_at"].min() >= 0 and a["df_at"].max() < width))
            and meta["n"] == rows + k
            and (rows == 0 or int(a["ids"].max()) <= meta["max_id"])
            and (k == 0 or int(a["d_ids"].max()) <= meta["max_id"])
        )
        if not ok:
            raise SnapshotError("corrupt: arrays do not fit together")
        idx = np.int32 if data.size < 2**31 else np.int64
        indptr = np.zeros(width + 1, np.int64)
        indptr[cols + 1] = counts
        np.cumsum(indptr, out=indptr)
        base = sp.csc_matrix(
            (
                data.astype(np.float32, copy=False),
                indices.astype(idx, copy=False),
                indptr.astype(idx),
            ),
            shape=(rows, width),
        )
        df = np.zeros(width, np.int32)
        df[a["df_at"]] = a["df_val"]
        starts = np.searchsorted(d_row, np.arange(k + 1))
        delta = [
            (d_ind[starts[i] : starts[i + 1]], d_dat[starts[i] : starts[i + 1]]) for i in range(k)
        ]
        if not base.has_sorted_indices:  # known now, not found out on the first query
            base.sort_indices()
        return {
            "base": base,
            "base_ids": a["ids"].astype(np.int64, copy=False),
            "base_labels": a["labels"].astype(np.int64, copy=False),
            "base_norms": a["norms"].astype(np.float32, copy=False),
            "delta": delta,
            "_d_ind": d_ind.astype(np.int64),
            "_d_dat": d_dat.astype(np.float32, copy=False),
            "_d_row": d_row.astype(np.int64),
            "_d_ids": a["d_ids"].astype(np.int64, copy=False),
            "_d_labels": a["d_labels"].astype(np.int64, copy=False),
            "_d_norms": a["d_norms"].astype(np.float32, copy=False),
            "df": df,
            "n": int(meta["n"]),
            "max_id": int(meta["max_id"]),
            "digest": int(meta["digest"], 16),
        }

    # --- querying -------------------------------------------------------------------------
    def query(
        self,
        text: str,
        readable_labels,
        k: int = 5,
        *,
        exclude: int | None = None,
        min_score: float = MIN_SCORE,
    ) -> list[Match]:
        """The k claims most similar to `text` among rows whose label id is in
        `readable_labels` (filtered before ranking), best first, cosine ≥ min_score."""
        with self._lock:
            if self.n == 0:
                return []
            q = self._tf(vectorise([text]))
            qidf = self.idf(q.indices)
            qnorm = float(np.sqrt(((q.data * qidf) ** 2).sum())) or 1.0
            keep = self.df[q.indices] <= (COMMON * self.n if self.n >= COMMON_FROM else self.n)
            cols = q.indices[keep]
            if cols.size == 0:
                return []
            # one idf for the query term, one for the document's
            weights = q.data[keep] * qidf[keep] * qidf[keep]
            allowed = np.fromiter(readable_labels, dtype=np.int64)
            out_ids: list[np.ndarray] = []
            out_scores: list[np.ndarray] = []
            if self.base.shape[0]:
                mask = np.isin(self.base_labels, allowed)
                if mask.any():
                    sub = self.base[:, cols]
                    s = np.asarray(sub @ weights).ravel() / (self.base_norms * qnorm)
                    s[~mask] = -1.0
                    out_ids.append(self.base_ids)
                    out_scores.append(s)
            if self.delta:
                dmask = np.isin(self._d_labels, allowed)
                if dmask.any():
                    self._qbuf[cols] = weights  # a dense lookup: one gather per stored entry
                    contrib = self._d_dat * self._qbuf[self._d_ind]
                    self._qbuf[cols] = 0.0
                    dots = np.bincount(self._d_row, weights=contrib, minlength=len(self.delta))
                    s = dots / (self._d_norms * qnorm)
                    s[~dmask] = -1.0
                    out_ids.append(self._d_ids)
                    out_scores.append(s)
            if not out_ids:
                return []
            ids = np.concatenate(out_ids)
            scores = np.concatenate(out_scores)
            if exclude is not None:
                scores[ids == exclude] = -1.0
            kk = min(k, scores.size)
            top = np.argpartition(-scores, kk - 1)[:kk]
            top = top[np.argsort(-scores[top])]
            return [
                Match(int(ids[i]), round(float(min(scores[i], 1.0)), 4))
                for i in top
                if scores[i] >= min_score
            ]
