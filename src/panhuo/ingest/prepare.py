"""The pure half of the bulk load: one slice of a tabular file → a :class:`Prepared` slice, without the database.

:class:`Preparer` parses the slice column by column (:func:`panhuo.ingest.columnar.parse_columns`), converts rows
with a problem (a bad value, legal-event text that does not parse) through the per-row converter, sends rows
without a usable number and rows whose number repeats inside the slice to the record path, and builds, for the
other rows (the *candidates*), the ``patents`` insert columns in storage form (JSON text, ISO dates), the
provenance bits known without the database, each row's parties with their keys, its department and its legal
events. Everything in a :class:`Prepared` is plain data (str, int, None, records), so a big CSV is prepared in a
worker process (:mod:`panhuo.ingest.pipeline`) on the other core while the main process loads the previous slice
(:class:`panhuo.ingest.fastpath.FastLoader`: stored numbers, ids, parties, organisations, writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from panhuo.ingest import bulk, columnar, limits, merge
from panhuo.ingest import values as v
from panhuo.ingest.columnar import _FAILED, _SKIP
from panhuo.ingest.provenance import BIT
from panhuo.ingest.rows import (
    APPLICANT_KINDS,
    DATE_EVENTS,
    PartyKeys,
    RowConverter,
    _applicant_kinds,
    _field_kind,
    _jsonable,
    _normalise_status,
    _set_nested,
    put_value,
)
from panhuo.patents import numbers

PLACEHOLDER = "PUB:"
_ROLES = (("applicants", "applicant", "first_applicant"), ("patentees", "patentee", "first_patentee"),
          ("inventors", "inventor", "first_inventor"))
# mapped fields that become parties, events, priorities, extra … (rows._build / _derive), not a column as they are
_DERIVED = {"priorities", "priority_dates", "npl_citations", "family_members", "legal_events", "department",
            "applicant_kind", *DATE_EVENTS, *(f for triple in _ROLES for f in triple[0::2])}
EVENT_COLUMNS = ("patent_id", "event_date", "kind", "code", "description", "counterparty", "details", "source")
EVENT_READY = frozenset({"event_date", "details"})  # event columns already in storage form


PARTY_FIELDS = ("role", "raw_name", "position", "key", "kind")


@dataclass
class Prepared:
    """One slice, ready for :meth:`panhuo.ingest.fastpath.FastLoader.load_prepared` (plain, picklable data).

    ``leftover`` holds the record path's (record, errors) for rows known to need it without the database;
    ``cand`` the other rows' indexes. Per-candidate lists are in ``cand`` order; parties and events are flat
    columns with a count per candidate (cheap to pickle, written column by column).
    """

    numbers: list[int]  # source row numbers
    raw: Any  # cells for a late fallback: columns (unread ``None``), (width, indexes, polars frame) or {row: cells}
    leftover: dict[int, tuple]  # row index -> (record or None, errors)
    cand: list[int]
    keys: list[str]  # canonical application number per candidate
    pubs: list[str | None]  # publication number per candidate (a stored ``PUB:`` placeholder sends it to the merge)
    cols: dict[str, list] = field(default_factory=dict)  # patents columns but LOADER_COLUMNS; storage form
    ready: frozenset[str] = frozenset()  # the names of ``cols`` already in storage form
    masks: list[int] = field(default_factory=list)  # provenance bits known without the database
    party_counts: list[int] = field(default_factory=list)
    parties: dict[str, list] = field(default_factory=dict)  # PARTY_FIELDS -> flat values, candidate by candidate
    departments: list[str | None] = field(default_factory=list)
    event_counts: list[int] = field(default_factory=list)
    events: dict[str, list] = field(default_factory=dict)  # EVENT_COLUMNS but patent_id -> flat values

    def cells(self, i: int) -> list:
        """Row ``i``'s cells as the reader gave them (``None`` for columns not read)."""
        if isinstance(self.raw, list):
            return [None if c is None else c[i] for c in self.raw]
        if isinstance(self.raw, dict):
            if i not in self.raw:
                raise RuntimeError(f"row {self.numbers[i]}: its cells were not kept (a number stored while the "
                                   "file was loading, not seen in an earlier slice)")
            return self.raw[i]
        width, indexes, frame = self.raw
        cells = [None] * width
        for index, value in zip(indexes, frame.row(i)):
            cells[index] = value
        return cells


