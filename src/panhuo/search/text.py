"""Text analysis for Chinese, English and mixed patent text (pure: no I/O after the data files load).

- :func:`normalize` — NFKC (full-width → half-width), traditional → simplified (zhconv), whitespace folded.
- :class:`Analyzer` — rjieba segmentation with a domain dictionary, patent boilerplate stop words,
  English lower-casing and Snowball stemming.  ``terms()`` gives index/query terms, ``tagged()`` gives
  (word, POS) pairs for keyword extraction.

One default analyzer is built lazily per process (:func:`default_analyzer`); a domain dictionary is
added with :meth:`Analyzer.add_words` (see :mod:`panhuo.search.lexicon`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import rjieba
import Stemmer
import yaml
import zhconv

_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")
_LATIN_TOKEN = re.compile(r"^[a-z0-9][a-z0-9.\-+]*$")
_NUMBER = re.compile(r"^[0-9][0-9.,%\-]*$")
_WORDCHAR = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")


def _traditional_chars() -> frozenset[str]:
    """The characters zhconv rewrites to a different simplified character."""
    table = zhconv.zhconv.getdict("zh-hans")
    return frozenset(k for k, v in table.items() if len(k) == 1 and k != v)


# zhconv is slow (pure Python); run it only on text holding at least one traditional character.
_MAYBE_TRADITIONAL = _traditional_chars()


@dataclass(frozen=True)
class StopWords:
    """The stop word lists of ``search/data/stopwords.yaml``."""

    boilerplate: frozenset[str]
    generic: frozenset[str]
    english: frozenset[str]
    version: int


@lru_cache(maxsize=1)
def stopwords() -> StopWords:
    """Load the versioned stop word file shipped with the package."""
    raw = yaml.safe_load(resources.files("panhuo.search").joinpath("data/stopwords.yaml").read_text("utf-8"))
    return StopWords(
        boilerplate=frozenset(map(str, raw["patent_boilerplate"] + raw.get("demand_boilerplate", []))),
        generic=frozenset(map(str, raw["generic_keywords"])),
        english=frozenset(map(str, raw["english"])),
        version=int(raw["version"]),
    )


def normalize(text: str | None) -> str:
    """Full-width → half-width (NFKC), traditional → simplified Chinese, whitespace folded, stripped."""
    if not text:
        return ""
    value = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    if not _MAYBE_TRADITIONAL.isdisjoint(value):
        value = zhconv.convert(value, "zh-hans")
    return _SPACE.sub(" ", value).strip()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def is_word(token: str) -> bool:
    """True when the token has at least one letter, digit or CJK character (not punctuation/space)."""
    return bool(_WORDCHAR.search(token))


class Analyzer:
    """Segmentation + normalisation + stop words + stemming, shared by the index, queries and keywords."""

    def __init__(self, words: Iterable[str] = (), *, stop: StopWords | None = None):
        self._jieba = rjieba.Jieba()
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()
        self.stop = stop or stopwords()
        self.dictionary_size = 0
        self._terms: dict[str, str | None] = {}  # token → term memo (tokens repeat heavily)
        self.add_words(words)

    def add_words(self, words: Iterable[str], freq: int = 2000, tag: str = "nz") -> int:
        """Add domain terms to the segmentation dictionary; returns how many were new."""
        added = 0
        with self._lock:
            for word in words:
                word = normalize(word)
                if 2 <= len(word) <= 12 and not self._jieba.has_word(word):
                    self._jieba.add_word(word, freq, tag)
                    added += 1
        self.dictionary_size += added
        self._terms.clear()
        return added

    def knows(self, word: str) -> bool:
        """True when the segmentation dictionary has the word."""
        return self._jieba.has_word(word)

    def segment(self, text: str, *, search: bool = False) -> list[str]:
        """Raw segments of normalised text (``search=True`` also yields the sub-words of long words)."""
        value = normalize(text)
        if not value:
            return []
        return self._jieba.cut_for_search(value) if search else self._jieba.cut(value)

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(word, POS) pairs of normalised text, punctuation and spaces dropped, English lower-cased."""
        value = normalize(text)
        out = []
        for word, pos in self._jieba.tag(value):
            if not is_word(word):
                continue
            out.append((word.lower() if pos == "eng" else word, pos))
        return out

    def term(self, token: str) -> str | None:
        """One segment → an index term, or None for stop words, punctuation and bare numbers."""
        try:
            return self._terms[token]
        except KeyError:
            pass
        value = self._term(token)
        if len(self._terms) < 500_000:
            self._terms[token] = value
        return value

    def _term(self, token: str) -> str | None:
        token = token.strip().lower()
        if not token or not is_word(token):
            return None
        if _LATIN_TOKEN.match(token):
            if token in self.stop.english or _NUMBER.match(token):
                return None
            return self._stemmer.stemWord(token)
        if token in self.stop.boilerplate or _NUMBER.match(token):
            return None
        return token

    def terms(self, text: str | None, *, search: bool = True) -> list[str]:
        """Index/query terms of a text, in order (duplicates kept: they carry term frequency)."""
        if not text:
            return []
        memo = self._terms
        out = []
        for token in self.segment(text, search=search):
            term = memo[token] if token in memo else self.term(token)
            if term:
                out.append(term)
        return out


_default: Analyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> Analyzer:
    """The process-wide analyzer (built once; the domain dictionary is added by the lexicon loader)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Analyzer()
    return _default
