"""Free text → ranked IPC subclasses in two stages: linear SVMs on character n-grams, then a learned reranker.

Stage 1 (:func:`features`, :func:`_fit_svm`): CJK character 1–3-grams of the simplified, lower-cased text plus
stemmed English words, sublinear TF-IDF, L2-normalised; one linear SVM per subclass (scikit-learn
``LinearSVC``, liblinear) trained on the patent titles of ``cn-patent-titles-ipc`` plus, as documents of weight
``AUG_WEIGHT``, the IPC scheme itself (per main group, the Chinese titles of the group and its subgroups, and
the same in English), so subclasses with few or no patents and English queries are covered.

Stage 2 (:class:`Reranker`): the ``CANDIDATES`` best subclasses of stage 1 are re-scored by a gradient-boosted
classifier that estimates P(subclass is right | evidence).  Its evidence per candidate (:func:`candidate_features`)
is the SVM margin and rank, the gaps to the best candidate, how common the subclass is, how often it is given
together with the other top candidates, whether candidates share a class or section, the shape of the title,
and a vote of the ``NEIGHBOURS`` training titles nearest in a multilingual sentence embedding (the search
feature's embedder, passed in: this module does no I/O).  It is trained on out-of-fold stage-1 margins
(``FOLDS``-fold cross-fitting over the training titles) so that it sees margins as they are on unseen text.
Its output is a probability, so scores are calibrated by construction; the set-valued prediction
(:meth:`Model.predict_set`) keeps the best subclass and every other one whose probability is ≥ the threshold
chosen on the out-of-fold predictions (at most ``MAX_SET``).

The SVM weight matrix is stored sparse (feature → labels, weights below ``PRUNE`` dropped) so scoring one text
is a gather over its few features.  The model is a build artefact in ``<workspace>/models/`` (``panhuo taxonomy
train``), never committed; it contains a pickled scikit-learn estimator, so only load model files this
installation wrote.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import re
from collections.abc import Callable, Sequence
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
SCHEME_MIN_DF = 3  # a feature found only in IPC scheme documents must occur in this many of them
PRUNE = 0.01  # SVM weights below this (absolute) are dropped from the stored model
CANDIDATES = 10  # stage-1 subclasses the reranker re-scores
NEIGHBOURS = 10  # nearest training titles whose subclasses vote
FOLDS = 4  # cross-fitting folds for the reranker's training margins
THRESHOLD = 0.25  # set prediction default; a trained model carries the threshold chosen on its own data
MAX_SET = 3
MODEL_FILE = "ipc-classifier.npz"
FORMAT = 3

Embed = Callable[[Sequence[str]], np.ndarray]  # texts → (n, dim) float32, rows L2-normalised

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


@dataclass
class Svm:
    """Stage 1: one linear SVM per subclass, stored feature-major and sparse."""

    tfidf: Tfidf
    labels: list[str]
    indptr: np.ndarray  # feature f's weights are label_idx/weights[indptr[f]:indptr[f+1]]
    label_idx: np.ndarray
    weights: np.ndarray
    bias: np.ndarray  # per label

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


@dataclass
class LabelStats:
    """What the reranker knows of the labels: frequency, co-occurrence and place in the IPC hierarchy.

    Counted over all training titles, each title's own labels included, also when the reranker learns from
    that title: leaving a title out makes a subclass seen once look unseen, which taught the reranker to
    promote subclasses no title has (validation set F1 0.26 instead of 0.43).
    """

    freq: np.ndarray  # training titles per label
    cooc: np.ndarray  # (labels, labels): share of the titles with label a that also have label b
    klass: np.ndarray  # class id (first three characters) per label
    section: np.ndarray  # section id (first character) per label

    @classmethod
    def of(cls, labels: Sequence[str], rows: Sequence[Sequence[int]]) -> LabelStats:
        n = len(labels)
        freq = np.zeros(n, dtype=np.float32)
        pairs = np.zeros((n, n), dtype=np.float32)
        for row in rows:
            freq[list(row)] += 1
            for a in row:
                for b in row:
                    if a != b:
                        pairs[a, b] += 1
        klass = np.unique([l[:3] for l in labels], return_inverse=True)[1]
        section = np.unique([l[:1] for l in labels], return_inverse=True)[1]
        return cls(freq, pairs / np.maximum(freq, 1)[:, None], klass.astype(np.int32), section.astype(np.int32))


N_FEATURES = 17


def candidate_features(margins: np.ndarray, top: np.ndarray, vote: np.ndarray, stats: LabelStats,
                       text: str) -> np.ndarray:
    """The reranker's evidence for each candidate ``top[k]`` of one text: a (len(top), N_FEATURES) array.

    ``margins``: stage-1 margin per label; ``top``: candidate label indices, best margin first; ``vote``:
    neighbour vote per label.
    """
    freq, cooc = stats.freq, stats.cooc
    m = margins[top].astype(np.float64)
    best = top[0]
    second = m[1] if len(m) > 1 else -2.0
    third = m[2] if len(m) > 2 else -2.0
    vote_total = float(vote.sum()) or 1.0
    n_conj = sum(text.count(w) for w in ("及", "和", "与", " and "))
    confident = float((m > -0.5).sum())
    rows = np.empty((len(top), N_FEATURES), dtype=np.float32)
    for rank, j in enumerate(top):
        same_class = [m[k] for k, other in enumerate(top) if other != j and stats.klass[other] == stats.klass[j]]
        rows[rank] = (
            m[rank], rank, m[rank] - m[0], (second - m[0]) if rank == 0 else 0.0,
            math.log1p(freq[j]), cooc[best, j] if rank else 1.0, vote[j], max(same_class, default=-2.0),
            float(stats.section[j] == stats.section[best]), float(stats.klass[j] == stats.klass[best]),
            len(text), n_conj, confident, second, third, vote[j] / vote_total,
            max((cooc[k, j] for k in top[:3] if k != j), default=0.0),
        )
    return rows


def _top(margins: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(margins))
    part = np.argpartition(-margins, k - 1)[:k]
    return part[np.argsort(-margins[part], kind="stable")]


@dataclass
class Reranker:
    """Stage 2: P(subclass is right) for the stage-1 candidates, from :func:`candidate_features`."""

    estimator: object  # a fitted scikit-learn classifier with predict_proba
    neighbours: np.ndarray  # (titles, dim) embeddings of the training titles
    neighbour_indptr: np.ndarray  # title t's labels are neighbour_labels[indptr[t]:indptr[t + 1]]
    neighbour_labels: np.ndarray
    stats: LabelStats
    threshold: float = THRESHOLD

    def votes(self, vectors: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
        """(n, labels) votes of the ``NEIGHBOURS`` nearest training titles (cosine cubed, negatives ignored);
        ``exclude[i]`` is a training title not to count for row i (itself, when scoring training titles)."""
        out = np.zeros((len(vectors), len(self.stats.freq)), dtype=np.float32)
        k = min(NEIGHBOURS, len(self.neighbours) - (exclude is not None))
        if k <= 0:
            return out
        for start in range(0, len(vectors), 1024):
            sims = np.asarray(vectors[start:start + 1024], dtype=np.float32) @ self.neighbours.T
            if exclude is not None:
                sims[np.arange(len(sims)), exclude[start:start + 1024]] = -np.inf
            near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for r, row in enumerate(near):
                for t in row:
                    labels = self.neighbour_labels[self.neighbour_indptr[t]:self.neighbour_indptr[t + 1]]
                    out[start + r, labels] += max(float(sims[r, t]), 0.0) ** 3
        return out

    def rank(self, margins: np.ndarray, vote: np.ndarray, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(candidate label indices, probabilities), most probable first, for one text."""
        top = _top(margins, CANDIDATES)
        p = self.estimator.predict_proba(candidate_features(margins, top, vote, self.stats, text))[:, 1]
        order = np.argsort(-p, kind="stable")
        return top[order], p[order]


