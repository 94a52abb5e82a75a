"""Concordance tables: ``(ipc_pattern, target_code, weight, source, edition)`` rows and their lookup (pure).

A pattern is an IPC symbol at any level, optionally ending in ``*`` ("and everything below"): ``H01M``,
``H01M10``/``H01M10/00`` (the whole main group), ``G06F40*``, ``A61B5/0476`` (that subgroup only) or
``A61B5/04*`` (subgroups whose number starts 04).  Sources rank ``reviewer`` > ``official`` > ``derived`` >
``text``: a code takes its targets from the best-ranked source that has a match, and within it from the most
specific matching patterns.  Weights of the chosen rows are normalised to sum to 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from panhuo.taxonomy import ipc as ipc_rules

SOURCE_RANK = {"reviewer": 0, "official": 1, "derived": 2, "text": 3}


def source_kind(source: str) -> str:
    """``official:nbs-2018`` → ``official``; unknown kinds rank as ``text``."""
    kind = source.split(":", 1)[0]
    return kind if kind in SOURCE_RANK else "text"


@dataclass(frozen=True, slots=True)
class ConcordanceRow:
    ipc_pattern: str
    target_code: str
    weight: float = 1.0
    source: str = "official"
    edition: str = ""
    scheme: str = "gbt4754"  # gbt4754 | sei | wipo


@dataclass(frozen=True, slots=True)
class Mapping:
    """One target of one code, with the weight, the source and the pattern that produced it."""

    target: str
    weight: float
    source: str
    pattern: str


@dataclass(frozen=True, slots=True)
class Pattern:
    subclass: str  # "H01M", or "" for section/class patterns
    prefix: str  # compact prefix that a code must start with
    exact: bool  # a subgroup without "*": the symbol itself only
    specificity: int

    def matches(self, compact: str) -> bool:
        if self.exact:
            return compact == self.prefix
        return compact.startswith(self.prefix)


def compile_pattern(raw: str) -> Pattern:
    """Parse a concordance pattern; raises :class:`panhuo.taxonomy.ipc.IpcError` when malformed."""
    text = raw.strip().rstrip("%")
    star = text.endswith("*")
    text = text.rstrip("*").strip().rstrip("/").strip()
    code = ipc_rules.parse(text if "/" in text or len(text.replace(" ", "")) <= 4 else text + "/00")
    level = code.level
    if level in ("section", "class", "subclass"):
        return Pattern(code.subclass_code if code.subclass else "", code.compact, False, len(code.compact))
    if level == "main_group":
        prefix = f"{code.subclass_code}{code.group}/"
        return Pattern(code.subclass_code, prefix, False, 10)
    return Pattern(code.subclass_code, code.compact, not star, 20 + len(code.subgroup))


class Concordance:
    """An indexed set of rows for one scheme; :meth:`lookup` applies the precedence rules."""

    def __init__(self, rows: Iterable[ConcordanceRow] = ()):
        self._by_subclass: dict[str, list[tuple[Pattern, ConcordanceRow]]] = defaultdict(list)
        self._broad: list[tuple[Pattern, ConcordanceRow]] = []
        self.errors: list[str] = []
        self.size = 0
        for row in rows:
            self.add(row)

    def add(self, row: ConcordanceRow) -> None:
        try:
            pattern = compile_pattern(row.ipc_pattern)
        except ipc_rules.IpcError as exc:
            self.errors.append(f"{row.source}: {exc}")
            return
        (self._by_subclass[pattern.subclass] if pattern.subclass else self._broad).append((pattern, row))
        self.size += 1

    def lookup(self, code: str | ipc_rules.IpcCode) -> list[Mapping]:
        """Targets of one IPC symbol, best first; empty when nothing matches."""
        parsed = code if isinstance(code, ipc_rules.IpcCode) else ipc_rules.try_parse(code)
        if parsed is None:
            return []
        compact = parsed.compact
        candidates = self._by_subclass.get(parsed.subclass_code, []) + self._broad
        hits = [(p, r) for p, r in candidates if p.matches(compact)]
        if not hits:
            return []
        best_rank = min(SOURCE_RANK[source_kind(r.source)] for _, r in hits)
        hits = [(p, r) for p, r in hits if SOURCE_RANK[source_kind(r.source)] == best_rank]
        top = max(p.specificity for p, _ in hits)
        chosen = [(p, r) for p, r in hits if p.specificity == top]
        merged: dict[str, list] = {}
        for _, row in chosen:
            entry = merged.setdefault(row.target_code, [0.0, row.source, row.ipc_pattern])
            entry[0] += row.weight
        total = sum(v[0] for v in merged.values()) or 1.0
        out = [Mapping(t, w / total, s, p) for t, (w, s, p) in merged.items()]
        return sorted(out, key=lambda m: (-m.weight, m.target))

    def lookup_many(self, codes: Iterable[str]) -> list[Mapping]:
        """Targets of several symbols (e.g. a patent's IPC list): first code counts double, weights sum to 1."""
        scores: dict[str, list] = {}
        parts = list(codes)
        for index, code in enumerate(parts):
            share = 2.0 if index == 0 else 1.0
            for m in self.lookup(code):
                entry = scores.setdefault(m.target, [0.0, m.source, m.pattern])
                entry[0] += share * m.weight
        total = sum(v[0] for v in scores.values()) or 1.0
        out = [Mapping(t, w / total, s, p) for t, (w, s, p) in scores.items()]
        return sorted(out, key=lambda m: (-m.weight, m.target))

    def patterns(self) -> list[tuple[Pattern, ConcordanceRow]]:
        rows = [item for items in self._by_subclass.values() for item in items]
        return rows + self._broad
