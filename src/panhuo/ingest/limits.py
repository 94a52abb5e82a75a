"""Length limits of the string columns an import writes, read from the ORM column types, and the check that
turns a value longer than its column into a ``too_long`` error instead of a failed import.

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` column, and with it the whole import's transaction;
SQLite stores it. So every value bound for a limited column is measured before the database sees it, on every
path: the header map's parsers (:data:`panhuo.ingest.rows.MAX_LENGTH`, built from :func:`field_limits`) refuse a
too-long cell, :func:`check_record` removes a too-long value from a record (patent columns the readers set
directly, raw application numbers, derived main IPC, party names, legal-event codes and counterparties,
departments) and reports it, and the bulk preparer (:mod:`panhuo.ingest.prepare`) sends a row with such a value to
the per-row path, which reports it the same way. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table

from panhuo.accounts.models import Organisation
from panhuo.ingest.models import ImportJob, RecordSource
from panhuo.ingest.records import EventRecord, PartyRecord, PatentRecord, RowError
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty

CODE = "too_long"
PLACEHOLDER = "PUB:"


def string_limits(table: Table) -> dict[str, int]:
    """``{column: n}`` for the ``String(n)`` columns of ``table`` (``Text`` and unbounded strings excluded)."""
    return {c.name: c.type.length for c in table.columns if isinstance(c.type, String) and c.type.length}


PATENT = string_limits(Patent.__table__)  # type: ignore[arg-type]
PATENT_PARTY = string_limits(PatentParty.__table__)  # type: ignore[arg-type]
PARTY = string_limits(Party.__table__)  # type: ignore[arg-type]
EVENT = string_limits(LegalEvent.__table__)  # type: ignore[arg-type]
ORGANISATION = string_limits(Organisation.__table__)  # type: ignore[arg-type]
SOURCE = string_limits(RecordSource.__table__)  # type: ignore[arg-type]
JOB = string_limits(ImportJob.__table__)  # type: ignore[arg-type]

NAME = PATENT_PARTY["raw_name"]  # a party's name as the source spells it (parties.name/key are cut from it)
DEPARTMENT = ORGANISATION["name"]
IDENTITY = PATENT["application_no"]  # the canonical number, or PUB: + publication number
# mapped fields stored in another patents column than their own name
STORED_AS = {"legal_status": "legal_status_raw", "patent_number": "application_no"}
# mapped one-text fields that become a party or an organisation
CHILD_TEXT = {"first_applicant": NAME, "first_patentee": NAME, "first_inventor": NAME, "department": DEPARTMENT}
# mapped name lists: each name must fit (a too-long name is dropped, the others kept)
NAME_LISTS = ("applicants", "patentees", "inventors")
_ROLE_FIELDS = {"applicant": ("applicants", "first_applicant"), "patentee": ("patentees", "first_patentee"),
                "inventor": ("inventors", "first_inventor")}
_PATENT_ITEMS = tuple(PATENT.items())
_WHAT = {"application_no_raw": "the number as written (kept beside the canonical number)",
         "ipc_main": "main IPC (the first classification code)"}


def field_limits(field_types: Mapping[str, str]) -> dict[str, int]:
    """``{mapped field: limit}`` for the mapped fields whose one text value is stored in a limited column."""
    out = {}
    for name, parser in field_types.items():
        limit = CHILD_TEXT.get(name) or PATENT.get(STORED_AS.get(name, name))
        if limit and parser not in _NOT_TEXT:
            out[name] = limit
    return out


_NOT_TEXT = frozenset({"list", "names", "codes", "dates", "int", "float", "bool", "date"})


def reason(length: int, limit: int, what: str = "") -> str:
    """The ``too_long`` sentence: ``"<what>: 324 characters; this field holds at most 300"``."""
    prefix = f"{what}: " if what else ""
    return f"{prefix}{length} characters; this field holds at most {limit}"


def check_text(what: str, value: str | None, limit: int) -> None:
    """Refuse (``ValueError``) a value of the whole import — an ``--institution`` name, a user, a map's format
    name — that its column cannot hold: every row would fail on PostgreSQL, so the import does not start."""
    if value is not None and len(value) > limit:
        raise ValueError(reason(len(value), limit, what))


def exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` (a text, or a list of texts) has a text longer than ``limit``."""
    if value.__class__ is str:
        return len(value) > limit
    if value.__class__ is list:
        return any(x.__class__ is str and len(x) > limit for x in value)
    return False


