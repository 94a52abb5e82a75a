"""IPC edition moves (e.g. H01L → H10*, G06K 9/ → G06V) read from ``data/ipc_editions.yaml`` (pure rules)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from panhuo.taxonomy import ipc as ipc_rules


@dataclass(frozen=True, slots=True)
class Move:
    prefix: str  # "H01L31" (subclass + main group digits) or "H01L"
    to: tuple[str, ...]
    edition: str
    note: str


def parse_moves(doc: dict) -> list[Move]:
    moves = [Move(m["from"], tuple(m["to"]), str(m.get("edition", "")), m.get("note", "")) for m in doc["moves"]]
    return sorted(moves, key=lambda m: -len(m.prefix))  # most specific first


@lru_cache(maxsize=1)
def default_moves() -> list[Move]:
    text = resources.files("panhuo.taxonomy").joinpath("data/ipc_editions.yaml").read_text(encoding="utf-8")
    return parse_moves(yaml.safe_load(text))


def moved(code: str | ipc_rules.IpcCode, moves: list[Move] | None = None) -> Move | None:
    """The move that applies to a symbol of an older edition, or ``None`` when it is current."""
    parsed = code if isinstance(code, ipc_rules.IpcCode) else ipc_rules.try_parse(code)
    if parsed is None or not parsed.subclass:
        return None
    key = parsed.subclass_code + (parsed.group or "")
    for move in moves if moves is not None else default_moves():
        if key == move.prefix or (len(move.prefix) == 4 and parsed.subclass_code == move.prefix):
            return move
    return None


def current_subclass(code: str, moves: list[Move] | None = None) -> str | None:
    """The IPC 2026 subclass that now holds the subject of ``code`` (itself when it did not move)."""
    parsed = ipc_rules.try_parse(code)
    if parsed is None or not parsed.subclass:
        return None
    move = moved(parsed, moves)
    return move.to[0] if move else parsed.subclass_code
