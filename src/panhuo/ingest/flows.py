"""`import_files`: read files, upsert their records, write the error report, record the job.

The flow opens its own transaction (``session_scope``) and commits once at the end: an import either lands
with its job row and report, or not at all (a crash never leaves half a file).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from panhuo.db import session_scope, utcnow
from panhuo.ingest import bulk, epo_dtf, fastpath, limits, pipeline, prepare, readers
from panhuo.ingest import mapping as maps
from panhuo.ingest import service as ingest_service
from panhuo.ingest.records import PatentRecord, RowError
from panhuo.ingest.report import write_reports
from panhuo.ingest.rows import RowConverter


@dataclass
class ImportResult:
    import_id: int
    counts: dict[str, Any]
    report_xlsx: str
    report_json: str
    files: list[dict[str, Any]] = field(default_factory=list)  # per file: format, sheet, rows, or the error

    def as_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, **self.counts, "report": self.report_xlsx,
                "report_json": self.report_json, "files": self.files}


SQLITE_CACHE_KIB = 256 * 1024  # page cache for the import connection
Progress = Callable[[str, int], None]  # (file name, rows done in this step)


def _xml_reader(path: Path):
    """The XML reader module (CNIPA, USPTO, EPO OPS, USPTO assignments) that recognises ``path``, or ``None``."""
    if path.suffix.lower() != ".xml":
        return None
    from panhuo.ingest import cnipa_xml, epo_ops, uspto_assignment, uspto_xml

    for module in (cnipa_xml, uspto_xml, epo_ops, uspto_assignment):
        if module.detect(path):
            return module
    return None


def _stream(table: readers.Table, counts: ingest_service.ImportCounts, errors: list[RowError],
            progress: Progress | None, columnar: bool = True) -> Iterator[PatentRecord]:
    return _stream_items(table.path.name, readers.read_records(table, columnar=columnar), counts, errors, progress)


def _stream_items(name: str, items: Iterable[PatentRecord | RowError], counts: ingest_service.ImportCounts,
                  errors: list[RowError], progress: Progress | None) -> Iterator[PatentRecord]:
    step = 0
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            counts.add_error(item)
            if item.fatal:
                counts.rows += 1
                step += 1
            continue
        counts.rows += 1
        step += 1
        if progress and step >= 5000:
            progress(name, step)
            step = 0
        yield item
    if progress and step:
        progress(name, step)


def _load_table(table: readers.Table, upserter: ingest_service.Upserter, counts: ingest_service.ImportCounts,
                errors: list[RowError], progress: Progress | None) -> None:
    """A tabular file batch by batch: clean new rows bulk-loaded from columns (:mod:`panhuo.ingest.fastpath`),
    the rest (bad values, repeated or stored numbers) upserted record by record."""
    converter = RowConverter(table.mapping, table.headers, file=table.path.name)
    if not fastpath.usable(converter):
        upserter.run(_stream(table, counts, errors, progress))
        return
    loader = fastpath.FastLoader(upserter, converter)
    name = table.path.name
    conn = upserter.conn
    fresh = bulk.patents_empty(conn)
    deferred = bulk.drop_secondary_indexes(conn) if fresh else []
    gc_was_on = gc.isenabled()
    gc.disable()  # millions of short-lived lists/dicts, no cycles: the cyclic collector would rescan the heap
    prepared = pipeline.prepared_slices(table, prepare.Preparer(converter), fresh=fresh)
    try:
        for piece in prepared:
            before = counts.imported
            rest = loader.load_prepared(piece)
            loaded = counts.imported - before
            counts.rows += loaded
            if progress and loaded:
                progress(name, loaded)
            if rest:
                loader.wait()
                upserter.run(_stream_items(name, rest, counts, errors, progress))
        loader.close()  # the last slice's write; re-raises its error
    except BaseException:
        loader.abandon()
        with contextlib.suppress(Exception):  # a caller that commits anyway keeps its indexes (SQLite)
            bulk.create_indexes(conn, deferred)
        raise
    finally:
        prepared.close()  # stops a worker process still preparing
        if gc_was_on:
            gc.enable()
    bulk.create_indexes(conn, deferred)


def check_arguments(*, institution: str | None, user: str | None) -> None:
    """Refuse (``ValueError``) an institution name or user too long for its column before anything is written."""
    limits.check_text("institution name", institution, min(limits.ORGANISATION["name"], limits.JOB["institution"]))
    limits.check_text("user", user, limits.JOB["user"])


def import_into_session(*, db_session: Session, paths: Iterable[Path | str], reports_dir: Path,
                        institution: str | None = None, fmt: str | None = None,
                        mapping_file: Path | str | None = None, sheet: str | None = None, user: str | None = None,
                        progress: Progress | None = None,
                        extra_records: Iterable[PatentRecord] | None = None, columnar: bool = True) -> ImportResult:
    """Import files inside the caller's transaction (the caller commits).

    ``columnar=False`` converts tabular files row by row (the reference path; same result, slower).
    """
    check_arguments(institution=institution, user=user)
    paths = [Path(p) for p in paths]
    if db_session.get_bind().dialect.name == "sqlite":  # a 1 M-row import's indexes outgrow the 2 MiB default
        db_session.connection().exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    job = ingest_service.create_job(db_session=db_session, files=[str(p) for p in paths], institution=institution,
                                    user=user)
    org = ingest_service.resolve_institution(db_session=db_session, name=institution) if institution else None
    counts = ingest_service.ImportCounts()
    errors: list[RowError] = []
    files: list[dict[str, Any]] = []
    upserter = ingest_service.Upserter(db_session, job, counts, org, errors)
    db_session.flush()
    for path in paths:
        xml_reader = _xml_reader(path) or (epo_dtf if epo_dtf.detect(path) else None)  # EPO Deep Tech Finder CSV
        if xml_reader is not None:
            before = counts.rows
            upserter.run(_stream_items(path.name, xml_reader.read(path), counts, errors, progress))
            files.append({"file": str(path), "format": xml_reader.detect(path), "sheet": None,
                          "header_row": None, "rows": counts.rows - before})
            continue
        try:
            table = readers.open_table(path, fmt=fmt, mapping_file=mapping_file, sheet=sheet)
        except (readers.ReadError, maps.MappingError, maps.NoMatchingFormat, OSError) as exc:
            error = RowError(path.name, None, None, None, str(exc), "unreadable_file", fatal=True)
            errors.append(error)
            counts.by_reason[error.code] += 1
            files.append({"file": str(path), "error": str(exc)})
            continue
        before = counts.rows
        if columnar:
            _load_table(table, upserter, counts, errors, progress)
        else:
            upserter.run(_stream(table, counts, errors, progress, columnar))
        files.append({"file": str(path), "format": table.mapping.format, "sheet": table.sheet,
                      "header_row": table.header_row, "rows": counts.rows - before})
    if extra_records is not None:
        upserter.run(extra_records)
    summary = counts.as_dict()
    xlsx, json_path = write_reports(reports_dir, job.id, errors, {**summary, "files": files})
    job.counts = summary
    job.report_path = str(xlsx)
    job.finished_at = utcnow()
    db_session.flush()
    return ImportResult(job.id, summary, str(xlsx), str(json_path), files)


def import_files(*, engine: Engine, paths: Iterable[Path | str], workspace: Path | str,
                 institution: str | None = None, fmt: str | None = None, mapping_file: Path | str | None = None,
                 sheet: str | None = None, user: str | None = None,
                 progress: Progress | None = None) -> ImportResult:
    """Import CSV/Excel exports into the workspace's database in one transaction; returns counts and report paths.

    Example (the demo command): ``import_files(engine=st.engine, paths=[sample], workspace=st.settings.workspace)``
    """
    journal = None
    try:
        with session_scope(engine) as session:
            journal = _rollback_journal_for_first_load(session)
            return import_into_session(db_session=session, paths=paths, reports_dir=Path(workspace) / "reports",
                                       institution=institution, fmt=fmt, mapping_file=mapping_file, sheet=sheet,
                                       user=user, progress=progress)
    finally:
        if journal is not None:
            _restore_journal(engine, journal)


def _rollback_journal_for_first_load(session: Session) -> str | None:
    """SQLite, no patent stored yet, no other connection open: use a rollback journal for this import.

    In WAL mode every page of a first import is written twice (into the WAL during the load, then copied into the
    database file by the checkpoint at commit: ~2 GB for a million rows). With a rollback journal, pages added at
    the end of the file need no journal, so they are written once; the journal keeps only the few pages that
    existed, and a crash still rolls the whole import back. Switching out of WAL needs the only connection to the
    database: when another one is open (a running web server) SQLite refuses and the import stays in WAL.
    Returns the mode to restore after the commit, or ``None`` when nothing changed.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite" or conn.in_nested_transaction() or not bulk.patents_empty(conn):
        return None
    raw = conn.connection.driver_connection
    if raw.in_transaction:  # journal_mode cannot change inside a transaction
        return None
    before = raw.execute("PRAGMA journal_mode").fetchone()[0]
    if before != "wal":
        return None
    try:
        now = raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except Exception:  # noqa: BLE001 - locked by another connection: keep WAL
        return None
    return before if now == "delete" else None


def _restore_journal(engine: Engine, mode: str) -> None:
    """Back to ``mode`` (WAL) after the import, as every new connection sets it (``db._sqlite_pragmas``)."""
    with contextlib.suppress(Exception), engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA journal_mode={mode}")
