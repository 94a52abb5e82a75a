"""Keyphrase extraction for patents and demands (pure).

:func:`extract` is Panhuo's extractor: candidates are nouns, noun-like verbs and short noun chunks from
rjieba's POS tags; each is scored by corpus-weighted term frequency, where it first appears, whether it is
in the title, its length and a boilerplate penalty, then near-duplicates are folded.  Two baselines are
kept beside it for the benchmark: :func:`tfidf_baseline` (jieba.analyse-style TF-IDF with corpus IDF) and
:func:`textrank_baseline` (jieba.analyse-style TextRank, window 5, PageRank on co-occurrence).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from panhuo.search.text import Analyzer, default_analyzer, normalize

# rjieba POS tags (ICTCLAS set) that can head a technical term.
NOUN_TAGS = frozenset({"n", "nz", "vn", "ng", "nt", "nr", "nrt", "ns", "l", "j", "eng", "an", "i", "nrfg", "x"})
VERB_TAGS = frozenset({"v", "vd", "vg"})
MODIFIER_TAGS = frozenset({"a", "b", "ad", "ag", "d"}) | NOUN_TAGS


@dataclass
class DocumentFrequency:
    """How many documents of a corpus contain each word: the IDF source for every scorer."""

    n_docs: int = 0
    df: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts: Iterable[str], analyzer: Analyzer | None = None) -> DocumentFrequency:
        """Count document frequencies of the segments (and noun chunks) of ``texts``."""
        analyzer = analyzer or default_analyzer()
        counts: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            tagged = analyzer.tagged(text)
            words = {w for w, _ in tagged}
            words.update(c for c, _ in _chunks(tagged, analyzer))
            counts.update(words)
        return cls(n_docs=n, df=dict(counts))

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency (unseen words get the maximum)."""
        return math.log((self.n_docs + 1) / (self.df.get(word, 0) + 1)) + 1.0

    def to_dict(self) -> dict:
        return {"n_docs": self.n_docs, "df": self.df}

    @classmethod
    def from_dict(cls, data: dict) -> DocumentFrequency:
        return cls(n_docs=int(data.get("n_docs", 0)), df=dict(data.get("df", {})))


@dataclass(frozen=True)
class Weights:
    """Tunable factors of :func:`extract` (defaults chosen on the KPPatent-ZH train split, see docs/search.md)."""

    position: float = 0.5  # bonus for appearing early: 1 + position × (1 − first/len)
    single_char: float = 1.0  # one-character words (槽, 孔) are often gold tags in patents
    long_word: float = 0.9  # words longer than 4 characters
    verb: float = 1.0  # verbs (检测, 加热) are as good tags as nouns on KPPatent-ZH
    chunk: float = 0.5  # noun chunks (锂离子电池) relative to single words
    chunk_min_df: int = 2  # a chunk must recur in the corpus to be a candidate
    title: float = 1.5
    fold: bool = False  # drop phrases contained in (or containing) a better-ranked one


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Keyword:
    phrase: str
    score: float


def _chunks(tagged: list[tuple[str, str]], analyzer: Analyzer) -> list[tuple[str, int]]:
    """Noun chunks: 2–3 consecutive modifier/noun words ending in a noun, with their word index."""
    stop = analyzer.stop.boilerplate
    out = []
    n = len(tagged)
    for i in range(n):
        for size in (2, 3):
            j = i + size
            if j > n:
                break
            part = tagged[i:j]
            if any(w in stop or pos not in MODIFIER_TAGS for w, pos in part):
                break
            if part[-1][1] not in NOUN_TAGS:
                continue
            phrase = "".join(w for w, _ in part) if not any(p == "eng" for _, p in part) else " ".join(
                w for w, _ in part)
            if len(phrase) <= 10:
                out.append((phrase, i))
    return out


def _usable(word: str, pos: str, analyzer: Analyzer) -> bool:
    stop = analyzer.stop
    return (word not in stop.boilerplate and word not in stop.generic and word not in stop.english
            and not word.isdigit() and (pos in NOUN_TAGS or pos in VERB_TAGS))