def _cells(columns: Sequence, index: int, n: int) -> Sequence[Any]:
    """Column ``index`` as a list (``None`` cells when the file has no such column)."""
    column = columns[index] if index < len(columns) else None
    return [None] * n if column is None else columnar._values(column)


def _row_values(plan, i: int) -> dict[str, Any]:
    """One row's parsed non-empty values in plan order, as :func:`columnar.convert_batch` builds them."""
    values: dict[str, Any] = {}
    for name, vals, raw in plan:
        value = vals[i]
        if value is not _SKIP:
            put_value(values, name, value, raw, i)
    return values


class Preparer:
    """Prepares the slices of one file (one :class:`RowConverter`); keeps parse caches across slices."""

    def __init__(self, converter: RowConverter):
        from panhuo.patents import legal

        self.converter = converter
        self.legal = legal
        self._events: dict[str, list | None] = {}  # legal-event text -> events (None: does not parse)
        self._long_events: dict[str, bool] = {}  # legal-event text -> an event has a value too long for its column
        self._keys = PartyKeys()
        self._kind_cells: dict[str | None, tuple] = {}
        # one object per distinct name / inventor key: a pickle sends a repeated object once, and SQLite's
        # binding encodes it to UTF-8 once (cleared when large, like the key cache)
        self._shared: dict[str, str] = {}
        self._seen: set[str] | None = None  # see track_numbers

    def track_numbers(self) -> None:
        """For a file loaded into an empty database: remember every number of earlier slices, so that only the
        candidates whose number (or ``PUB:`` placeholder) may be stored by then keep their cells in
        :attr:`Prepared.raw` (a candidate the loader finds stored is converted again from its cells)."""
        self._seen = set()

    def wanted_columns(self) -> set[int]:
        """The column indexes the map reads (plan and ``synthetic``); the others need not be materialised."""
        conv = self.converter
        wanted = {index for index, _col, _p in conv.plan}
        if conv.synthetic_index is not None:
            wanted.add(conv.synthetic_index)
        return wanted

    def prepare(self, row_numbers: Sequence[int], columns: Sequence[Sequence[Any] | None],
                raw: Any = None) -> Prepared:
        """The slice's record-path rows and its candidates' insert data (see :class:`Prepared`).

        ``columns``: lists, or polars Series (parsed in polars without a round trip through Python lists; made
        lists only where cells are read one by one). ``raw``: the cells in a compact form for
        :attr:`Prepared.raw` (default: ``columns`` themselves).
        """
        conv = self.converter
        n = len(row_numbers)
        if len(self._shared) > 1_000_000:
            self._shared.clear()
        parsed = columnar.parse_columns(conv, columns, n)
        plan = [(col.field, vals, _cells(columns, index, n) if col.field == "application_no" else None)
                for (index, col, _p), vals in zip(conv.plan, parsed)]
        by_name = {name: vals for name, vals, _raw in plan}
        failed = self._failed(plan, by_name, n)
        self._too_long(columns, by_name, failed)
        synthetic = _cells(columns, conv.synthetic_index, n) if conv.synthetic_index is not None and \
            conv.synthetic_index < len(columns) else None
        listed: list = []  # every column as a list, made on the first row that needs all its cells

        def row_cells(i: int) -> list:
            if not listed:
                listed.extend(None if c is None else columnar._values(c) for c in columns)
            return [None if c is None else c[i] for c in listed]

        leftover: dict[int, tuple] = {}
        keys: list[str | None] = [None] * n
        apps, pnos = by_name["application_no"], by_name.get("patent_number")
        for i in range(n):
            if failed[i]:
                record, errors = conv.convert(row_cells(i), row_numbers[i])
                leftover[i] = (record, errors)
                keys[i] = record.application_no if record is not None else None
                continue
            app = apps[i]
            pno = pnos[i] if pnos is not None else _SKIP
            if app is _SKIP or (pno is not _SKIP and pno != app):
                leftover[i] = ()
                keys[i] = app if app is not _SKIP else (pno if pno is not _SKIP else None)
            else:
                keys[i] = app
        seen: dict[str, int] = {}
        for key in keys:
            if key:
                seen[key] = seen.get(key, 0) + 1
        for i, key in enumerate(keys):  # a number repeated inside the slice: every copy merges, in row order
            if i not in leftover and seen[key] > 1:
                leftover[i] = ()
        for i, entry in leftover.items():
            if entry == ():
                leftover[i] = conv.finish(_row_values(plan, i), [], row_numbers[i],
                                          synthetic[i] if synthetic is not None else None)
        cand = [i for i in range(n) if i not in leftover]
        pubs = by_name.get("publication_no")
        if self._seen is not None:
            raw = self._maybe_stored(row_cells, leftover, cand, keys, pubs)
        elif raw is None:
            raw = [None if c is None else columnar._values(c) for c in columns]
        prepared = Prepared(list(row_numbers), raw, leftover, cand,
                            [keys[i] for i in cand],  # type: ignore[misc]
                            [None if pubs is None or pubs[i] is _SKIP else pubs[i] for i in cand])
        if cand:
            self._columns(prepared, plan, by_name, synthetic)
        return prepared

    def _maybe_stored(self, row_cells, leftover: dict, cand: list[int], keys: list, pubs: list | None) -> dict:
        """``{row index: cells}`` of the candidates whose number or placeholder an earlier slice stored; then
        remember this slice's numbers (as ``service`` stores them: the number, else ``PUB:`` + publication)."""
        seen = self._seen
        assert seen is not None
        raw = {}
        for i in cand:
            if keys[i] in seen or (pubs is not None and pubs[i] is not _SKIP and PLACEHOLDER + pubs[i] in seen):
                raw[i] = row_cells(i)
        seen.update(keys[i] for i in cand)
        for record, _errors in leftover.values():
            if record is not None:
                seen.add(record.application_no or PLACEHOLDER + str(record.fields.get("publication_no") or ""))
        return raw

    def _failed(self, plan, by_name: dict, n: int) -> list[bool]:
        """Rows with a cell the parser refused or legal-event text that does not parse."""
        failed = [False] * n
        for _name, vals, _raw in plan:
            if _FAILED in vals:
                for i, value in enumerate(vals):
                    if value is _FAILED:
                        failed[i] = True
        events_text = by_name.get("legal_events")
        if events_text is not None:
            for i, text in enumerate(events_text):
                if text is not _SKIP and not failed[i] and self._parse_events(text) is None:
                    failed[i] = True  # its error comes from the per-row path
        return failed

    def _too_long(self, columns: Sequence, by_name: dict, failed: list[bool]) -> None:
        """Mark the rows with a value too long for its column that the parsers do not refuse (a party name in a
        list, the number as written, a main IPC taken from the codes, a legal event's code or counterparty): the
        per-row path reports them (:func:`panhuo.ingest.limits.check_record`) and imports the rest of the row."""
        index = {col.field: i for i, col, _p in self.converter.plan}
        # a name is a piece of its cleaned cell, the raw number is the cleaned cell: only long cells can fail
        for name, limit in [(f, limits.NAME) for f in limits.NAME_LISTS] + [("application_no", _RAW_NUMBER)]:
            if name not in index:
                continue
            vals = by_name[name]
            for i in _long_cells(columns, index[name], limit):
                if failed[i]:
                    continue
                value = v.clean_text(columns[index[name]][i]) if name == "application_no" else vals[i]
                if value is not _SKIP and value is not None and limits.exceeds(value, limit):
                    failed[i] = True
        codes = by_name.get("ipc_all")
        if codes is not None:
            for i, x in enumerate(codes):
                if x.__class__ is list and x and len(x[0]) > _IPC_MAIN:
                    failed[i] = True
        texts = by_name.get("legal_events")
        if texts is not None:
            long_events = self._long_events
            for i, text in enumerate(texts):
                if text is _SKIP or failed[i]:
                    continue
                long = long_events.get(text)
                if long is None:
                    if len(long_events) > 100_000:
                        long_events.clear()
                    long = long_events[text] = limits.events_exceed(self._parse_events(text) or ())
                if long:
                    failed[i] = True

    def _parse_events(self, text: str) -> list | None:
        if text in self._events:
            return self._events[text]
        try:
            events = self.legal.parse_cn_legal_events(text)
        except ValueError:
            events = None
        if len(self._events) > 100_000:
            self._events.clear()
        self._events[text] = events
        return events

    # -- the candidates' insert data ------------------------------------------------------------------
    def _columns(self, out: Prepared, plan, by_name: dict, synthetic) -> None:
        fast = out.cand
        m = len(fast)
        cols, masks = _column_fields(plan, fast)
        for name in _SET_LATER:
            cols.setdefault(name, [None] * m)
        app_raw = next(raw for name, _vals, raw in plan if name == "application_no")
        cols["application_no_raw"] = [v.clean_text(app_raw[i]) for i in fast]
        apps = by_name["application_no"]
        cols["application_no"] = list(out.keys)
        used = [(name, vals) for name, vals, _r in plan if _any_value(vals, fast)]  # columns empty here: skipped
        extras = [(name.split(".")[1:], vals) for name, vals in used if _field_kind(name) == "extra"]
        pcts = [(name[4:], vals) for name, vals in used if _field_kind(name) == "pct"]
        derived = [(name, vals) for name, vals in used if name in _DERIVED]
        row_derive = [name for name in _ROW_DERIVE if name in cols]
        status = by_name.get("legal_status")
        source = (self.converter.file or "")[:300]
        has_events = any(name == "legal_events" or name in DATE_EVENTS for name, _v in derived)
        synthetic_flags: dict[Any, bool] = {}
        party_columns: tuple[list, ...] = ([], [], [], [], [])
        event_columns: tuple[list, ...] = ([], [], [], [], [], [], [])
        party_counts, event_counts, departments = out.party_counts, out.event_counts, out.departments
        for j, i in enumerate(fast):
            values = {name: vals[i] for name, vals in derived if vals[i] is not _SKIP}
            extra: dict[str, Any] = {}
            for path, vals in extras:
                if vals[i] is not _SKIP:
                    _set_nested(extra, path, _jsonable(vals[i]))
            pct = {key: _jsonable(vals[i]) for key, vals in pcts if vals[i] is not _SKIP}
            set_fields = _derive_row(values, {name: cols[name][j] for name in row_derive}, extra, apps[i])
            if pct:
                set_fields["pct"] = pct
            if extra:
                set_fields["extra"] = extra
            if status is not None and status[i] is not _SKIP:
                set_fields["legal_status_raw"] = status[i]
                set_fields["legal_status"] = _normalise_status(status[i])
            if synthetic is not None:
                flag = synthetic_flags.get(synthetic[i])
                if flag is None:
                    flag = synthetic_flags[synthetic[i]] = str(synthetic[i]).strip().lower() in _TRUE
                if flag:
                    set_fields["synthetic"] = True
            mask = masks[j] | _BASE_BIT
            for name, value in set_fields.items():
                cols[name][j] = value
                mask |= BIT.get(name, 0)
            count = self._parties(values, party_columns)
            if count:
                mask |= self._role_bits(party_columns[0], count)
            row_events = self._row_events(values, source, event_columns) if has_events else 0
            if row_events:
                mask |= BIT["events"]
            masks[j] = mask
            party_counts.append(count)
            event_counts.append(row_events)
            departments.append(values.get("department"))
        _finish_columns(cols, fast, by_name)
        out.cols, out.ready = _storage_form(cols)
        out.masks = masks
        out.parties = dict(zip(PARTY_FIELDS, party_columns))
        out.events = dict(zip(EVENT_COLUMNS[1:], event_columns))

    @staticmethod
    def _role_bits(roles: list[str], count: int) -> int:
        bits = 0
        for role in set(roles[-count:]):
            bits |= _ROLE_BITS[role]
        return bits

    def _parties(self, values: dict, columns: tuple[list, ...]) -> int:
        """Append the row's parties (role, raw name, position, party key, kind, as ``rows._parties`` and
        ``Upserter`` give them) to the flat ``columns``; returns how many."""
        found: list[tuple[str, Sequence[str]]] = []
        owner = ""
        for names_field, role, first in _ROLES:
            names = values.get(names_field)
            if not names:
                one = values.get(first)
                if not one:
                    continue
                names = (one,)
            if not owner and role != "inventor":
                owner = names[0]
            found.append((role, names))
        if not found:
            return 0
        kinds = self._kinds(values.get("applicant_kind"))
        single = kinds[0] if len(kinds) == 1 and kinds[0] else None
        key_of = self._keys
        owner_key = key_of[owner] if owner else ""
        roles, raws, positions, keys, kinds_out = columns
        count = 0
        for role, names in found:
            n = len(names)
            roles.extend([role] * n)
            shared = self._shared
            raws.extend([shared.get(raw) or shared.setdefault(raw, raw) for raw in names])
            positions.extend(range(n))
            count += n
            if role == "inventor":
                kinds_out.extend([None] * n)
                if owner:
                    keys.extend([shared.setdefault(k, k) for k in
                                 [f"{key_of[raw]}@{owner_key}" for raw in names]])
                else:
                    keys.extend([key_of[raw] for raw in names])
                continue
            keys.extend([key_of[raw] for raw in names])
            if role == "applicant":
                row_kinds = [kinds[p] if p < len(kinds) else None for p in range(n)]
                if row_kinds[0] is None:
                    row_kinds[0] = single
                kinds_out.extend(row_kinds)
            else:
                kinds_out.append(single)
                kinds_out.extend([None] * (n - 1))
        return count

    def _kinds(self, cell: Any) -> tuple:
        """Applicant kinds of a 申请人类型 cell (cached per text)."""
        if cell is None or isinstance(cell, str):
            kinds = self._kind_cells.get(cell)
            if kinds is None:
                kinds = self._kind_cells[cell] = _applicant_kinds(cell)
            return kinds
        return tuple(APPLICANT_KINDS.get(k) for k in v.split_multi(cell))

    def _row_events(self, values: dict, source: str, columns: tuple[list, ...]) -> int:
        """Append the row's legal events (parsed text, then date columns not already there), without patent_id,
        to the flat ``columns``; returns how many."""
        parsed = self._parse_events(values["legal_events"]) if "legal_events" in values else []
        rows = [(_iso(e.event_date), e.kind, e.code, e.description, e.counterparty, bulk._json_text(e.details or {}),
                 source) for e in parsed or ()]
        seen = {(e.kind, e.event_date) for e in parsed or ()}
        for names_field, kind in DATE_EVENTS.items():
            for day in values.get(names_field) or ():
                if (kind, day) not in seen:
                    seen.add((kind, day))
                    rows.append((_iso(day), kind, None, None, None, _FROM_JSON[names_field], source))
        for row in rows:
            for column, value in zip(columns, row):
                column.append(value)
        return len(rows)


