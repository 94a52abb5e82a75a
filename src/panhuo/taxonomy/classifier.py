"""Free text → ranked IPC subclasses: one-vs-rest linear SVMs on character n-grams, with calibrated scores.

Features (:func:`features`): CJK character 1–3-grams of the simplified, lower-cased text plus stemmed English
words, sublinear TF-IDF, L2-normalised.  One linear SVM per subclass (scikit-learn ``LinearSVC``, liblinear) is
trained on the patent titles of ``cn-patent-titles-ipc`` in the training split (fixed seed; the test split is
never seen) plus, as documents of weight ``AUG_WEIGHT``, the IPC scheme itself: per main group, the Chinese
titles of the group and its subgroups, and the same in English.  The scheme documents cover subclasses with
few or no patents and give the English vocabulary, so English queries work too.

A margin ``m`` becomes a score in 0…1 by a global Platt curve ``sigmoid(SLOPE · (m − OFFSET))``; the
set-valued prediction (:meth:`Model.predict_set`) keeps the best subclass and every other one scoring
≥ ``THRESHOLD`` (at most ``MAX_SET``).  ``C``, ``AUG_WEIGHT``, ``SLOPE``, ``OFFSET`` and ``THRESHOLD`` are
chosen on a validation part of the training split by ``benchmarks/bench_classifier.py``.  The weight matrix
is stored sparse (feature → labels, weights below ``PRUNE`` dropped) so scoring one text is a gather over
its few features.  The model is a build artefact in ``<workspace>/models/`` (``panhuo taxonomy train``),
never committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import Stemmer

from panhuo.taxonomy.textvec import Tfidf, clean

SEED = 20261121
TEST_SHARE = 0.2
NGRAMS = (1, 2, 3)
C = 0.5  # SVM regularisation
AUG_WEIGHT = 0.5  # sample weight of Chinese IPC scheme documents relative to a patent title
EN_WEIGHT = 2.0  # … and of English ones (the only English training text; their features are disjoint)
SLOPE, OFFSET = 4.139, -0.145  # Platt calibration of margins
THRESHOLD = 0.13  # set prediction: other subclasses scoring at least this join the best one
MAX_SET = 3
SCHEME_MIN_DF = 3  # a feature found only in IPC scheme documents must occur in this many of them
PRUNE = 0.01  # weights below this (absolute) are dropped from the stored model
MODEL_FILE = "ipc-classifier-svm.npz"
FORMAT = 2

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z][a-z0-9\-]+")
_EN_STOP = frozenset(["the", "of", "and", "or", "for", "a", "an", "in", "on", "to", "with", "by", "from", "its",
                      "their", "as", "e", "g", "i", "other", "not", "covered", "provided", "groups", "group",
                      "subclass", "therefor", "thereof", "specially", "adapted", "means"])
_STEMMER = Stemmer.Stemmer("english")


def features(text: str, ngrams: Sequence[int] = NGRAMS) -> list[str]:
    """Feature strings of one text: ``c:`` CJK character n-grams, ``e:`` stemmed English words."""
    text = clean(text)
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        for n in ngrams:
            out += [f"c:{run[i:i + n]}" for i in range(len(run) - n + 1)]
    words = [w for w in _LATIN.findall(text) if w not in _EN_STOP]
    out += [f"e:{s}" for s in _STEMMER.stemWords(words)]
    return out


def split(n: int, *, seed: int = SEED, test_share: float = TEST_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of ``n`` rows; the same for the same seed."""
    order = np.random.default_rng(seed).permutation(n)
    cut = round(n * (1 - test_share))
    return np.sort(order[:cut]), np.sort(order[cut:])


def calibrate(margins: np.ndarray, slope: float | None = None, offset: float | None = None) -> np.ndarray:
    """Margins → scores in 0…1 (the global Platt curve; module defaults ``SLOPE``, ``OFFSET``)."""
    slope = SLOPE if slope is None else slope
    offset = OFFSET if offset is None else offset
    return 1.0 / (1.0 + np.exp(-slope * (np.asarray(margins, dtype=np.float64) - offset)))