def events_exceed(events: Iterable[EventRecord]) -> bool:
    """True when an event has a kind, code or counterparty longer than its ``legal_events`` column."""
    kind, code, counterparty = EVENT["kind"], EVENT["code"], EVENT["counterparty"]
    return any(len(e.kind) > kind or (e.code is not None and len(e.code) > code)
               or (e.counterparty is not None and len(e.counterparty) > counterparty) for e in events)


def check_record(record: PatentRecord, labels: Mapping[str, str] | None = None) -> list[RowError]:
    """Remove every value of ``record`` longer than its column and return one ``too_long`` error per value.

    Patent columns, the raw application number and the derived main IPC are dropped; a party whose name is too
    long is dropped (the others keep their order, positions renumbered); an event keeps its kind and date and
    loses a too-long code or counterparty (an event whose kind is too long is dropped); a too-long department is
    dropped. An identity too long for ``application_no`` is a fatal error: the record cannot be stored.
    ``labels`` maps field names (``legal_events``, ``applicants`` …) to the file's column headers.
    """
    labels = labels or {}
    errors: list[RowError] = []

    def report(name: str, value: Any, limit: int, what: str = "", fatal: bool = False) -> None:
        errors.append(RowError(record.source_file or "", record.source_row, labels.get(name, name), value,
                               reason(len(value), limit, what), CODE, fatal=fatal))

    key = record.application_no or PLACEHOLDER + str(record.fields.get("publication_no") or "")
    if len(key) > IDENTITY:
        report("application_no" if record.application_no else "publication_no", key, IDENTITY,
               "number too long to identify the patent", fatal=True)
        return errors
    if record.source_file is not None and len(record.source_file) > SOURCE["source_file"]:
        record.source_file = record.source_file[-SOURCE["source_file"]:]  # a long path: its end names the file
    fields = record.fields
    for name, limit in _PATENT_ITEMS:
        value = fields.get(name)
        if value.__class__ is str and len(value) > limit:
            del fields[name]
            report(name, value, limit, _WHAT.get(name, ""))
    if record.parties:
        _check_parties(record, report, labels)
    if record.events:
        _check_events(record, report)
    if record.department is not None and len(record.department) > DEPARTMENT:
        report("department", record.department, DEPARTMENT)
        record.department = None
    return errors


def _check_parties(record: PatentRecord, report, labels: Mapping[str, str]) -> None:
    if not any(len(p.raw_name) > NAME or (p.country is not None and len(p.country) > PARTY["country"])
               or (p.kind is not None and len(p.kind) > PARTY["kind"]) for p in record.parties):
        return
    kept: list[PartyRecord] = []
    for party in record.parties:
        many, first = _ROLE_FIELDS.get(party.role, (party.role, party.role))
        name = first if first in labels and many not in labels else many  # the column it came from
        if len(party.raw_name) > NAME:
            report(name, party.raw_name, NAME, f"{party.role} name")
            continue
        if party.country is not None and len(party.country) > PARTY["country"]:
            report(name, party.country, PARTY["country"], f"country of {party.raw_name}")
            party.country = None
        if party.kind is not None and len(party.kind) > PARTY["kind"]:
            report(name, party.kind, PARTY["kind"], f"kind of {party.raw_name}")
            party.kind = None
        kept.append(party)
    positions: dict[str, int] = {}
    for party in sorted(kept, key=lambda p: p.position):
        party.position = positions.get(party.role, 0)
        positions[party.role] = party.position + 1
    record.parties = kept


def _check_events(record: PatentRecord, report) -> None:
    if not events_exceed(record.events):
        return
    kept: list[EventRecord] = []
    for event in record.events:
        what = f"{{}} of the {event.kind[:EVENT['kind']]} event of {event.event_date or 'no date'}"
        if len(event.kind) > EVENT["kind"]:
            report("legal_events", event.kind, EVENT["kind"], what.format("kind"))
            continue
        if event.code is not None and len(event.code) > EVENT["code"]:
            report("legal_events", event.code, EVENT["code"], what.format("code"))
            event.code = None
        if event.counterparty is not None and len(event.counterparty) > EVENT["counterparty"]:
            report("legal_events", event.counterparty, EVENT["counterparty"], what.format("counterparty"))
            event.counterparty = None
        kept.append(event)
    record.events = kept