_DEFAULTS: dict[str, Any] = {"title": "", "legal_status": "unknown", "ipc_all": [], "cpc": [], "priorities": [],
                             "pct": {}, "family_countries": [], "backward_citations": [], "forward_citations": [],
                             "agents": [], "synthetic": False, "edited_fields": [], "extra": {}, "version_id": 1}
# column values _derive_row reads or completes
_ROW_DERIVE = ("ipc_main", "ipc_all", "npl_citation_count", "backward_citation_count", "backward_citations",
               "family_countries", "patent_type", "publication_no")
_SET_LATER = ("extra", "pct", "priorities", "legal_status", "legal_status_raw", "patent_type", "synthetic",
              "ipc_main", "ipc_all", "npl_citation_count", "backward_citation_count", "family_countries")
LOADER_COLUMNS = ("id", "institution_id", "department_id", "created_at", "updated_at")  # set by the loader
_TRUE = {"1", "true", "yes", "是"}
_ROLE_BITS = {role: BIT[field] for role, field in merge.ROLE_FIELDS.items()}
_BASE_BIT = BIT["application_no_raw"]
_FROM_JSON = {name: bulk._json_text({"from": name}) for name in DATE_EVENTS}


_RAW_NUMBER = limits.PATENT["application_no_raw"]
_IPC_MAIN = limits.PATENT["ipc_main"]