@dataclass
class Model:
    tfidf: Tfidf
    labels: list[str]
    indptr: np.ndarray  # feature f's weights are label_idx/weights[indptr[f]:indptr[f+1]]
    label_idx: np.ndarray
    weights: np.ndarray
    bias: np.ndarray  # per label
    meta: dict = field(default_factory=dict)

    def margins(self, text: str) -> np.ndarray | None:
        """SVM margin per label for one text; ``None`` when the text has no known feature."""
        idx, val = self.tfidf.vector(features(text))
        if len(idx) == 0:
            return None
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        lengths = ends - starts
        out = self.bias.astype(np.float64)
        if lengths.sum():
            pos = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])
            out += np.bincount(self.label_idx[pos], weights=self.weights[pos] * np.repeat(val, lengths),
                               minlength=len(self.labels))
        return out

    def score(self, text: str) -> np.ndarray:
        """Calibrated score per label (0…1) for one text; all zero when no feature is known."""
        m = self.margins(text)
        return np.zeros(len(self.labels)) if m is None else calibrate(m)

    def predict(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` subclasses with their scores, best first (empty for text with no known feature)."""
        m = self.margins(text)
        if m is None:
            return []
        best = np.argsort(-m)[:top]
        scores = calibrate(m[best])
        return [(self.labels[i], round(float(s), 4)) for i, s in zip(best, scores)]

    def predict_set(self, text: str, threshold: float | None = None, max_labels: int = MAX_SET) -> list[str]:
        """The set-valued prediction: the best subclass plus every other scoring ≥ ``threshold``."""
        return choose_set(self.predict(text, max_labels), threshold, max_labels)


def choose_set(ranked: Sequence[tuple[str, float]], threshold: float | None = None,
               max_labels: int = MAX_SET) -> list[str]:
    """The best label of a ranked list and the others scoring ≥ ``threshold`` (default ``THRESHOLD``),
    at most ``max_labels``."""
    threshold = THRESHOLD if threshold is None else threshold
    return [c for n, (c, s) in enumerate(ranked[:max_labels]) if n == 0 or s >= threshold]


def fit(titles: Sequence[str], label_sets: Sequence[Sequence[str]], ipc_docs: Sequence[tuple[str, str]],
        *, meta: dict | None = None, min_df: int = 1, scheme_min_df: int = SCHEME_MIN_DF, c: float = C,
        aug_weight: float = AUG_WEIGHT, en_weight: float = EN_WEIGHT, threads: int = 2) -> Model:
    """Train on patent titles (multi-label) and (subclass, text) documents from the IPC scheme.

    The feature space is that of the titles plus what only the scheme documents hold (see
    :func:`_vocabulary`), so a subclass known only from the scheme, and English text, can be predicted.
    """
    import scipy.sparse as sp

    labels = sorted({l for ls in label_sets for l in ls} | {s for s, _ in ipc_docs})
    index = {l: i for i, l in enumerate(labels)}
    docs = [features(t) for t in titles] + [features(t) for _, t in ipc_docs]
    tfidf = _vocabulary(docs[:len(titles)], docs[len(titles):], min_df, scheme_min_df)
    x = _matrix(tfidf, docs, sp)
    y_rows = [[index[l] for l in ls] for ls in label_sets] + [[index[s]] for s, _ in ipc_docs]
    y = sp.csc_matrix((np.ones(sum(map(len, y_rows)), dtype=np.int8),
                       (np.repeat(np.arange(len(y_rows)), [len(r) for r in y_rows]),
                        np.concatenate([np.array(r, dtype=np.int64) for r in y_rows] or [np.empty(0, np.int64)]))),
                      shape=(len(y_rows), len(labels)))
    sample_weight = np.r_[np.ones(len(titles)),
                          [aug_weight if _CJK_RUN.search(t) else en_weight for _, t in ipc_docs]]
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:  # liblinear releases the GIL
        results = list(pool.map(lambda j: _fit_one(x, y[:, j].toarray().ravel(), sample_weight, c),
                                range(len(labels))))
    w = np.zeros((x.shape[1], len(labels)), dtype=np.float32)
    bias = np.empty(len(labels), dtype=np.float32)
    for j, (coef, intercept) in enumerate(results):
        w[:, j], bias[j] = coef, intercept
    indptr, label_idx, weights = _sparse_weights(w)
    info = {"format": FORMAT, "c": c, "aug_weight": aug_weight, "en_weight": en_weight, "ngrams": list(NGRAMS),
            "min_df": min_df, "scheme_min_df": scheme_min_df,
            "titles": len(titles), "ipc_docs": len(ipc_docs), "features": x.shape[1], "labels": len(labels),
            "stored_weights": len(weights)}
    return Model(tfidf, labels, indptr, label_idx, weights, bias, info | (meta or {}))


def _vocabulary(title_docs: Sequence[Sequence[str]], scheme_docs: Sequence[Sequence[str]], min_df: int,
                scheme_min_df: int) -> Tfidf:
    """The feature space: features with IDF from the titles (in ≥ ``min_df`` titles; the scheme's wording
    would dilute the IDF), then features found only in the scheme documents (in ≥ ``scheme_min_df`` of
    them: English words, Chinese terms no title uses) with their IDF among the scheme documents."""
    titles = Tfidf.fit(title_docs, min_df=min_df)
    scheme = Tfidf.fit(scheme_docs, min_df=scheme_min_df)
    vocab = dict(titles.vocab)
    extra = [t for t in scheme.vocab if t not in vocab]
    vocab.update((t, len(titles.vocab) + n) for n, t in enumerate(extra))
    idf = np.concatenate([titles.idf, scheme.idf[[scheme.vocab[t] for t in extra]]]).astype(np.float32)
    return Tfidf(vocab, idf)


def _matrix(tfidf: Tfidf, docs: Sequence[Sequence[str]], sp):
    vectors = [tfidf.vector(d) for d in docs]
    indptr = np.cumsum([0] + [len(i) for i, _ in vectors])
    cols = np.concatenate([i for i, _ in vectors] or [np.empty(0, np.int32)])
    vals = np.concatenate([v for _, v in vectors] or [np.empty(0, np.float32)])
    return sp.csr_matrix((vals.astype(np.float64), cols, indptr), shape=(len(docs), len(tfidf.vocab)))


def _fit_one(x, y: np.ndarray, sample_weight: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """(coefficients, intercept) of one label's SVM; a label with no positive example gets a large
    negative intercept, so it never ranks above a trained one."""
    from sklearn.svm import LinearSVC

    if y.sum() == 0:
        return np.zeros(x.shape[1], dtype=np.float32), -10.0
    svm = LinearSVC(C=c, dual=True, max_iter=2000).fit(x, y, sample_weight=sample_weight)
    return svm.coef_[0].astype(np.float32), float(svm.intercept_[0])


def _sparse_weights(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature-major sparse form of the weight matrix, dropping weights below ``PRUNE``."""
    keep = np.abs(w) >= PRUNE
    rows, cols = np.nonzero(keep)
    indptr = np.zeros(w.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), cols.astype(np.int32), w[rows, cols].astype(np.float32)


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
    """Write the model as one compressed ``.npz`` (vocabulary and labels in a JSON header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    vocab = sorted(model.tfidf.vocab, key=model.tfidf.vocab.get)
    header = json.dumps({"format": FORMAT, "vocab": vocab, "labels": model.labels, "meta": model.meta},
                        ensure_ascii=False)
    np.savez_compressed(path, header=np.frombuffer(header.encode("utf-8"), dtype=np.uint8), idf=model.tfidf.idf,
                        indptr=model.indptr, label_idx=model.label_idx, weights=model.weights, bias=model.bias)
    return path


class ModelFormatError(ValueError):
    """A model file written by another version of the classifier."""


def load(path: Path) -> Model:
    """Read a model written by :func:`save`; raises :class:`ModelFormatError` for an older format."""
    with np.load(path) as z:
        header = json.loads(z["header"].tobytes().decode("utf-8"))
        if header.get("format") != FORMAT:
            raise ModelFormatError(f"{path} was trained by an older classifier: run `panhuo taxonomy train` again")
        tfidf = Tfidf({t: i for i, t in enumerate(header["vocab"])}, z["idf"])
        return Model(tfidf, header["labels"], z["indptr"], z["label_idx"], z["weights"], z["bias"], header["meta"])
