"""Turn one row of cells into a :class:`PatentRecord` plus :class:`RowError` s, following a header map.

Pure: the numbers, parties and legal-status rules come from :mod:`panhuo.patents`. A bad value costs only
its own field (a ``RowError``); a row is rejected (``fatal``) only when it has no usable identity: neither a
valid application number nor, for exports without one (CNKI crawls), a valid publication number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from panhuo.ingest import limits
from panhuo.ingest import values as v
from panhuo.ingest.mapping import FIELD_TYPES, HeaderMap
from panhuo.ingest.records import EventRecord, PartyRecord, PatentRecord, RowError
from panhuo.patents import legal, numbers, parties

APPLICANT_KINDS = {"高校": "university", "大专院校": "university", "大学": "university", "院校": "university",
                   "科研机构": "institute", "科研单位": "institute", "研究所": "institute", "医院": "hospital",
                   "企业": "enterprise", "公司": "enterprise", "个人": "individual",
                   "机关团体": "government", "机关": "government", "政府": "government"}
DATE_EVENTS = {"transfer_dates": "transfer", "licence_dates": "licence", "pledge_dates": "pledge",
               "invalidation_dates": "invalidation"}
_REGION = re.compile(r"\((\d{2,6})\)|（(\d{2,6})）|^(\d{2,6})$")
_URL_PUB = re.compile(r"(?:filename=|/patent/)([A-Za-z]{2}\d+[A-Za-z]?\d?)")


class PartyKeys(dict):
    """Raw name → :func:`panhuo.patents.parties.party_key`, memoised (names repeat across rows) and bounded:
    ``keys[raw]`` computes a key once."""

    LIMIT = 500_000

    def __missing__(self, raw: str) -> str:
        if len(self) > self.LIMIT:
            self.clear()
        key = self[raw] = parties.party_key(raw)
        return key


def put_value(values: dict[str, Any], name: str, value: Any, raw_column: Sequence[Any] | None, i: int) -> None:
    """Store row ``i``'s parsed cell in its values, with the raw forms kept beside it (status, application no.;
    ``raw_column`` is only read for the application number)."""
    values[name] = value
    if name == "legal_status":
        values["legal_status_raw"] = value
    elif name == "application_no":
        values["application_no_raw"] = v.clean_text(raw_column[i])


def split_names(raw: object) -> list[str]:
    """Names in a cell (:func:`panhuo.patents.parties.split_names`)."""
    return [n for n in parties.split_names(v.clean_text(raw) or "") if n]


def _application_number(raw: object) -> str:
    return numbers.parse_application_number(raw).canonical


def _publication_number(raw: object) -> str:
    return numbers.parse_publication_number(raw).canonical


def _url_pubno(raw: object) -> str | None:
    match = _URL_PUB.search(v.clean_text(raw) or "")
    if not match:
        raise v.ValueProblem("bad_url", "no publication number in the link (expected …filename=CN…A)")
    return _publication_number(match.group(1))


def _region(raw: object) -> str | None:
    text = v.nfkc(v.clean_text(raw) or "")
    match = _REGION.search(text)
    if match:
        return next(g for g in match.groups() if g)
    return text or None


def _text(raw: object) -> str | None:
    return v.clean_text(raw)


PARSERS: dict[str, Callable[[object], Any]] = {
    "text": _text, "int": v.parse_int, "float": v.parse_float, "date": v.parse_date,
    "dates": lambda raw: [d for d in (v.parse_date(p) for p in v.split_multi(raw, commas=True)) if d],
    "bool": v.parse_bool, "list": v.split_multi, "names": split_names, "code": v.parse_code,
    "codes": v.parse_codes, "region": _region, "application_number": _application_number,
    "publication_number": _publication_number, "url_pubno": _url_pubno,
    "patent_type": v.parse_patent_type, "legal_status": _text,
}


# Length limits of the mapped fields stored in a String(n) column (patents, party names, departments), read from
# the models by panhuo.ingest.limits. A longer value is a field error: PostgreSQL would refuse the whole import.
MAX_LENGTH = limits.field_limits(FIELD_TYPES)


def _limited(parse: Callable[[object], Any], limit: int) -> Callable[[object], Any]:
    def parse_limited(raw: object) -> Any:
        value = parse(raw)
        if isinstance(value, str) and len(value) > limit:
            raise v.ValueProblem(limits.CODE, limits.reason(len(value), limit))
        return value

    parse_limited.inner, parse_limited.limit = parse, limit  # type: ignore[attr-defined]  # for columnar
    return parse_limited


class RowConverter:
    """Converts the rows of one file (one header row) with one header map."""

    def __init__(self, mapping: HeaderMap, headers: Sequence[str], *, file: str, synthetic_column: bool = True):
        self.mapping = mapping
        self.file = file
        self.headers = [str(h) for h in headers]
        resolved = mapping.resolve(self.headers)
        self.plan = [(i, col, _limited(PARSERS[col.parser], MAX_LENGTH[col.field]) if col.field in MAX_LENGTH
                      else PARSERS[col.parser]) for i, col in enumerate(resolved) if col is not None]
        self.synthetic_index = self._find("synthetic") if synthetic_column else None
        # field -> header, for the errors of values checked after parsing (limits.check_record)
        self.labels: dict[str, str] = {}
        for _i, col, _p in self.plan:
            self.labels.setdefault(col.field, col.header)
        for derived, source in (("legal_status_raw", "legal_status"), ("application_no_raw", "application_no"),
                                ("ipc_main", "ipc_all")):
            if source in self.labels:
                self.labels.setdefault(derived, self.labels[source])
        # exports without an application-number column (CNKI crawls) are identified by publication number
        self.by_publication = not any(c.field in ("application_no", "patent_number") for _i, c, _p in self.plan)

    def _find(self, header: str) -> int | None:
        for i, h in enumerate(self.headers):
            if h.strip().lower() == header:
                return i
        return None

    def convert(self, cells: Sequence[Any], row: int) -> tuple[PatentRecord | None, list[RowError]]:
        """One row → (record or ``None`` when rejected, errors)."""
        errors: list[RowError] = []
        values: dict[str, Any] = {}
        for index, col, parse in self.plan:
            raw = cells[index] if index < len(cells) else None
            if raw is None or raw == "":
                continue
            try:
                value = parse(raw)
            except (v.ValueProblem, numbers.NumberError) as exc:
                errors.append(RowError(self.file, row, col.header, raw, exc.reason, exc.code))
                continue
            if value is None or value == [] or value == "":
                continue
            self.put(values, col.field, value, raw)
        synthetic = cells[self.synthetic_index] if self.synthetic_index is not None and \
            self.synthetic_index < len(cells) else None
        return self.finish(values, errors, row, synthetic)

    @staticmethod
    def put(values: dict[str, Any], name: str, value: Any, raw: Any) -> None:
        """Store one parsed, non-empty cell value (the first of a field wins; status and number keep the raw)."""
        if name in values and name.startswith("extra."):
            return
        values.setdefault(name, value)
        if name == "legal_status":
            values["legal_status_raw"] = value
        elif name == "application_no":
            values["application_no_raw"] = v.clean_text(raw)

    def finish(self, values: dict[str, Any], errors: list[RowError], row: int,
               synthetic: Any = None) -> tuple[PatentRecord | None, list[RowError]]:
        """Parsed cell values of one row → (record or ``None`` when rejected, errors)."""
        record = self._identity(values, errors, row)
        if record is None:
            return None, errors
        self._build(record, values, errors, row)
        errors.extend(limits.check_record(record, self.labels))
        if synthetic is not None and str(synthetic).strip().lower() in {"1", "true", "yes", "是"}:
            record.fields["synthetic"] = True
        return record, errors

    def _identity(self, values: dict, errors: list[RowError], row: int) -> PatentRecord | None:
        app = values.pop("application_no", None)
        by_patent_no = values.pop("patent_number", None)
        if app and by_patent_no and by_patent_no != app:
            errors.append(RowError(self.file, row, "专利号", by_patent_no,
                                   f"patent number names application {by_patent_no}, not {app}", "conflict"))
        app = app or by_patent_no
        if not app and not (self.by_publication and values.get("publication_no")):
            failed = [e for e in errors if e.code not in ("conflict",)]
            id_errors = [e for e in failed if self._is_identity_header(e.field)]
            if id_errors:
                for e in id_errors:
                    e.fatal = True
            else:
                errors.append(RowError(self.file, row, None, None,
                                       "row has no application number: not imported", "missing_id", fatal=True))
            return None
        return PatentRecord(application_no=app or "", source_file=self.file, source_row=row,
                            source_format=self.mapping.format)

    def _is_identity_header(self, header: str | None) -> bool:
        for _i, col, _p in self.plan:
            if col.header == header:
                return col.field in ("application_no", "patent_number", "publication_no")
        return False

    def _build(self, record: PatentRecord, values: dict, errors: list[RowError], row: int) -> None:
        fields = record.fields
        extra: dict[str, Any] = {}
        pct: dict[str, Any] = {}
        for name, value in values.items():
            kind = _FIELD_KINDS.get(name) or _field_kind(name)
            if kind == "extra":
                _set_nested(extra, name.split(".")[1:], _jsonable(value))
            elif kind == "pct":
                pct[name[4:]] = _jsonable(value)
            elif kind == "column":
                fields[name] = value
        if pct:
            fields["pct"] = pct
        _derive(values, fields, extra)
        if extra:
            fields["extra"] = extra
        if "legal_status_raw" in fields:
            fields["legal_status"] = _normalise_status(fields["legal_status_raw"])
        if not fields.get("patent_type"):
            kind = _type_from_numbers(record.application_no, fields.get("publication_no"))
            if kind:
                fields["patent_type"] = str(kind)
        record.parties = _parties(values)
        record.events = _events(values, errors, self.file, row)
        record.department = values.get("department")


_COLUMN_FIELDS = frozenset({
    "application_no_raw", "publication_no", "grant_no", "patent_type", "title", "title_en", "abstract", "first_claim", "claims_count",
    "independent_claims_count", "filing_date", "publication_date", "grant_date", "expiry_date",
    "exam_request_date", "lapse_date", "legal_status_raw", "ipc_main", "ipc_all", "cpc", "family_size",
    "family_size_extended", "family_countries", "backward_citations", "backward_citation_count",
    "npl_citation_count", "forward_citations", "forward_citation_count", "transfer_count", "licence_count",
    "pledge_count", "agency", "agents", "examiner", "applicant_address", "region_code",
})


_FIELD_KINDS: dict[str, str] = {}


def _field_kind(name: str) -> str:
    """Where a mapped field goes: ``extra``, ``pct``, a Patent ``column``, or ``other`` (parties, events …)."""
    kind = "extra" if name.startswith("extra.") else "pct" if name.startswith("pct.") else \
        "column" if name in _COLUMN_FIELDS else "other"
    _FIELD_KINDS[name] = kind
    return kind


@lru_cache(maxsize=1024)
def _applicant_kinds(cell: str | None) -> tuple[str | None, ...]:
    return tuple(APPLICANT_KINDS.get(k) for k in v.split_multi(cell))


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(x) for x in value]
    return value


def _set_nested(target: dict, keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target.setdefault(keys[-1], value)


def _derive(values: dict, fields: dict, extra: dict) -> None:
    """Fields computed from others when the export lacks them (counts, family countries, priorities)."""
    if "priorities" in values:
        dates = values.get("priority_dates") or []
        fields["priorities"] = [{"number": n, "date": dates[i].isoformat() if i < len(dates) else None}
                                for i, n in enumerate(values["priorities"])]
    if "npl_citations" in values:
        extra["npl_citations"] = values["npl_citations"]
        fields.setdefault("npl_citation_count", len(values["npl_citations"]))
    if "backward_citations" in values:
        fields.setdefault("backward_citation_count", len(values["backward_citations"]))
    if "family_members" in values:
        extra["family_members"] = values["family_members"]
        countries = sorted({m[:2].upper() for m in values["family_members"] if m[:2].isalpha()})
        if countries:
            fields.setdefault("family_countries", countries)
    if fields.get("ipc_main") and not fields.get("ipc_all"):
        fields["ipc_all"] = [fields["ipc_main"]]
    elif fields.get("ipc_all") and not fields.get("ipc_main"):
        fields["ipc_main"] = fields["ipc_all"][0]


def _type_from_numbers(application_no: str, publication_no: str | None):
    if application_no:
        return numbers.patent_type_from_application(application_no)
    if publication_no:
        return numbers.parse_publication_number(publication_no).patent_type
    return None


@lru_cache(maxsize=4096)
def _normalise_status(raw: str) -> str:
    return str(legal.normalise_legal_status(raw))


def _parties(values: dict) -> list[PartyRecord]:
    out: list[PartyRecord] = []
    for field, role, first in (("applicants", "applicant", "first_applicant"),
                               ("patentees", "patentee", "first_patentee"),
                               ("inventors", "inventor", "first_inventor")):
        names = values.get(field) or ([values[first]] if values.get(first) else [])
        out.extend(PartyRecord(role=role, raw_name=name, position=i) for i, name in enumerate(names))
    kind_cell = values.get("applicant_kind")
    kinds = _applicant_kinds(kind_cell) if kind_cell is None or isinstance(kind_cell, str) else \
        [APPLICANT_KINDS.get(k) for k in v.split_multi(kind_cell)]
    owners = [p for p in out if p.role in ("applicant", "patentee")]
    applicants = [p for p in owners if p.role == "applicant"]
    for party, kind in zip(applicants, kinds):
        party.kind = kind
    if len(kinds) == 1 and kinds[0]:  # one type for the whole cell: the first owner of each role
        for party in owners:
            if party.position == 0:
                party.kind = party.kind or kinds[0]
    return out


def _events(values: dict, errors: list[RowError], file: str, row: int) -> list[EventRecord]:
    events: list[EventRecord] = []
    text = values.get("legal_events")
    if text:
        try:
            events.extend(legal.parse_cn_legal_events(text))
        except ValueError as exc:
            errors.append(RowError(file, row, "法律事件", text, f"legal events not understood ({exc})", "bad_events"))
    seen = {(e.kind, e.event_date) for e in events}
    for field, kind in DATE_EVENTS.items():
        for day in values.get(field) or []:
            if (kind, day) not in seen:
                seen.add((kind, day))
                events.append(EventRecord(kind=kind, event_date=day, details={"from": field}))
    return events