def _long_cells(columns: Sequence, index: int, limit: int) -> list[int]:
    """Indexes of the cells of column ``index`` longer than ``limit`` characters (as text)."""
    column = columns[index] if index < len(columns) else None
    if column is None:
        return []
    if isinstance(column, pl.Series):
        if column.dtype == pl.String:
            return (column.str.len_chars() > limit).fill_null(False).arg_true().to_list()
        column = column.to_list()
    try:
        if max(map(len, filter(None, column)), default=0) <= limit:  # text cells (most files): one pass in C
            return []
    except TypeError:  # numbers from a typed sheet
        pass
    return [i for i, x in enumerate(column) if x is not None and len(x if x.__class__ is str else str(x)) > limit]


def _iso_column(values: list) -> list:
    """ISO text of each date, one string per distinct date."""
    texts: dict[date, str] = {}
    out = []
    for x in values:
        if x.__class__ is date:
            text = texts.get(x)
            if text is None:
                text = texts[x] = x.isoformat()
            out.append(text)
        else:
            out.append(x)
    return out


def _iso(day: Any) -> Any:
    return day.isoformat() if day.__class__ is date else day


def _storage_form(cols: dict[str, list]) -> tuple[dict[str, list], frozenset[str]]:
    """JSON columns as JSON text and date columns as ISO text (how SQLite stores them and COPY reads them)."""
    ready = []
    for name, values in cols.items():
        kind = bulk._kind(bulk.PATENTS.c[name])
        if kind == "json":
            cols[name] = bulk._json_column(values)
        elif kind == "any":
            if any(x.__class__ is datetime for x in values):
                continue  # left to the writer (time zones)
            cols[name] = _iso_column(values)
        ready.append(name)
    return cols, frozenset(ready)


