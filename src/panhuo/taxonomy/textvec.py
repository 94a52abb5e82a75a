"""Text features and sparse TF-IDF vectors in numpy (pure: no I/O).

Chinese text gives rjieba words plus character bigrams and trigrams (robust to segmentation errors and to
unseen compounds); Latin text gives lower-cased, stemmed words.  :class:`SparseRows` is a small
compressed-column matrix whose :meth:`SparseRows.dot` scores one query against every row through the
inverted index, which is what the classifier and the IPC↔industry text similarity need.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import rjieba
import Stemmer
import zhconv

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z][a-z0-9\-]+")
_BRACKETS = re.compile(r"[（(\[〔【][^）)\]〕】]*[）)\]〕】]")
_stemmer = Stemmer.Stemmer("english")

# Boilerplate of patent titles and classification headings: frequent, uninformative.
STOP = frozenset(["一种", "及其", "其", "的", "和", "与", "或", "及", "用于", "用", "于", "方法", "装置", "系统", "设备", "结构", "以及", "基于", "一", "种", "等", "中", "在", "所述", "具有", "包括", "例如", "其他", "其它", "不包括", "本", "小类", "大类", "类目", "组", "入", "指", "对", "为", "由", "该", "个", "上", "下", "并", "利用", "采用", "应用", "使用", "制备", "制造", "生产", "制品", "专门", "the", "of", "and", "or", "for", "a", "an", "in", "on", "to", "with", "by", "from", "its", "their", "as", "e", "g", "i", "other", "not", "covered", "provided", "groups", "group", "subclass", "therefor", "thereof", "specially", "adapted", "means", "method", "methods", "apparatus", "system", "systems", "device", "devices"])


def clean(text: str) -> str:
    """Simplified Chinese, lower case, without bracketed references such as （入A01C5/00）."""
    text = zhconv.convert(text or "", "zh-cn").lower()
    return _BRACKETS.sub(" ", text)


def tokens(text: str, *, ngrams: tuple[int, ...] = (2, 3)) -> list[str]:
    """Feature strings of one text: ``w:`` words, ``c:`` CJK character n-grams, ``e:`` English stems."""
    text = clean(text)
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out += [f"w:{w}" for w in rjieba.cut(run) if w not in STOP and len(w) > 1]
        for n in ngrams:
            out += [f"c:{run[i:i + n]}" for i in range(len(run) - n + 1)]
    words = [w for w in _LATIN.findall(text) if w not in STOP]
    out += [f"e:{s}" for s in _stemmer.stemWords(words)]
    return out


@dataclass
class Tfidf:
    """Vocabulary and inverse document frequencies; vectors are sublinear-tf × idf, L2-normalised."""

    vocab: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, docs: Iterable[Sequence[str]], *, min_df: int = 1) -> Tfidf:
        df: Counter[str] = Counter()
        n = 0
        for doc in docs:
            n += 1
            df.update(set(doc))
        kept = sorted(t for t, c in df.items() if c >= min_df)
        vocab = {t: i for i, t in enumerate(kept)}
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept], dtype=np.float32)
        return cls(vocab, idf)

    def vector(self, doc: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, weights) of one tokenised document; empty arrays when nothing is known."""
        counts = Counter(self.vocab[t] for t in doc if t in self.vocab)
        if not counts:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        val = (1.0 + np.log(tf)) * self.idf[idx]
        norm = float(np.sqrt((val * val).sum())) or 1.0
        return idx, (val / norm).astype(np.float32)


class SparseRows:
    """Rows of sparse vectors stored column-wise (feature → rows), for fast query × all-rows products."""

    def __init__(self, vectors: Sequence[tuple[np.ndarray, np.ndarray]], n_features: int):
        self.n_rows = len(vectors)
        rows = np.concatenate([np.full(len(i), r, dtype=np.int32) for r, (i, _) in enumerate(vectors)]
                              or [np.empty(0, np.int32)])
        cols = np.concatenate([i for i, _ in vectors] or [np.empty(0, np.int32)])
        vals = np.concatenate([v for _, v in vectors] or [np.empty(0, np.float32)])
        order = np.argsort(cols, kind="stable")
        self.rows, self.vals = rows[order], vals[order].astype(np.float32)
        self.indptr = np.zeros(n_features + 1, dtype=np.int64)
        np.add.at(self.indptr, cols + 1, 1)
        self.indptr = np.cumsum(self.indptr)

    def dot(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Scores of every row against the query vector (length ``n_rows``)."""
        if len(idx) == 0:
            return np.zeros(self.n_rows, dtype=np.float32)
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        lengths = ends - starts
        if lengths.sum() == 0:
            return np.zeros(self.n_rows, dtype=np.float32)
        positions = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])
        weights = self.vals[positions] * np.repeat(val, lengths)
        return np.bincount(self.rows[positions], weights=weights, minlength=self.n_rows).astype(np.float32)
