"""Bulk load of new patents straight from parsed columns: no record object per row.

For a batch of a tabular file (:meth:`panhuo.ingest.readers.Table.batches`), cells are parsed column by column
(:func:`panhuo.ingest.columnar.parse_columns`). Rows that are clean, new and unique — their application number
is valid, appears once in the batch, is not stored yet and has no ``PUB:`` placeholder waiting for it — become
``patents``, ``patent_parties``, ``legal_events`` and ``record_sources`` insert columns directly and are written
with one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) per table, with ids reserved up front.

Every other row (a bad value, a missing or repeated number, a patent already stored, legal-event text that
does not parse) is handed back as :class:`PatentRecord` / :class:`RowError` in row order, for the per-record
upsert (:class:`panhuo.ingest.service.Upserter`), so its errors and merge rules are exactly the per-row path's.
Slices are written by one writer thread while the next slice is parsed (see :class:`_Writer`).
``tests/ingest/test_ingest_fastpath.py`` checks that database content, counts and error reports are the same as
with the per-row path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from panhuo.db import utcnow
from panhuo.ingest import bulk, columnar, merge
from panhuo.ingest import values as v
from panhuo.ingest.columnar import _FAILED, _SKIP
from panhuo.ingest.provenance import BIT
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.ingest.rows import RowConverter, _applicant_kinds, _field_kind, _jsonable, _normalise_status, \
    _set_nested, APPLICANT_KINDS, DATE_EVENTS
from panhuo.patents import numbers

PLACEHOLDER = "PUB:"
_ROLES = (("applicants", "applicant", "first_applicant"), ("patentees", "patentee", "first_patentee"),
          ("inventors", "inventor", "first_inventor"))
# mapped fields that become parties, events, priorities, extra … (rows._build / _derive), not a column as they are
_DERIVED = {"priorities", "priority_dates", "npl_citations", "family_members", "legal_events", "department",
            "applicant_kind", *DATE_EVENTS, *(f for triple in _ROLES for f in triple[0::2])}


SLICE_ROWS = 10_000  # rows per loaded slice: small enough that parsing one overlaps writing the previous one


def slices(batches: Iterable[tuple[list[int], list]], size: int | None = None) -> Iterator[tuple[list[int], list]]:
    """The reader's batches cut into slices of at most ``size`` (default :data:`SLICE_ROWS`) rows."""
    size = size or SLICE_ROWS
    for row_numbers, columns in batches:
        for start in range(0, len(row_numbers), size):
            stop = start + size
            if start == 0 and stop >= len(row_numbers):
                yield row_numbers, columns
            else:
                yield row_numbers[start:stop], [None if c is None else c[start:stop] for c in columns]


def usable(converter: RowConverter) -> bool:
    """The fast path applies to maps identified by application number, each field mapped once."""
    fields = [col.field for _i, col, _p in converter.plan]
    return not converter.by_publication and "application_no" in fields and len(fields) == len(set(fields))


def _row_values(plan, i: int) -> dict[str, Any]:
    """One row's parsed non-empty values in plan order, as :func:`columnar.convert_batch` builds them."""
    values: dict[str, Any] = {}
    for name, vals, raw in plan:
        value = vals[i]
        if value is not _SKIP:
            values[name] = value
            if name == "legal_status":
                values["legal_status_raw"] = value
            elif name == "application_no":
                values["application_no_raw"] = v.clean_text(raw[i])
    return values


class _Writer:
    """Runs one batch's inserts on a worker thread while the next batch is parsed.

    SQLite's ``executemany`` and psycopg's ``COPY`` release the GIL while the database works, so parsing and
    writing overlap on two cores. At most one write is in flight; :meth:`wait` (re-raising its error) comes
    before any other use of the connection.
    """

    def __init__(self, conn):
        from concurrent.futures import ThreadPoolExecutor

        self.conn = conn
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="panhuo-ingest-writer")
        self._pending = None

    def submit(self, tables: list[tuple]) -> None:
        self.wait()
        self._pending = self._pool.submit(self._write, tables)

    def _write(self, tables: list[tuple]) -> None:
        for table, columns in tables:
            bulk.insert_columns(self.conn, table, columns)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)


