"""Party names: split multi-name cells, clean names for display, key variants of one legal person, guess the kind.

Pure: rules come from the versioned ``data/parties.yaml`` (read once, no other I/O).

The key (:func:`party_key`) identifies a **legal person**, because ownership, licences and fee reductions attach to
legal persons:

* Chinese: NFKC, traditional → simplified, brackets unified, a Latin alias in brackets dropped
  (``浙江大学（ZHEJIANG UNIVERSITY）`` → ``浙江大学``). A university's 学院/系/研究所/中心/实验室 is not a legal
  person, so ``浙江大学计算机科学与技术学院`` keys to ``浙江大学`` (the unit is returned by
  :func:`split_department`). Units that *are* separate legal persons keep their own key: affiliated hospitals
  (``…附属第一医院``), independent colleges (``浙江大学城市学院``, ``…理工学院``, ``…科技学院``), local research
  institutes registered on their own (``清华大学深圳研究院``) and companies. Each institute of the Chinese Academy
  of Sciences (and similar academies) is a legal person and keeps its own key.
* English: case, punctuation, articles, legal-form suffixes (``INC``, ``CORP`` …) and governance boilerplate
  (``The Regents of``, ``Board of Trustees of``) are ignored; abbreviations (``Univ.``, ``Res. Found.``) are
  expanded, common misspellings of frequent words corrected, words stemmed and sorted; for
  ``X as represented by Y`` / ``on behalf of Y`` the key is Y's.

Chinese and English names of the same body get different keys (linking them needs a name table).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

import Stemmer
import yaml
import zhconv

from panhuo.patents.enums import PartyKind

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPLIT_ALWAYS = re.compile(r"\s*(?:[;；|｜\n\r]|、)\s*")
_SPLIT_CJK = re.compile(r"\s*[,，]\s*")
_BRACKETED = re.compile(r"\(([^()]*)\)")


@cache
def rules() -> dict:
    """The party rules (``data/parties.yaml``), parsed once."""
    text = resources.files("panhuo.patents").joinpath("data/parties.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _stemmer():
    return Stemmer.Stemmer("english")


def split_names(cell: object) -> list[str]:
    """Names in one cell: split on ``;`` ``；`` ``|`` newlines and ``、``; on commas only between Chinese names
    (English names carry commas: ``University of Florida Research Foundation, Inc.``). Order kept, duplicates dropped.
    """
    if cell is None:
        return []
    text = str(cell).strip()
    parts = _SPLIT_ALWAYS.split(text)
    names: list[str] = []
    for part in parts:
        pieces = _SPLIT_CJK.split(part) if _CJK.search(part) and not _LATIN.search(part) else [part]
        for piece in pieces:
            piece = piece.strip(" \t,，")
            if piece and piece not in names:
                names.append(piece)
    return names


def _nfkc(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return re.sub(r"\s+", " ", text).strip()


def display_name(raw: object) -> str:
    """The name to show: spaces collapsed, half-width Latin; Chinese names in simplified characters with full-width
    brackets and no Latin alias (``浙江大学（ZHEJIANG UNIVERSITY）`` → ``浙江大学``)."""
    text = _nfkc(raw)
    if not _CJK.search(text):
        return text
    text = zhconv.convert(text, "zh-cn")
    text = _drop_latin_alias(re.sub(r"\s+", "", text) if not _LATIN.search(text) else text)
    text = re.sub(r"\s*([()])\s*", r"\1", text)
    return text.replace("(", "（").replace(")", "）")


def _drop_latin_alias(text: str) -> str:
    """Remove bracketed parts with no Chinese characters, and a trailing Latin alias after the Chinese name."""
    text = _BRACKETED.sub(lambda m: m.group(0) if _CJK.search(m.group(1)) else "", text)
    text = re.sub(r"(?<=[\u3400-\u9fff)])\s*[A-Za-z][A-Za-z0-9 .,&'\-]*$", "", text)
    return text.strip()


def party_key(raw: object) -> str:
    """One key per legal person across spelling variants (see the module doc for the rules); '' for no name."""
    text = _nfkc(raw)
    if not text:
        return ""
    if _CJK.search(text):
        return "zh:" + split_department(text)[0]
    return "en:" + _english_key(text)


def split_department(raw: object) -> tuple[str, str | None]:
    """``浙江大学计算机学院`` → (``浙江大学``, ``计算机学院``); units that are legal persons are not split."""
    text = _chinese_base(_nfkc(raw))
    zh = rules()["chinese"]
    pos = text.find("大学")
    if pos < 0:
        return text, None
    head, rest = text[: pos + 2], text[pos + 2:]
    if not rest or any(re.search(p, rest) for p in zh["separate_unit_patterns"]):
        return text, None
    if rest.startswith(("(", "（")) or not any(rest.endswith(s) for s in zh["department_suffixes"]):
        return text, None
    return head, rest


def _chinese_base(text: str) -> str:
    text = zhconv.convert(text, "zh-cn")
    text = _drop_latin_alias(text)
    text = re.sub(r"\s+", "", text)
    for short, full in rules()["chinese"]["abbreviations"].items():
        if text.startswith(short) and not text.startswith(full):
            text = full + text[len(short):]
    return text


# ---------------------------------------------------------------- English


def _english_key(text: str) -> str:
    en = rules()["english"]
    low = text.lower().replace("&", " and ")
    low = re.sub(r"\bu\.\s?s\.(\s?a\.)?|\busa\b", " united states ", low)
    low = re.sub(r"[^\w\s]", " ", low)
    low = re.sub(r"_", " ", low)
    low = " " + re.sub(r"\s+", " ", low).strip() + " "
    low = _after_agent_phrase(low, en["agent_phrases"])
    for prefix in en["sovereign_prefixes"]:
        if low.startswith(" " + prefix + " ") and len(low) > len(prefix) + 3:
            low = low[len(prefix) + 1:]
            break
    words = _expand(low.split(), en["abbreviations"])
    stop = _stopwords()
    tokens = [_stem(_correct(w)) for w in words if w not in stop]
    tokens = [t for t in tokens if t]
    if not tokens:
        tokens = low.split()
    return " ".join(dict.fromkeys(tokens))


def _after_agent_phrase(low: str, phrases: list[str]) -> str:
    best = -1
    for phrase in phrases:
        at = low.rfind(" " + phrase + " ")
        if at >= 0:
            best = max(best, at + len(phrase) + 1)
    rest = low[best:] if best >= 0 else low
    return rest if rest.strip() else low


def _expand(words: list[str], abbreviations: dict) -> list[str]:
    out: list[str] = []
    for word in words:
        out.extend(str(abbreviations.get(word, word)).split())
    return out


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(rules()["english"]["stopwords"])


@cache
def _vocabulary() -> frozenset[str]:
    return frozenset(rules()["english"]["vocabulary"])


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=65536)
def _correct(word: str) -> str:
    """Replace a misspelling of a frequent word (``univerisity`` → ``university``); other words unchanged."""
    vocab = _vocabulary()
    if len(word) < 5 or word in vocab or not word.isalpha():
        return word
    limit = 2 if len(word) >= 8 else 1
    best, best_d = word, limit + 1
    for cand in vocab:
        if abs(len(cand) - len(word)) > limit:
            continue
        d = _osa_distance(word, cand, limit)
        if d < best_d:
            best, best_d = cand, d
    return best


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (edits and adjacent swaps), early exit above ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# ---------------------------------------------------------------- kind


@cache
def _kind_rules() -> tuple[tuple[PartyKind, re.Pattern], ...]:
    return tuple((PartyKind(rule["kind"]), re.compile("|".join(rule["patterns"]))) for rule in rules()["kinds"])


_PERSON_ZH = re.compile(r"^[\u3400-\u9fff][\u3400-\u9fff·•.]{1,5}$")
_PERSON_EN = re.compile(r"^[A-Z][A-Z'\-.]*(?:,?\s+[A-Z][A-Z'\-.]*){1,3}$")


def classify_kind(name: object) -> PartyKind:
    """高校/科研机构/医院/企业/个人/机关团体 from the name alone (Chinese and English patterns in the data file)."""
    text = _nfkc(name)
    if not text:
        return PartyKind.UNKNOWN
    upper = zhconv.convert(text, "zh-cn").upper()
    if not _CJK.search(upper):  # correct misspellings first: UNVIVERSITY → UNIVERSITY
        upper = " ".join(_correct(w).upper() for w in re.split(r"\s+", upper.lower()))
    for kind, pattern in _kind_rules():
        if pattern.search(upper):
            return kind
    if re.search(r"\b(OF|THE|AND|FOR)\b", upper):
        return PartyKind.UNKNOWN
    if _PERSON_ZH.match(upper) or _PERSON_EN.match(upper) or re.fullmatch(r"[A-Z]·[A-Z·\u3400-\u9fff]+", upper):
        return PartyKind.INDIVIDUAL
    return PartyKind.UNKNOWN
