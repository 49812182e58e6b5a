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

Pure: numpy, scipy and scikit-learn; no Django (the benchmark uses it directly).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

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

    def add(self, claim_id: int, label_id: int, text: str) -> None:
        """Add one claim (the incremental update, about a millisecond). Every MERGE_AT new
        claims the delta is folded into the base in a background thread."""
        row = self._tf(vectorise([text]))
        with self._lock:
            self.df[row.indices] += 1
            self.n += 1
            w = row.data * self.idf(row.indices)
            self.delta.append((row.indices, row.data))
            self._d_ind = np.concatenate([self._d_ind, row.indices.astype(np.int64)])
            self._d_dat = np.concatenate([self._d_dat, row.data.astype(np.float32)])
            self._d_row = np.concatenate(
                [self._d_row, np.full(row.indices.size, len(self.delta) - 1, np.int64)]
            )
            self._d_ids = np.append(self._d_ids, claim_id)
            self._d_labels = np.append(self._d_labels, label_id)
            self._d_norms = np.append(self._d_norms, np.float32(np.sqrt((w * w).sum()) or 1.0))
            self.max_id = max(self.max_id, claim_id)
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