class FastLoader:
    """Loads the clean new rows of each batch for one :class:`~panhuo.ingest.service.Upserter`."""

    def __init__(self, upserter, converter: RowConverter):
        from panhuo.patents import legal, parties

        self.up = upserter
        self.converter = converter
        self.parties = parties
        self.legal = legal
        self._events: dict[str, list | None] = {}  # legal-event text -> events (None: does not parse)
        self._pending: dict[str, tuple] = {}  # party key -> (role, raw name, kind) not stored yet
        self.writer: _Writer | None = None

    def wanted_columns(self) -> set[int]:
        """The column indexes the map reads (plan and ``synthetic``); the others need not be materialised."""
        conv = self.converter
        wanted = {index for index, _col, _p in conv.plan}
        if conv.synthetic_index is not None:
            wanted.add(conv.synthetic_index)
        return wanted

    def wait(self) -> None:
        """Wait for the batch being written (call before using the connection)."""
        if self.writer is not None:
            self.writer.wait()

    def close(self) -> None:
        """Finish the last write and stop the writer thread (re-raises a write error)."""
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close()

    def abandon(self) -> None:
        """Stop the writer thread after an error elsewhere (a write error now would only hide that one)."""
        with contextlib.suppress(Exception):
            self.close()

    def load_batch(self, row_numbers: Sequence[int], columns: Sequence[Sequence[Any]]) -> list:
        """Insert the batch's clean new rows; return the other rows' records and errors in row order."""
        conv = self.converter
        n = len(row_numbers)
        parsed = columnar.parse_columns(conv, columns, n)
        self.wait()  # from here on the batch uses the connection
        plan = [(col.field, vals, columns[index] if index < len(columns) else [None] * n)
                for (index, col, _p), vals in zip(conv.plan, parsed)]
        by_name = {name: vals for name, vals, _raw in plan}
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
        synthetic = columns[conv.synthetic_index] if conv.synthetic_index is not None and \
            conv.synthetic_index < len(columns) else None
        leftover: dict[int, tuple] = {}
        keys: list[str | None] = [None] * n
        apps, pnos = by_name["application_no"], by_name.get("patent_number")
        for i in range(n):
            if failed[i]:
                record, errors = conv.convert([None if c is None else c[i] for c in columns], row_numbers[i])
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
        self._route_known(keys, leftover, by_name.get("publication_no"))
        fast = [i for i in range(n) if i not in leftover]
        if fast:
            self._insert(fast, plan, by_name, row_numbers, synthetic)
        out: list[PatentRecord | RowError] = []
        for i in sorted(leftover):
            record, errors = leftover[i] or conv.finish(_row_values(plan, i), [], row_numbers[i],
                                                        synthetic[i] if synthetic is not None else None)
            out.extend(errors)
            if record is not None:
                out.append(record)
        return out

    def _route_known(self, keys: list, leftover: dict, pubs: list | None) -> None:
        """Rows whose key repeats in the batch, is stored, or has a stored placeholder go to the record path."""
        seen: dict[str, int] = {}
        for key in keys:
            if key:
                seen[key] = seen.get(key, 0) + 1
        wanted = [k for k in seen]
        if pubs is not None:
            wanted += [PLACEHOLDER + p for i, p in enumerate(pubs) if p is not _SKIP and i not in leftover]
        stored = bulk.ids_by(self.up.conn, bulk.PATENTS.c.application_no, wanted) if wanted else {}
        for i, key in enumerate(keys):
            if i in leftover:
                continue
            if seen[key] > 1 or key in stored or \
                    (pubs is not None and pubs[i] is not _SKIP and PLACEHOLDER + pubs[i] in stored):
                leftover[i] = ()

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

    # -- building the insert columns ---------------------------------------------------------------------
    def _insert(self, fast: list[int], plan, by_name: dict, row_numbers, synthetic) -> None:
        up = self.up
        conn = up.conn
        m = len(fast)
        now = utcnow()
        ids = bulk.reserve_ids(conn, bulk.PATENTS, m)
        cols, masks = _column_fields(plan, fast)
        for name in _SET_LATER:
            cols.setdefault(name, [None] * m)
        app_raw = next(raw for name, _vals, raw in plan if name == "application_no")
        cols["application_no_raw"] = [v.clean_text(app_raw[i]) for i in fast]
        apps = by_name["application_no"]
        cols["application_no"] = [apps[i] for i in fast]
        used = [(name, vals) for name, vals, _r in plan if _any_value(vals, fast)]  # columns empty here: skipped
        extras = [(name.split(".")[1:], vals) for name, vals in used if _field_kind(name) == "extra"]
        pcts = [(name[4:], vals) for name, vals in used if _field_kind(name) == "pct"]
        derived = [(name, vals) for name, vals in used if name in _DERIVED]
        row_derive = [name for name in _ROW_DERIVE if name in cols]
        status = by_name.get("legal_status")
        links: list[tuple] = []
        events: list[tuple] = []
        source = (self.converter.file or "")[:300]
        base_bit = BIT["application_no_raw"]
        has_events = any(name == "legal_events" or name in DATE_EVENTS for name, _v in derived)
        synthetic_flags: dict[Any, bool] = {}
        organisations = self._organisations
        for j, i in enumerate(fast):
            values = {name: vals[i] for name, vals in derived if vals[i] is not _SKIP}
            extra: dict[str, Any] = {}
            for path, vals in extras:
                if vals[i] is not _SKIP:
                    _set_nested(extra, path, _jsonable(vals[i]))
            pct = {key: _jsonable(vals[i]) for key, vals in pcts if vals[i] is not _SKIP}
            set_fields = _derive_row(values, {name: cols[name][j] for name in row_derive},
                                     extra, apps[i])
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
            mask = masks[j] | base_bit
            for name, value in set_fields.items():
                cols[name][j] = value
                mask |= BIT.get(name, 0)
            pid = ids[j]
            party_list = self._parties(values)
            inst, dept = organisations(party_list, values.get("department"))
            cols["institution_id"][j], cols["department_id"][j] = inst, dept
            if inst is not None:
                mask |= BIT["institution_id"]
            if dept is not None:
                mask |= BIT["department_id"]
            for role, raw_name, position, key, _kind in party_list:
                links.append((pid, key, role, position, raw_name[:300]))
                mask |= _ROLE_BITS[role]
            if has_events:
                row_events = self._row_events(values, pid, source)
                if row_events:
                    events.extend(row_events)
                    mask |= BIT["events"]
            masks[j] = mask
        self._flush_parties()
        _finish_columns(cols, fast, by_name, now, ids)
        sources = {"patent_id": ids, "import_id": [up.job.id] * m, "source_file": [self.converter.file] * m,
                   "source_row": [row_numbers[i] for i in fast], "source_format": [self.converter.mapping.format] * m,
                   "fields_mask": masks, "recorded_at": [now] * m}
        tables = _tables(cols, links, up.party_ids, events, sources)
        if self.writer is None:
            self.writer = _Writer(conn)
        self.writer.submit(tables)
        up.counts.imported += m

    def _parties(self, values: dict) -> list[tuple[str, str, int, str, str | None]]:
        """(role, raw name, position, party key, kind) of a row, as ``rows._parties`` and ``Upserter`` give them;
        keys not stored yet wait in ``_pending``."""
        found: list[tuple[str, str, int]] = []
        for field, role, first in _ROLES:
            names = values.get(field)
            if not names:
                one = values.get(first)
                names = [one] if one else ()
            found.extend((role, name, i) for i, name in enumerate(names))
        if not found:
            return []
        kind_cell = values.get("applicant_kind")
        kinds = _applicant_kinds(kind_cell) if kind_cell is None or isinstance(kind_cell, str) else \
            [APPLICANT_KINDS.get(k) for k in v.split_multi(kind_cell)]
        single = kinds[0] if len(kinds) == 1 and kinds[0] else None
        owner = next((p[1] for p in found if p[0] != "inventor"), "")
        up = self.up
        cached, key_of = up._keys, up._key
        owner_key = (cached.get(owner) or key_of(owner)) if owner else ""
        known, pending = up.party_ids, self._pending
        out = []
        for role, raw, position in found:
            key = cached.get(raw) or key_of(raw)
            if role == "inventor":
                kind = None
                if owner:
                    key = f"{key}@{owner_key}"
            elif role == "applicant":
                kind = kinds[position] if position < len(kinds) else None
                if kind is None and position == 0:
                    kind = single
            else:
                kind = single if position == 0 else None
            if key not in known and key not in pending:
                pending[key] = (role, raw, kind)
            out.append((role, raw, position, key, kind))
        return out

    def _flush_parties(self) -> None:
        """Create the parties first seen in this batch (one lookup and one insert), as ``Upserter`` does."""
        parties = self.parties
        wanted: dict[str, dict] = {}
        for key, (role, raw, kind) in self._pending.items():
            kind = kind or ("individual" if role == "inventor" else str(parties.classify_kind(raw)))
            wanted[key] = {"name": parties.display_name(raw)[:300], "key": key[:300], "kind": kind, "country": None,
                           "organisation_id": None, "variants": [raw]}
        self._pending.clear()
        self.up.add_parties(wanted)

    def _organisations(self, party_list: list[tuple], department: str | None) -> tuple[int | None, int | None]:
        """Institution and department ids as ``Upserter._organisations`` finds them (the first applicant, else
        the first patentee, is the institution when it is a university, institute or hospital)."""
        up = self.up
        if up.institution is not None:
            institution_id = up.institution.id
        else:
            # parties come applicants first, then patentees, then inventors, each from position 0
            first = party_list[0] if party_list and party_list[0][0] != "inventor" else None
            institution_id = None if first is None else up.institution_for(first[1], first[4])
        if not department or institution_id is None:
            return institution_id, None
        return institution_id, up.department_for(institution_id, department)

    def _row_events(self, values: dict, pid: int, source: str) -> list[tuple]:
        parsed = self._parse_events(values["legal_events"]) if "legal_events" in values else []
        rows = [(pid, e.event_date, e.kind, e.code, e.description, e.counterparty, e.details or {}, source)
                for e in parsed or ()]
        seen = {(e.kind, e.event_date) for e in parsed or ()}
        for field, kind in DATE_EVENTS.items():
            for day in values.get(field) or ():
                if (kind, day) not in seen:
                    seen.add((kind, day))
                    rows.append((pid, day, kind, None, None, None, {"from": field}, source))
        return rows