def _any_value(vals: list, fast: list[int]) -> bool:
    """True when some row of ``fast`` has a value in this parsed column."""
    if len(fast) == len(vals):
        return vals.count(_SKIP) != len(vals)
    return any(vals[i] is not _SKIP for i in fast)


def _column_fields(plan, fast: list[int]) -> tuple[dict[str, list], list[int]]:
    """Patent columns copied from parsed cells (``None`` where empty) and each row's provenance bits."""
    cols: dict[str, list] = {}
    m = len(fast)
    every = m == len(plan[0][1]) if plan else True
    masks = [0] * m
    common = 0  # bits of the columns filled on every row
    for name, vals, _raw in plan:
        if _field_kind(name) != "column" or name in _DERIVED:
            continue
        sub = vals if every else [vals[i] for i in fast]
        empty = sub.count(_SKIP)
        bit = BIT.get(name, 0)
        if empty == 0:
            cols[name] = list(sub)
            common |= bit
        elif empty == m:
            cols[name] = [None] * m
        else:
            cols[name] = [None if x is _SKIP else x for x in sub]
            if bit:
                for j, x in enumerate(sub):
                    if x is not _SKIP:
                        masks[j] |= bit
    return cols, [x | common for x in masks] if common else masks


def _finish_columns(cols: dict, fast: list[int], by_name: dict) -> None:
    """Defaults where empty (the values are serialised at once, so a shared ``[]`` is safe), country, and every
    other column but the loader's (:data:`LOADER_COLUMNS`) as ``None``."""
    m = len(fast)
    for name, default in _DEFAULTS.items():
        if name not in cols:
            cols[name] = [default] * m
        else:
            cols[name] = [default if x is None else x for x in cols[name]]
    pubs = by_name.get("publication_no")
    countries: dict[str, str] = {}
    cols["country"] = [countries.setdefault(c, c) for c in [key[:2] if key[:2].isalpha() else
                       str((pubs[i] if pubs is not None and pubs[i] is not _SKIP else None) or "CN")[:2]
                       for key, i in zip(cols["application_no"], fast)]]
    for column in bulk.PATENTS.columns:
        if column.name not in cols and column.name not in LOADER_COLUMNS:
            cols[column.name] = [None] * m


