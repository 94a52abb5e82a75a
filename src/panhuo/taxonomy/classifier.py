"""Free text → ranked IPC subclasses: TF-IDF kNN over patent titles blended with class centroids.

Training text: the titles of ``cn-patent-titles-ipc`` in the training split (fixed seed, the test split is
never seen) plus, as extra documents, the Chinese and English titles of every IPC subclass and main group
(this covers English queries and subclasses with few or no patents).  Scores:

    score(c) = ALPHA · kNN(c) / max kNN + (1 − ALPHA) · cos(query, centroid(c)) / max cos

with kNN(c) = Σ sim(query, neighbour)^POWER over the K nearest training titles labelled c.  The model is
a build artefact saved in ``<workspace>/models/`` (``panhuo taxonomy train``), never committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from panhuo.taxonomy.textvec import SparseRows, Tfidf
from panhuo.taxonomy.textvec import tokens as _tokens

SEED = 20261121
TEST_SHARE = 0.2
K = 50  # neighbours; defaults re-checked by benchmarks/bench_classifier.py on a validation part of the training split
POWER = 1.0
ALPHA = 0.3
NGRAMS = (1, 2)
MODEL_FILE = "ipc-classifier.npz"
_CJK = re.compile(r"[\u3400-\u9fff]")


def tokens(text: str) -> list[str]:
    return _tokens(text, ngrams=NGRAMS)


def split(n: int, *, seed: int = SEED, test_share: float = TEST_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of ``n`` rows; the same for the same seed."""
    order = np.random.default_rng(seed).permutation(n)
    cut = round(n * (1 - test_share))
    return np.sort(order[:cut]), np.sort(order[cut:])