_DEFAULTS: dict[str, Any] = {"title": "", "legal_status": "unknown", "ipc_all": [], "cpc": [], "priorities": [],
                             "pct": {}, "family_countries": [], "backward_citations": [], "forward_citations": [],
                             "agents": [], "synthetic": False, "edited_fields": [], "extra": {}, "version_id": 1}
# column values _derive_row reads or completes
_ROW_DERIVE = ("ipc_main", "ipc_all", "npl_citation_count", "backward_citation_count", "backward_citations",
               "family_countries", "patent_type", "publication_no")
_SET_LATER = ("extra", "pct", "priorities", "legal_status", "legal_status_raw", "patent_type", "synthetic",
              "institution_id", "department_id", "ipc_main", "ipc_all", "npl_citation_count",
              "backward_citation_count", "family_countries")
_TRUE = {"1", "true", "yes", "是"}
_ROLE_BITS = {role: BIT[field] for role, field in merge.ROLE_FIELDS.items()}


def _tables(patents: dict, links: list[tuple], party_ids: dict[str, int], events: list[tuple],
            sources: dict) -> list[tuple]:
    """(table, columns) to write, in foreign-key order."""
    tables = [(bulk.PATENTS, patents), (bulk.PATENT_PARTIES, {
        "patent_id": [r[0] for r in links], "party_id": [party_ids[r[1]] for r in links],
        "role": [r[2] for r in links], "position": [r[3] for r in links], "raw_name": [r[4] for r in links],
        "share": [None] * len(links)})]
    if events:
        names = ("patent_id", "event_date", "kind", "code", "description", "counterparty", "details", "source")
        tables.append((bulk.EVENTS, {name: [e[k] for e in events] for k, name in enumerate(names)}))
    tables.append((bulk.SOURCES, sources))
    return tables


