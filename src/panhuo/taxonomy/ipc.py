"""IPC symbols: parsing, normalisation and hierarchy (pure).

Accepts the spellings met in exports and XML: ``H01M 10/0525``, ``H01M10/0525``, ``H01M0010052500``
(WIPO 14-character symbol), ``H01M 10/0525 (2010.01)``, full-width characters, lower case, and the shorter
levels ``H``, ``H01``, ``H01M``, ``H01M 10/00``.  An :class:`IpcCode` knows its level (section → class →
subclass → main group → subgroup), its parent chain and three renderings (display, compact, WIPO-14).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

LEVELS = ("section", "class", "subclass", "main_group", "subgroup")
SECTIONS = "ABCDEFGH"

_EDITION = re.compile(r"[\(\[（【]\s*\d{4}[.\-]\d{2}\s*[\)\]）】]")
_WIPO14 = re.compile(r"^([A-H]\d\d[A-Z])(\d{4})(\d{6})$")
_GROUP = re.compile(r"^([A-H]\d\d[A-Z])\s*(\d{1,4})\s*/\s*(\d{1,6})$")
_GROUP_NO_SLASH = re.compile(r"^([A-H]\d\d[A-Z])\s*(\d{1,4})$")
_SHORT = re.compile(r"^([A-H])(\d\d)?([A-Z])?$")
_SPLIT = re.compile(r"[;,，；|、\n\t]+")


class IpcError(ValueError):
    """A string that is not an IPC symbol; the message says what is wrong."""


@dataclass(frozen=True, slots=True, order=True)
class IpcCode:
    """One IPC symbol at any level; empty parts below its level."""

    section: str
    klass: str = ""  # two digits, e.g. "01"
    subclass: str = ""  # one letter
    group: str = ""  # main group digits without leading zeros, e.g. "10"
    subgroup: str = ""  # digits after the slash, trailing zeros trimmed to ≥ 2, e.g. "0525", "00"

    @property
    def level(self) -> str:
        if self.subgroup and self.subgroup != "00":
            return "subgroup"
        if self.group:
            return "main_group"
        if self.subclass:
            return "subclass"
        return "class" if self.klass else "section"

    @property
    def class_code(self) -> str:
        return f"{self.section}{self.klass}"

    @property
    def subclass_code(self) -> str:
        return f"{self.section}{self.klass}{self.subclass}"

    @property
    def main_group_code(self) -> str:
        return f"{self.subclass_code}{self.group}/00" if self.group else self.subclass_code

    @property
    def compact(self) -> str:
        """``H01M10/0525`` (CNIPA style, the key used throughout Panhuo)."""
        if not self.group:
            return self.subclass_code if self.subclass else (self.class_code if self.klass else self.section)
        return f"{self.subclass_code}{self.group}/{self.subgroup or '00'}"

    @property
    def display(self) -> str:
        """``H01M 10/0525`` (WIPO print style)."""
        if not self.group:
            return self.compact
        return f"{self.subclass_code} {self.group}/{self.subgroup or '00'}"

    @property
    def wipo14(self) -> str:
        """``H01M0010052500``; shorter levels are returned as their plain code."""
        if not self.group:
            return self.compact
        return f"{self.subclass_code}{int(self.group):04d}{(self.subgroup or '00').ljust(6, '0')}"

    def parent(self) -> IpcCode | None:
        """The next level up (a subgroup's parent is its main group: dot depth is not in the data)."""
        level = self.level
        if level == "subgroup":
            return IpcCode(self.section, self.klass, self.subclass, self.group, "00")
        if level == "main_group":
            return IpcCode(self.section, self.klass, self.subclass)
        if level == "subclass":
            return IpcCode(self.section, self.klass)
        if level == "class":
            return IpcCode(self.section)
        return None

    def ancestors(self) -> list[IpcCode]:
        """Self first, then each parent up to the section."""
        chain: list[IpcCode] = []
        node: IpcCode | None = self
        while node is not None:
            chain.append(node)
            node = node.parent()
        return chain

    def __str__(self) -> str:
        return self.compact


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).upper()
    text = _EDITION.sub("", text)
    text = text.replace("-", "/") if re.match(r"^[A-H]\d\d[A-Z]\s*\d+\s*-\s*\d+$", text.strip()) else text
    return re.sub(r"\s+", " ", text).strip()


def _trim_subgroup(digits: str) -> str:
    trimmed = digits.rstrip("0")
    return trimmed.ljust(2, "0") if len(trimmed) < 2 else trimmed


def parse(raw: str) -> IpcCode:
    """Parse one IPC symbol at any level; raises :class:`IpcError` with the reason."""
    if raw is None or not str(raw).strip():
        raise IpcError("empty IPC symbol")
    text = _clean(str(raw))
    squeezed = text.replace(" ", "")
    if m := _WIPO14.match(squeezed):
        sub, group, subgroup = m.groups()
        return _build(sub, str(int(group)), _trim_subgroup(subgroup), raw)
    if m := _GROUP.match(text) or _GROUP.match(squeezed):
        sub, group, subgroup = m.groups()
        return _build(sub, str(int(group)), _trim_subgroup(subgroup), raw)
    if m := _GROUP_NO_SLASH.match(text) or _GROUP_NO_SLASH.match(squeezed):  # "H01M 10" = "H01M 10/00"
        return _build(m.group(1), str(int(m.group(2))), "00", raw)
    if m := _SHORT.match(squeezed):
        section, klass, sub = m.groups()
        if sub and not klass:
            raise IpcError(f"'{raw}': a subclass needs a two-digit class (e.g. H01M)")
        return IpcCode(section, klass or "", sub or "")
    if squeezed and squeezed[0] not in SECTIONS:
        raise IpcError(f"'{raw}': IPC sections are A–H")
    raise IpcError(f"'{raw}' is not an IPC symbol (expected e.g. H01M 10/0525, H01M10/0525 or H01M0010052500)")


def _build(sub: str, group: str, subgroup: str, raw: str) -> IpcCode:
    if int(group) == 0:
        raise IpcError(f"'{raw}': main group 0 does not exist")
    return IpcCode(sub[0], sub[1:3], sub[3], group, subgroup)


def try_parse(raw: str | None) -> IpcCode | None:
    """Like :func:`parse` but ``None`` for anything that is not an IPC symbol."""
    try:
        return parse(raw) if raw else None
    except IpcError:
        return None


def normalise(raw: str) -> str:
    """The compact form (``H01M10/0525``) of any accepted spelling."""
    return parse(raw).compact


def split_codes(text: str | Iterable[str] | None) -> Iterator[str]:
    """Raw symbols from a field holding several (``;``, ``,``, ``、``, ``|``, new lines)."""
    if text is None:
        return
    items = [text] if isinstance(text, str) else list(text)
    for item in items:
        for part in _SPLIT.split(str(item)):
            if part.strip():
                yield part.strip()


def parse_many(text: str | Iterable[str] | None) -> tuple[list[IpcCode], list[str]]:
    """(codes in order without duplicates, error messages for the parts that failed)."""
    codes: list[IpcCode] = []
    errors: list[str] = []
    for part in split_codes(text):
        try:
            code = parse(part)
        except IpcError as exc:
            errors.append(str(exc))
            continue
        if code not in codes:
            codes.append(code)
    return codes, errors


def subclass_of(raw: str | None) -> str | None:
    """``H01M`` for any symbol at subclass level or below; ``None`` otherwise."""
    code = try_parse(raw)
    return code.subclass_code if code and code.subclass else None
