"""How an incoming record merges into a stored patent: pure rules, no session.

- A field a person edited (``Patent.edited_fields``) is never overwritten.
- An empty incoming value never clears a stored one (exports omit what they do not know).
- ``extra`` merges key by key (nested dicts too); an edited ``extra.<key>`` is kept.
- Parties are replaced per role when the incoming list of names differs; events are added when new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from panhuo.ingest.records import EventRecord, PartyRecord

ROLE_FIELDS = {"applicant": "applicants", "patentee": "patentees", "inventor": "inventors"}


def diff_fields(current: dict[str, Any], incoming: dict[str, Any], edited: Iterable[str]) -> dict[str, Any]:
    """The column values to write: incoming values that differ from ``current`` and were not edited."""
    locked = set(edited)
    changes: dict[str, Any] = {}
    for name, value in incoming.items():
        if name in locked or value is None:
            continue
        if name == "extra":
            merged = merge_extra(current.get("extra") or {}, value, locked)
            if merged != (current.get("extra") or {}):
                changes["extra"] = merged
        elif not same_value(current.get(name), value):
            changes[name] = value
    return changes


def merge_extra(current: dict, incoming: dict, locked: set[str], prefix: str = "extra") -> dict:
    """``current`` updated with ``incoming`` key by key, skipping locked ``extra.<key>`` paths."""
    merged = dict(current)
    for key, value in incoming.items():
        path = f"{prefix}.{key}"
        if path in locked:
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_extra(merged[key], value, locked, path)
        else:
            merged[key] = value
    return merged


def same_value(stored: Any, incoming: Any) -> bool:
    """Equality across the database round trip (dates, tuples vs lists, floats)."""
    if isinstance(stored, date) and isinstance(incoming, str):
        return stored.isoformat() == incoming
    if isinstance(stored, (list, tuple)) and isinstance(incoming, (list, tuple)):
        return list(stored) == list(incoming)
    return stored == incoming


def changed_roles(current: dict[str, list[str]], parties: list[PartyRecord], edited: Iterable[str]) -> set[str]:
    """Roles whose incoming names (in order) differ from the stored ones; edited roles are kept."""
    locked = set(edited)
    incoming: dict[str, list[str]] = {}
    for p in sorted(parties, key=lambda p: (p.role, p.position)):
        incoming.setdefault(p.role, []).append(p.raw_name)
    return {role for role, names in incoming.items()
            if names != current.get(role, []) and ROLE_FIELDS.get(role) not in locked}


def event_key(kind: str, event_date: date | str | None, code: str | None, counterparty: str | None) -> tuple:
    """Two events with the same key are the same event (de-duplication across imports and sources)."""
    day = event_date.isoformat() if isinstance(event_date, date) else event_date
    return (kind, day, (code or "").strip().upper(), (counterparty or "").strip())


def new_events(existing: set[tuple], events: list[EventRecord]) -> list[EventRecord]:
    """Incoming events not already stored (nor repeated within the record)."""
    seen = set(existing)
    out = []
    for e in events:
        key = event_key(e.kind, e.event_date, e.code, e.counterparty)
        loose = event_key(e.kind, e.event_date, None, None)
        if key in seen or (not e.code and not e.counterparty and any(k[:2] == loose[:2] for k in seen)):
            continue
        seen.add(key)
        out.append(e)
    return out
