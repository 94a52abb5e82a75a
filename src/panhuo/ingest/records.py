"""What every reader produces: a :class:`PatentRecord` per good row, a :class:`RowError` per problem.

Readers (vendor CSV/Excel, CNIPA XML, USPTO XML, EPO CSV …) are pure: they turn a file into records and
errors and never touch the database. :mod:`panhuo.ingest.service` upserts the records.
A row with an error in one field still yields a record (the bad field left out) unless the error is in its
identity (no usable application number), so a good value is never lost because of a bad one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class PartyRecord:
    role: str  # panhuo.patents.enums.PartyRole
    raw_name: str
    position: int = 0
    kind: str | None = None  # PartyKind when the source says (e.g. 申请人类型), else inferred later
    country: str | None = None
    share: float | None = None


@dataclass
class EventRecord:
    kind: str  # panhuo.patents.enums.EventKind
    event_date: date | None = None
    code: str | None = None
    description: str | None = None
    counterparty: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PatentRecord:
    """One patent as read from one row / document. ``fields`` holds Patent column values by name."""

    application_no: str  # canonical (panhuo.patents.numbers)
    fields: dict[str, Any] = field(default_factory=dict)
    parties: list[PartyRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    source_file: str | None = None
    source_row: int | None = None  # 1-based data row (header excluded) or document index
    source_format: str | None = None  # e.g. "incopat", "export61", "cnipa-xml-v2.2.1"
    department: str | None = None  # 所属院系 when the source names one (linked under the institution)


@dataclass
class RowError:
    """A problem with one value (or a whole row): enough to find and fix it in the source file."""

    file: str
    row: int | None
    field: str | None
    value: Any
    reason: str  # one clear sentence, e.g. "check digit is 3, not 2"
    code: str = "invalid"  # short machine code: invalid_number, bad_date, unknown_kind, missing_id …
    fatal: bool = False  # True when the row could not be imported at all

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "value": self.value,
                "reason": self.reason, "code": self.code, "fatal": self.fatal}