@dataclass
class Model:
    svm: Svm
    reranker: Reranker
    meta: dict = field(default_factory=dict)
    embed: Embed | None = None  # the sentence embedder; not stored, given again by :func:`load`

    @property
    def labels(self) -> list[str]:
        return self.svm.labels

    @property
    def threshold(self) -> float:
        return self.reranker.threshold

    def margins(self, text: str) -> np.ndarray | None:
        """Stage-1 SVM margin per label; ``None`` when the text has no known feature."""
        return self.svm.margins(text)

    def predict_many(self, texts: Sequence[str], top: int = 5) -> list[list[tuple[str, float]]]:
        """For each text, up to ``top`` (≤ ``CANDIDATES``) subclasses with their probability, most probable
        first; an empty list for a text with no known feature."""
        if self.embed is None:
            raise RuntimeError("the classifier needs its sentence embedder: load it with classifier.load(path, embed)")
        margins = [self.svm.margins(t) for t in texts]
        known = [i for i, m in enumerate(margins) if m is not None]
        out: list[list[tuple[str, float]]] = [[] for _ in texts]
        if not known:
            return out
        votes = self.reranker.votes(self.embed([texts[i] for i in known]))
        for row, i in enumerate(known):
            labels, p = self.reranker.rank(margins[i], votes[row], clean(texts[i]))
            out[i] = [(self.labels[j], round(float(s), 4)) for j, s in zip(labels[:top], p[:top])]
        return out

    def predict(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` most probable subclasses of one text with their probabilities (empty for a text with
        no known feature)."""
        return self.predict_many([text], top)[0]

    def predict_sets(self, texts: Sequence[str], threshold: float | None = None,
                     max_labels: int = MAX_SET) -> list[list[str]]:
        """:meth:`predict_set` for many texts at once (one embedding batch)."""
        threshold = self.threshold if threshold is None else threshold
        return [choose_set(r, threshold, max_labels) for r in self.predict_many(texts, max_labels)]

    def predict_set(self, text: str, threshold: float | None = None, max_labels: int = MAX_SET) -> list[str]:
        """The set-valued prediction: the most probable subclass plus every other with probability ≥
        ``threshold`` (default: the one chosen when the model was trained)."""
        return self.predict_sets([text], threshold, max_labels)[0]


def choose_set(ranked: Sequence[tuple[str, float]], threshold: float | None = None,
               max_labels: int = MAX_SET) -> list[str]:
    """The best label of a ranked list and the others scoring ≥ ``threshold`` (default ``THRESHOLD``),
    at most ``max_labels``."""
    threshold = THRESHOLD if threshold is None else threshold
    return [c for n, (c, s) in enumerate(ranked[:max_labels]) if n == 0 or s >= threshold]


# --- training -----------------------------------------------------------------------------------------------

def fit(titles: Sequence[str], label_sets: Sequence[Sequence[str]], ipc_docs: Sequence[tuple[str, str]],
        *, embed: Embed, meta: dict | None = None, min_df: int = 1, scheme_min_df: int = SCHEME_MIN_DF,
        c: float = C, aug_weight: float = AUG_WEIGHT, en_weight: float = EN_WEIGHT, folds: int = FOLDS,
        seed: int = SEED, threads: int = 2, progress: Callable[[str], None] | None = None) -> Model:
    """Train both stages on patent titles (multi-label) and (subclass, text) documents from the IPC scheme.

    The feature space is that of the titles plus what only the scheme documents hold (see
    :func:`_vocabulary`), so a subclass known only from the scheme, and English text, can be predicted.
    The reranker learns from margins of SVMs that did not see the title (``folds``-fold cross-fitting).
    """
    import scipy.sparse as sp

    say = progress or (lambda _msg: None)
    labels = sorted({l for ls in label_sets for l in ls} | {s for s, _ in ipc_docs})
    index = {l: i for i, l in enumerate(labels)}
    title_docs = [features(t) for t in titles]
    scheme_docs = [features(t) for _, t in ipc_docs]
    tfidf = _vocabulary(title_docs, scheme_docs, min_df, scheme_min_df)
    x_titles, x_scheme = _matrix(tfidf, title_docs, sp), _matrix(tfidf, scheme_docs, sp)
    title_rows = [sorted({index[l] for l in ls}) for ls in label_sets]
    y_titles, y_scheme = _label_matrix(title_rows, len(labels), sp), _label_matrix(
        [[index[s]] for s, _ in ipc_docs], len(labels), sp)
    w_scheme = np.array([aug_weight if _CJK_RUN.search(t) else en_weight for _, t in ipc_docs])

    def svm_on(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _fit_svm(sp.vstack([x_titles[rows], x_scheme]).tocsr(), sp.vstack([y_titles[rows], y_scheme]).tocsc(),
                        np.r_[np.ones(len(rows)), w_scheme], c, threads)

    say("stage 1: SVMs on all titles")
    w, bias = svm_on(np.arange(len(titles)))
    oof = np.empty((len(titles), len(labels)), dtype=np.float32)
    fold_of = np.random.default_rng(seed).permutation(len(titles)) % max(2, folds)
    for f in range(max(2, folds)):
        say(f"stage 2: cross-fitted margins, fold {f + 1}/{max(2, folds)}")
        held = np.flatnonzero(fold_of == f)
        wf, bf = svm_on(np.flatnonzero(fold_of != f))
        oof[held] = x_titles[held] @ wf + bf
    say("stage 2: embedding the titles and training the reranker")
    vectors = np.asarray(embed(list(titles)), dtype=np.float32)
    reranker = _fit_reranker(oof, vectors, title_rows, labels, [clean(t) for t in titles], seed)
    indptr, label_idx, weights = _sparse_weights(w)
    info = {"format": FORMAT, "c": c, "aug_weight": aug_weight, "en_weight": en_weight, "ngrams": list(NGRAMS),
            "min_df": min_df, "scheme_min_df": scheme_min_df, "folds": max(2, folds), "candidates": CANDIDATES,
            "neighbours": NEIGHBOURS, "threshold": reranker.threshold,
            "titles": len(titles), "ipc_docs": len(ipc_docs), "features": x_titles.shape[1], "labels": len(labels),
            "stored_weights": len(weights)}
    return Model(Svm(tfidf, labels, indptr, label_idx, weights, bias), reranker, info | (meta or {}), embed)


def _fit_reranker(oof: np.ndarray, vectors: np.ndarray, title_rows: Sequence[Sequence[int]], labels: list[str],
                  texts: Sequence[str], seed: int) -> Reranker:
    from sklearn.ensemble import HistGradientBoostingClassifier

    indptr = np.cumsum([0] + [len(r) for r in title_rows]).astype(np.int64)
    flat = np.array([l for r in title_rows for l in r], dtype=np.int32)
    reranker = Reranker(None, vectors, indptr, flat, LabelStats.of(labels, title_rows))
    votes = reranker.votes(vectors, exclude=np.arange(len(vectors)))
    xs, ys, owner = [], [], []
    for i, (margins, rows) in enumerate(zip(oof, title_rows)):
        top = _top(margins, CANDIDATES)
        xs.append(candidate_features(margins, top, votes[i], reranker.stats, texts[i]))
        ys.append(np.isin(top, rows))
        owner.append(np.full(len(top), i))
    x, y, owner = np.vstack(xs), np.concatenate(ys), np.concatenate(owner)
    if y.all() or not y.any():  # degenerate (tiny) training data: rank by margin alone
        reranker.estimator = _MarginOnly()
    else:
        reranker.estimator = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                                            random_state=seed).fit(x, y)
    p = reranker.estimator.predict_proba(x)[:, 1]
    reranker.threshold = _best_threshold(p, y, owner, [len(r) for r in title_rows])
    return reranker


class _MarginOnly:
    """Stand-in estimator for training data too small to learn from: the calibrated margin."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-4.0 * x[:, 0]))
        return np.c_[1 - p, p]


def _best_threshold(p: np.ndarray, y: np.ndarray, owner: np.ndarray, n_gold: Sequence[int]) -> float:
    """The probability threshold of the set prediction (best + others ≥ t, ≤ MAX_SET) with the best micro-F1."""
    order = np.lexsort((-p, owner))
    p, y, owner = p[order], y[order], owner[order]
    rank = np.arange(len(p)) - np.searchsorted(owner, owner)
    gold_total = float(sum(n_gold))
    best = (-1.0, THRESHOLD)
    for t in np.round(np.arange(0.05, 0.76, 0.025), 3):
        chosen = (rank == 0) | ((rank < MAX_SET) & (p >= t))
        tp = float(y[chosen].sum())
        precision, recall = tp / max(chosen.sum(), 1), tp / max(gold_total, 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best[0]:
            best = (f1, float(t))
    return best[1]


def _label_matrix(rows: Sequence[Sequence[int]], n_labels: int, sp):
    cols = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows] or [np.empty(0, np.int64)])
    owners = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    return sp.csr_matrix((np.ones(len(cols), dtype=np.int8), (owners, cols)), shape=(len(rows), n_labels))


def _fit_svm(x, y, sample_weight: np.ndarray, c: float, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """(weights (features × labels), intercepts) of one linear SVM per label column of ``y``."""
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:  # liblinear releases the GIL
        results = list(pool.map(lambda j: _fit_one(x, y[:, j].toarray().ravel(), sample_weight, c),
                                range(y.shape[1])))
    w = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    bias = np.empty(y.shape[1], dtype=np.float32)
    for j, (coef, intercept) in enumerate(results):
        w[:, j], bias[j] = coef, intercept
    return w, bias


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
    negative intercept, so it never ranks above a trained one (one that every document has: a large positive)."""
    from sklearn.svm import LinearSVC

    if y.sum() == 0 or y.all():
        return np.zeros(x.shape[1], dtype=np.float32), -10.0 if y.sum() == 0 else 10.0
    svm = LinearSVC(C=c, dual=True, max_iter=2000, random_state=0).fit(x, y, sample_weight=sample_weight)
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
    """Write the model as one compressed ``.npz`` (vocabulary and labels in a JSON header, the reranker's
    estimator pickled)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    svm, rr = model.svm, model.reranker
    vocab = sorted(svm.tfidf.vocab, key=svm.tfidf.vocab.get)
    header = json.dumps({"format": FORMAT, "vocab": vocab, "labels": svm.labels, "meta": model.meta,
                         "threshold": rr.threshold}, ensure_ascii=False)
    estimator = pickle.dumps(rr.estimator, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, header=np.frombuffer(header.encode("utf-8"), dtype=np.uint8), idf=svm.tfidf.idf,
                        indptr=svm.indptr, label_idx=svm.label_idx, weights=svm.weights, bias=svm.bias,
                        estimator=np.frombuffer(estimator, dtype=np.uint8),
                        neighbours=rr.neighbours.astype(np.float16), neighbour_indptr=rr.neighbour_indptr,
                        neighbour_labels=rr.neighbour_labels, freq=rr.stats.freq, cooc=rr.stats.cooc,
                        klass=rr.stats.klass, section=rr.stats.section)
    tmp.replace(path)
    return path


class ModelFormatError(ValueError):
    """A model file written by another version of the classifier, or one that cannot be read."""


def load(path: Path, embed: Embed | None = None) -> Model:
    """Read a model written by :func:`save` (only files this installation wrote: the reranker is a pickle);
    ``embed`` is the sentence embedder it was trained with.  Raises :class:`ModelFormatError` for another
    format or a damaged file (truncated, or a reranker another scikit-learn pickled)."""
    try:
        return _read(path, embed)
    except (ModelFormatError, FileNotFoundError):
        raise
    except Exception as exc:  # whatever the damage, the remedy is the same
        raise ModelFormatError(f"{path} cannot be read ({type(exc).__name__}: {exc}): run `panhuo taxonomy "
                               f"train` again") from exc


def _read(path: Path, embed: Embed | None) -> Model:
    with np.load(path) as z:
        header = json.loads(z["header"].tobytes().decode("utf-8"))
        if header.get("format") != FORMAT:
            raise ModelFormatError(f"{path} was trained by an older classifier: run `panhuo taxonomy train` again")
        tfidf = Tfidf({t: i for i, t in enumerate(header["vocab"])}, z["idf"])
        svm = Svm(tfidf, header["labels"], z["indptr"], z["label_idx"], z["weights"], z["bias"])
        estimator = pickle.load(io.BytesIO(z["estimator"].tobytes()))
        stats = LabelStats(z["freq"], z["cooc"], z["klass"], z["section"])
        reranker = Reranker(estimator, z["neighbours"].astype(np.float32), z["neighbour_indptr"],
                            z["neighbour_labels"], stats, float(header["threshold"]))
        return Model(svm, reranker, header["meta"], embed)