def extract(text: str, *, top: int = 10, title: str | None = None, stats: DocumentFrequency | None = None,
            analyzer: Analyzer | None = None, weights: Weights = DEFAULT_WEIGHTS) -> list[Keyword]:
    """Ranked keyphrases of one document (title weighs more when given)."""
    analyzer = analyzer or default_analyzer()
    stats = stats or DocumentFrequency()
    body = analyzer.tagged(text or "")
    head = analyzer.tagged(title) if title else []
    tagged = head + body
    if not tagged:
        return []
    title_words = {w for w, _ in head}
    total = len(tagged)
    tf: Counter[str] = Counter()
    first: dict[str, int] = {}
    kind: dict[str, float] = {}
    for idx, (word, pos) in enumerate(tagged):
        if not _usable(word, pos, analyzer):
            continue
        tf[word] += 1
        first.setdefault(word, idx)
        kind[word] = weights.verb if pos in VERB_TAGS else 1.0
    if weights.chunk > 0:
        for phrase, idx in _chunks(tagged, analyzer):
            if phrase in analyzer.stop.generic or (stats.n_docs and stats.df.get(phrase, 0) < weights.chunk_min_df):
                continue
            tf[phrase] += 1
            first.setdefault(phrase, idx)
            kind[phrase] = weights.chunk
    scores = {}
    for word, count in tf.items():
        position = 1.0 + weights.position * (1.0 - first[word] / total)
        length = weights.single_char if len(word) == 1 else (1.0 if len(word) <= 4 else weights.long_word)
        in_title = weights.title if word in title_words else 1.0
        scores[word] = (1.0 + math.log(count)) * stats.idf(word) * position * length * in_title * kind[word]
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], first[kv[0]]))
    return _fold(ranked, top, weights.fold)


def _fold(ranked: list[tuple[str, float]], top: int, fold: bool = True) -> list[Keyword]:
    """Drop a phrase already covered by a higher-ranked phrase that contains it, and vice versa."""
    out: list[Keyword] = []
    for phrase, score in ranked:
        if fold and any(phrase in k.phrase or k.phrase in phrase for k in out if len(k.phrase) > 1 and len(phrase) > 1):
            continue
        out.append(Keyword(phrase, round(score, 4)))
        if len(out) >= top:
            break
    return out


def tfidf_baseline(text: str, *, top: int = 10, stats: DocumentFrequency | None = None,
                   analyzer: Analyzer | None = None) -> list[Keyword]:
    """Baseline: jieba.analyse.extract_tags style — words of ≥ 2 chars, tf × idf, stop words removed."""
    analyzer = analyzer or default_analyzer()
    stats = stats or DocumentFrequency()
    words = [w for w, _ in analyzer.tagged(text)
             if len(w) >= 2 and w not in analyzer.stop.boilerplate and w not in analyzer.stop.english]
    if not words:
        return []
    tf = Counter(words)
    scored = sorted(((w, c / len(words) * stats.idf(w)) for w, c in tf.items()), key=lambda kv: -kv[1])
    return [Keyword(w, round(s, 4)) for w, s in scored[:top]]


TEXTRANK_TAGS = frozenset({"ns", "n", "vn", "v"})


def textrank_baseline(text: str, *, top: int = 10, window: int = 5, analyzer: Analyzer | None = None,
                      iterations: int = 30, damping: float = 0.85) -> list[Keyword]:
    """Baseline: jieba.analyse.textrank style — ns/n/vn/v words of ≥ 2 chars, co-occurrence window 5."""
    analyzer = analyzer or default_analyzer()
    tagged = analyzer.tagged(text)
    keep = [w if (pos in TEXTRANK_TAGS and len(w) >= 2 and w not in analyzer.stop.boilerplate) else None
            for w, pos in tagged]
    graph: dict[str, Counter[str]] = defaultdict(Counter)
    for i, word in enumerate(keep):
        if word is None:
            continue
        for other in keep[i + 1:i + window]:
            if other is not None and other != word:
                graph[word][other] += 1
                graph[other][word] += 1
    if not graph:
        return []
    rank = {w: 1.0 for w in graph}
    out_weight = {w: sum(edges.values()) for w, edges in graph.items()}
    for _ in range(iterations):
        rank = {w: (1 - damping) + damping * sum(rank[o] * c / out_weight[o] for o, c in graph[w].items())
                for w in graph}
    scored = sorted(rank.items(), key=lambda kv: -kv[1])
    return [Keyword(w, round(s, 4)) for w, s in scored[:top]]


def phrases(keywords: list[Keyword]) -> list[str]:
    return [k.phrase for k in keywords]


def present(keyphrases: Iterable[str], text: str) -> list[str]:
    """The gold keyphrases that occur in the (normalised) text."""
    value = normalize(text)
    return [k for k in keyphrases if k and normalize(k) in value]
