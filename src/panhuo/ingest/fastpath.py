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
import dataclasses
from collections.abc import Iterable, Iterator

from panhuo.db import utcnow
from panhuo.ingest import bulk
from panhuo.ingest.prepare import EVENT_READY, PLACEHOLDER, Prepared
from panhuo.ingest.provenance import BIT
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.ingest.rows import RowConverter

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
        for table, columns, ready in tables:
            bulk.insert_columns(self.conn, table, columns, ready=ready)

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
    """Loads the clean new rows of each prepared slice (:class:`panhuo.ingest.prepare.Prepared`) for one
    :class:`~panhuo.ingest.service.Upserter`: stored numbers, ids, parties, organisations and the writes."""

    def __init__(self, upserter, converter: RowConverter):
        self.up = upserter
        self.converter = converter
        self._pending: dict[str, tuple] = {}  # party key -> (role, raw name, kind) not stored yet
        self.writer: _Writer | None = None

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

    def load_prepared(self, prepared: Prepared) -> list:
        """Insert the slice's clean new rows; return the other rows' records and errors in row order."""
        self.wait()  # from here on the slice uses the connection
        leftover = dict(prepared.leftover)
        late = self._stored(prepared)
        if late:
            for j in late:
                i = prepared.cand[j]
                leftover[i] = self.converter.convert(prepared.cells(i), prepared.numbers[i])
        fast = [j for j in range(len(prepared.cand)) if j not in late] if late else None
        if prepared.cand and (fast is None or fast):
            self._insert(prepared, fast)
        out: list[PatentRecord | RowError] = []
        for i in sorted(leftover):
            record, errors = leftover[i]
            out.extend(errors)
            if record is not None:
                out.append(record)
        return out

    def _stored(self, prepared: Prepared) -> set[int]:
        """Candidates (positions) whose number is stored or has a stored ``PUB:`` placeholder: they merge."""
        wanted = list(prepared.keys) + [PLACEHOLDER + p for p in prepared.pubs if p is not None]
        if not wanted:
            return set()
        stored = bulk.ids_by(self.up.conn, bulk.PATENTS.c.application_no, wanted)
        if not stored:
            return set()
        return {j for j, (key, pub) in enumerate(zip(prepared.keys, prepared.pubs))
                if key in stored or (pub is not None and PLACEHOLDER + pub in stored)}

    # -- writing the candidates ---------------------------------------------------------------------------
    def _insert(self, p: Prepared, fast: list[int] | None) -> None:
        """Write the candidates at positions ``fast`` (all when ``None``) with new ids."""
        up = self.up
        conn = up.conn
        p = p if fast is None else _subset(p, fast)
        m = len(p.masks)
        now = utcnow()
        ids = bulk.reserve_ids(conn, bulk.PATENTS, m)
        masks = p.masks
        institutions: list[int | None] = [None] * m
        departments: list[int | None] = [None] * m
        roles, raws, kinds, keys = (p.parties[name] for name in ("role", "raw_name", "kind", "key"))
        organisations = self._organisations
        inst_bit, dept_bit = BIT["institution_id"], BIT["department_id"]
        start = 0
        for j, count in enumerate(p.party_counts):  # the first party (an applicant or patentee) is the owner
            first = start if count and roles[start] != "inventor" else None
            start += count
            inst, dept = organisations(None if first is None else (raws[first], kinds[first]), p.departments[j])
            if inst is not None:
                institutions[j] = inst
                masks[j] |= inst_bit
                if dept is not None:
                    departments[j] = dept
                    masks[j] |= dept_bit
        known, pending = up.party_ids, self._pending
        for k, key in enumerate(keys):
            if key not in known and key not in pending:
                pending[key] = (roles[k], raws[k], kinds[k])
        self._flush_parties()
        cols = {**p.cols, "id": ids, "institution_id": institutions, "department_id": departments,
                "created_at": [now] * m, "updated_at": [now] * m}
        sources = {"patent_id": ids, "import_id": [up.job.id] * m, "source_file": [self.converter.file] * m,
                   "source_row": [p.numbers[i] for i in p.cand], "source_format": [self.converter.mapping.format] * m,
                   "fields_mask": masks, "recorded_at": [now] * m}
        party_ids = up.party_ids
        tables = [(bulk.PATENTS, cols, p.ready), (bulk.PATENT_PARTIES, {
            "patent_id": _repeat(ids, p.party_counts), "party_id": [party_ids[key] for key in keys], "role": roles,
            "position": p.parties["position"], "raw_name": [r[:300] for r in raws], "share": [None] * len(keys)},
            frozenset())]
        if p.event_counts and any(p.event_counts):
            tables.append((bulk.EVENTS, {"patent_id": _repeat(ids, p.event_counts), **p.events}, EVENT_READY))
        tables.append((bulk.SOURCES, sources, frozenset()))
        if self.writer is None:
            self.writer = _Writer(conn)
        self.writer.submit(tables)
        up.counts.imported += m

    def _flush_parties(self) -> None:
        """Create the parties first seen in this batch (one lookup and one insert), as ``Upserter`` does."""
        from panhuo.patents import parties

        wanted: dict[str, dict] = {}
        for key, (role, raw, kind) in self._pending.items():
            kind = kind or ("individual" if role == "inventor" else str(parties.classify_kind(raw)))
            wanted[key] = {"name": parties.display_name(raw)[:300], "key": key[:300], "kind": kind, "country": None,
                           "organisation_id": None, "variants": [raw]}
        self._pending.clear()
        self.up.add_parties(wanted)

    def _organisations(self, first: tuple[str, str | None] | None,
                       department: str | None) -> tuple[int | None, int | None]:
        """Institution and department ids as ``Upserter._organisations`` finds them: the first owner (raw name,
        kind), an applicant, else a patentee, is the institution when it is a university, institute or hospital."""
        up = self.up
        if up.institution is not None:
            institution_id = up.institution.id
        else:
            institution_id = None if first is None else up.institution_for(first[0], first[1])
        if not department or institution_id is None:
            return institution_id, None
        return institution_id, up.department_for(institution_id, department)


def _repeat(ids: list[int], counts: list[int]) -> list[int]:
    """Each id repeated its count times (the patent_id column of flat per-candidate rows)."""
    return [pid for pid, count in zip(ids, counts) for _ in range(count)]


def _subset(p: Prepared, fast: list[int]) -> Prepared:
    """The candidates at positions ``fast`` only (the others were found stored and go to the merge)."""
    def flat(columns: dict[str, list], counts: list[int]) -> dict[str, list]:
        starts = [0]
        for count in counts:
            starts.append(starts[-1] + count)
        keep = [k for j in fast for k in range(starts[j], starts[j + 1])]
        return {name: [values[k] for k in keep] for name, values in columns.items()}

    return dataclasses.replace(
        p, cand=[p.cand[j] for j in fast], keys=[p.keys[j] for j in fast], pubs=[p.pubs[j] for j in fast],
        cols={name: [values[j] for j in fast] for name, values in p.cols.items()},
        masks=[p.masks[j] for j in fast], party_counts=[p.party_counts[j] for j in fast],
        parties=flat(p.parties, p.party_counts), departments=[p.departments[j] for j in fast],
        event_counts=[p.event_counts[j] for j in fast], events=flat(p.events, p.event_counts))
