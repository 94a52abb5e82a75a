"""The domain dictionary: technical terms added to the segmenter (I/O at the edge of text analysis).

Sources, read from the reference data directory when present (never copied into the repository):
IPC 2026 Chinese titles (``ipc-zh-2026``) and GB/T 4754-2017 industry names (``gbt4754-2017``), split into
short terms; plus keyphrases mined from the workspace corpus (``mined``), stored beside the index.
Missing sets are skipped: segmentation then falls back to rjieba's own dictionary.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from panhuo.config import Settings
from panhuo.search.text import Analyzer, default_analyzer

_SPLIT = re.compile(r"[；;，,、。（）()\[\]［］“”\"'：:\s]|或|和|及|与|的|以|用于|除|入|外|其|中")
_TERM = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_loaded: set[str] = set()
_lock = threading.Lock()


_NOUNISH = frozenset({"n", "nz", "vn", "ng", "l", "j", "an", "b"})


def title_terms(titles: Iterable[str], max_len: int = 8) -> set[str]:
    """Compound technical terms from classification titles.

    Titles are split at punctuation and connectives; a part is kept when it is 3–8 Chinese characters that
    rjieba's base dictionary cuts into 2–3 noun-like words, the first of two characters or more, ending in
    a noun (卷扬装置, 弹性卡具), so that clauses (例如带有啮合齿, 电流过载时) and fragments (气装置) are left out.
    """
    import rjieba

    out = set()
    for title in titles:
        for part in _SPLIT.split(title or ""):
            part = part.strip()
            if not (_TERM.match(part) and 3 <= len(part) <= max_len):
                continue
            tags = rjieba.tag(part)
            if (2 <= len(tags) <= 3 and all(pos in _NOUNISH for _, pos in tags) and len(tags[0][0]) >= 2
                    and tags[-1][1] in ("n", "vn", "nz")):
                out.add(part)
    return out


def _csv_column(path: Path, column: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row.get(column) or "" for row in csv.DictReader(fh)]


def reference_terms(settings: Settings | None = None) -> set[str]:
    """Terms from the IPC Chinese titles and the GB/T 4754 names present in the data directory."""
    settings = settings or Settings()
    terms: set[str] = set()
    if settings.has_data("ipc-zh-2026"):
        terms |= title_terms(_csv_column(settings.data_path("ipc-zh-2026", "ipc_zh_2026.csv"), "title_zh"))
    if settings.has_data("gbt4754-2017"):
        terms |= title_terms(_csv_column(settings.data_path("gbt4754-2017", "gbt4754_2017.csv"), "name"))
    return terms


def load_domain_dictionary(settings: Settings | None = None, *, mined: Iterable[str] = (),
                           analyzer: Analyzer | None = None) -> int:
    """Add reference and mined terms to the analyzer once per process; returns the number added."""
    analyzer = analyzer or default_analyzer()
    settings = settings or Settings()
    key = f"{id(analyzer)}:{settings.data}"
    added = 0
    with _lock:
        if key not in _loaded:
            added += analyzer.add_words(sorted(reference_terms(settings)))
            _loaded.add(key)
    added += analyzer.add_words(mined)
    return added