@dataclass
class Model:
    tfidf: Tfidf
    labels: list[str]
    docs: SparseRows  # training titles
    doc_labels: list[np.ndarray]  # label indices per training title
    centroids: SparseRows  # one row per label: titles and Chinese IPC text
    ipc_en: SparseRows  # English IPC titles, one row each (scored by best match: English queries)
    ipc_en_labels: np.ndarray
    meta: dict

    def score(self, text: str) -> np.ndarray:
        """Blended score per label (0…1) for one text."""
        idx, val = self.tfidf.vector(tokens(text))
        if len(idx) == 0:
            return np.zeros(len(self.labels), dtype=np.float32)
        sims = self.docs.dot(idx, val)
        knn = np.zeros(len(self.labels), dtype=np.float32)
        for d in np.argsort(-sims)[:K]:
            if sims[d] > 0:
                knn[self.doc_labels[d]] += sims[d] ** POWER
        cen = self.centroids.dot(idx, val)
        if self.ipc_en.n_rows:
            np.maximum.at(cen, self.ipc_en_labels, self.ipc_en.dot(idx, val))
        knn /= knn.max() or 1.0
        cen /= cen.max() or 1.0
        return ALPHA * knn + (1 - ALPHA) * cen

    def predict(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` subclasses with their scores, best first (empty for text with no known feature)."""
        scores = self.score(text)
        best = np.argsort(-scores)[:top]
        return [(self.labels[i], round(float(scores[i]), 4)) for i in best if scores[i] > 0]


def fit(titles: Sequence[str], label_sets: Sequence[Sequence[str]], ipc_docs: Sequence[tuple[str, str]],
        *, meta: dict | None = None, min_df: int = 2) -> Model:
    """Train on patent titles (multi-label) and (subclass, title text) documents from the IPC scheme."""
    labels = sorted({l for ls in label_sets for l in ls} | {s for s, _ in ipc_docs})
    index = {l: i for i, l in enumerate(labels)}
    title_tokens = [tokens(t) for t in titles]
    ipc_tokens = [tokens(t) for _, t in ipc_docs]
    tfidf = Tfidf.fit(title_tokens + ipc_tokens, min_df=min_df)
    title_vecs = [tfidf.vector(t) for t in title_tokens]
    doc_labels = [np.array([index[l] for l in ls], dtype=np.int32) for ls in label_sets]
    sums: list[dict[int, float]] = [{} for _ in labels]
    en_vecs, en_labels = [], []
    for (idx, val), ls in zip(title_vecs, doc_labels):
        for label in ls:
            _accumulate(sums[label], idx, val, 1.0)
    for (sub, text), toks in zip(ipc_docs, ipc_tokens):
        idx, val = tfidf.vector(toks)
        if _CJK.search(text):
            _accumulate(sums[index[sub]], idx, val, 0.5)
        else:
            en_vecs.append((idx, val))
            en_labels.append(index[sub])
    n = len(tfidf.vocab)
    return Model(tfidf, labels, SparseRows(title_vecs, n), doc_labels,
                 SparseRows([_normalised(s) for s in sums], n), SparseRows(en_vecs, n),
                 np.array(en_labels, dtype=np.int32), meta or {})


def _accumulate(acc: dict[int, float], idx: np.ndarray, val: np.ndarray, weight: float) -> None:
    for i, v in zip(idx.tolist(), val.tolist()):
        acc[i] = acc.get(i, 0.0) + weight * v


def _normalised(acc: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    if not acc:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    idx = np.fromiter(acc.keys(), dtype=np.int32, count=len(acc))
    val = np.fromiter(acc.values(), dtype=np.float32, count=len(acc))
    return idx, val / (float(np.sqrt((val * val).sum())) or 1.0)


# --- metrics ------------------------------------------------------------------------------------------------

def metrics(predicted: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], k: int) -> dict[str, float]:
    """Micro precision/recall/F1 of the top-``k`` predictions and top-k accuracy (any gold label in top k)."""
    tp = n_pred = n_gold = hits = 0
    for pred, truth in zip(predicted, gold):
        top, truth_set = list(pred)[:k], set(truth)
        overlap = len(set(top) & truth_set)
        tp += overlap
        n_pred += len(top)
        n_gold += len(truth_set)
        hits += overlap > 0
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "accuracy": hits / len(gold) if gold else 0.0}


# --- persistence --------------------------------------------------------------------------------------------

def save(model: Model, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    vocab = sorted(model.tfidf.vocab, key=model.tfidf.vocab.get)
    lengths = np.array([len(x) for x in model.doc_labels], dtype=np.int32)
    flat = np.concatenate(model.doc_labels) if model.doc_labels else np.empty(0, np.int32)
    arrays = {"idf": model.tfidf.idf, "doc_label_len": lengths, "doc_label_flat": flat,
              "ipc_en_labels": model.ipc_en_labels}
    for name, rows in (("docs", model.docs), ("centroids", model.centroids), ("ipc_en", model.ipc_en)):
        arrays |= {f"{name}_rows": rows.rows, f"{name}_vals": rows.vals, f"{name}_indptr": rows.indptr,
                   f"{name}_n": np.array([rows.n_rows])}
    header = json.dumps({"vocab": vocab, "labels": model.labels, "meta": model.meta}, ensure_ascii=False)
    np.savez_compressed(path, header=np.frombuffer(header.encode("utf-8"), dtype=np.uint8), **arrays)
    return path


def load(path: Path) -> Model:
    with np.load(path) as z:
        header = json.loads(z["header"].tobytes().decode("utf-8"))
        tfidf = Tfidf({t: i for i, t in enumerate(header["vocab"])}, z["idf"])
        flat, lengths = z["doc_label_flat"], z["doc_label_len"]
        doc_labels = np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []
        parts = {}
        en_labels = z["ipc_en_labels"]
        for name in ("docs", "centroids", "ipc_en"):
            rows = SparseRows.__new__(SparseRows)
            rows.rows, rows.vals, rows.indptr = z[f"{name}_rows"], z[f"{name}_vals"], z[f"{name}_indptr"]
            rows.n_rows = int(z[f"{name}_n"][0])
            parts[name] = rows
    return Model(tfidf, header["labels"], parts["docs"], list(doc_labels), parts["centroids"],
                 parts["ipc_en"], en_labels, header["meta"])