def _any_value(vals: list, fast: list[int]) -> bool:
    """True when some row of ``fast`` has a value in this parsed column."""
    if len(fast) == len(vals):
        return any(x is not _SKIP for x in vals)
    return any(vals[i] is not _SKIP for i in fast)


def _column_fields(plan, fast: list[int]) -> tuple[dict[str, list], list[int]]:
    """Patent columns copied from parsed cells (``None`` where empty) and each row's provenance bits."""
    cols: dict[str, list] = {}
    masks = [0] * len(fast)
    for name, vals, _raw in plan:
        if _field_kind(name) != "column" or name in _DERIVED:
            continue
        sub = [vals[i] for i in fast]
        cols[name] = [None if x is _SKIP else x for x in sub]
        bit = BIT.get(name, 0)
        for j, x in enumerate(sub):
            if x is not _SKIP:
                masks[j] |= bit
    return cols, masks


def _finish_columns(cols: dict, fast: list[int], by_name: dict, now, ids: list[int]) -> None:
    """Defaults where empty (the values are serialised at once, so a shared ``[]`` is safe), country, ids, times."""
    m = len(fast)
    for name, default in _DEFAULTS.items():
        if name not in cols:
            cols[name] = [default] * m
        else:
            cols[name] = [default if x is None else x for x in cols[name]]
    pubs = by_name.get("publication_no")
    cols["country"] = [key[:2] if key[:2].isalpha() else
                       str((pubs[i] if pubs is not None and pubs[i] is not _SKIP else None) or "CN")[:2]
                       for key, i in zip(cols["application_no"], fast)]
    cols["id"] = ids
    cols["created_at"] = cols["updated_at"] = [now] * m
    for column in bulk.PATENTS.columns:
        if column.name not in cols:
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