def _derive_row(values: dict, row: dict, extra: dict, app: str) -> dict[str, Any]:
    """The fields :func:`panhuo.ingest.rows._derive` and ``_build`` compute for one row (only those set)."""
    out: dict[str, Any] = {}
    if "priorities" in values:
        dates = values.get("priority_dates") or []
        out["priorities"] = [{"number": n, "date": dates[i].isoformat() if i < len(dates) else None}
                             for i, n in enumerate(values["priorities"])]
    if "npl_citations" in values:
        extra["npl_citations"] = values["npl_citations"]
        if row.get("npl_citation_count") is None:
            out["npl_citation_count"] = len(values["npl_citations"])
    backward = row.get("backward_citations")
    if backward and row.get("backward_citation_count") is None:
        out["backward_citation_count"] = len(backward)
    if "family_members" in values:
        extra["family_members"] = values["family_members"]
        countries = sorted({m[:2].upper() for m in values["family_members"] if m[:2].isalpha()})
        if countries and not row.get("family_countries"):
            out["family_countries"] = countries
    ipc_main, ipc_all = row.get("ipc_main"), row.get("ipc_all")
    if ipc_main and not ipc_all:
        out["ipc_all"] = [ipc_main]
    elif ipc_all and not ipc_main:
        out["ipc_main"] = ipc_all[0]
    if not row.get("patent_type"):
        kind = numbers.patent_type_from_application(app)
        if kind:
            out["patent_type"] = str(kind)
    return out

