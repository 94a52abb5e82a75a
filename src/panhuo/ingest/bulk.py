"""Bulk writes on the session's connection: executemany on SQLite, ``COPY`` on PostgreSQL.

Used by :mod:`panhuo.ingest.service` for new rows (patents, parties, events, record sources). Everything runs in
the caller's transaction; nothing commits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Integer, String, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from panhuo.ingest.models import RecordSource
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty

PATENTS: Table = Patent.__table__  # type: ignore[assignment]
PARTIES: Table = Party.__table__  # type: ignore[assignment]
PATENT_PARTIES: Table = PatentParty.__table__  # type: ignore[assignment]
EVENTS: Table = LegalEvent.__table__  # type: ignore[assignment]
SOURCES: Table = RecordSource.__table__  # type: ignore[assignment]
LOOKUP_CHUNK = 5000


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts with every column but ``id``): COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    elif conn.dialect.name == "sqlite":
        _sqlite_executemany(conn, table, rows)
    else:
        conn.execute(table.insert(), list(rows))


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)  # json.dumps with options builds one per call


def _json_text(value: Any) -> str:
    if value == []:
        return "[]"
    if value == {}:
        return "{}"
    return _ENCODER.encode(value)


def _sqlite_value(value: Any, is_json: bool) -> Any:
    """The value as SQLAlchemy's SQLite types store it (JSON text, ISO dates, naive datetimes, 0/1)."""
    if value is None:
        return None
    if is_json:
        return _json_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_column(values: list, kind: str) -> list:
    """One column's values converted for SQLite by column type; repeated dates (``now``) are formatted once."""
    if kind == "json":
        return [None if x is None else _json_text(x) for x in values]
    if kind == "plain":
        return values
    if values and len(set(map(id, values))) == 1:  # one object on every row (the load's timestamp)
        return [_sqlite_value(values[0], False)] * len(values)
    out = []
    seen: dict[Any, Any] = {}
    for x in values:
        y = seen.get(x)
        if y is None:
            y = seen[x] = _sqlite_value(x, False)
        out.append(y)
    return out


def _kind(column) -> str:
    if isinstance(column.type, JSON):
        return "json"
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return "any"
    return "any" if issubclass(python_type, (date, datetime)) else "plain"


def _json_names(table: Table) -> set[str]:
    return {c.name for c in table.columns if isinstance(c.type, JSON)}


def _sqlite_executemany(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Plain DBAPI executemany with values pre-converted column by column: no per-row statement compilation."""
    names = list(rows[0])
    sql = f'INSERT INTO "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) ' \
          f'VALUES ({", ".join("?" for _ in names)})'
    columns = [_sqlite_column([row[n] for row in rows], _kind(table.c[n])) for n in names]
    conn.exec_driver_sql(sql, list(zip(*columns)))


def _copy(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """``COPY … FROM STDIN`` (text format) with JSON columns serialised column by column."""
    names = list(rows[0])
    json_names = _json_names(table)
    columns = [[None if x is None else _json_text(x) for x in (row[n] for row in rows)] if n in json_names
               else [row[n] for row in rows] for n in names]
    raw = conn.connection.driver_connection
    column_list = ", ".join(f'"{n}"' for n in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
        for values in zip(*columns):
            copy.write_row(values)


def _in(conn: Connection, column, name: str):
    """``column IN (:name)``: one array parameter on PostgreSQL (``= ANY``), so the statement text is the same for
    every chunk (an expanded list of thousands of placeholders costs more to build and parse than to run)."""
    if conn.dialect.name == "postgresql":
        item = Integer() if isinstance(column.type, Integer) else String()
        return column == any_(bindparam(name, type_=ARRAY(item)))
    return column.in_(bindparam(name, expanding=True))


def ids_by(conn: Connection, column, values: Sequence[str]) -> dict[str, int]:
    """``{value: id}`` for rows of ``column``'s table whose column is in ``values``."""
    table = column.table
    out: dict[str, int] = {}
    unique = list(dict.fromkeys(values))
    if conn.dialect.name == "sqlite":  # one JSON array parameter: no statement of thousands of placeholders
        sql = f'SELECT id, "{column.name}" FROM "{table.name}" WHERE "{column.name}" IN ' \
              f'(SELECT value FROM json_each(?))'
        for start in range(0, len(unique), LOOKUP_CHUNK):
            chunk = json.dumps(unique[start:start + LOOKUP_CHUNK], ensure_ascii=False)
            out.update((value, id_) for id_, value in conn.exec_driver_sql(sql, (chunk,)))
        return out
    stmt = select(table.c.id, column).where(_in(conn, column, "vals"))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        for id_, value in conn.execute(stmt, {"vals": unique[start:start + LOOKUP_CHUNK]}):
            out[value] = id_
    return out


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict], key: str) -> None:
    """Insert rows whose unique ``key`` is not present yet (concurrent importers do not collide)."""
    if not rows:
        return
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(make(table).on_conflict_do_nothing(index_elements=[key]), list(rows))


def fetch_patents(conn: Connection, column, values: Sequence[str]) -> list[dict]:
    """Full patent rows (as dicts) whose ``column`` is in ``values``."""
    stmt = select(PATENTS).where(_in(conn, column, "vals"))
    out: list[dict] = []
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        out.extend(dict(r._mapping) for r in conn.execute(stmt, {"vals": unique[start:start + LOOKUP_CHUNK]}))
    return out


def fetch_party_names(conn: Connection, patent_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """``{patent_id: {role: [raw names in position order]}}``."""
    out: dict[int, dict[str, list[str]]] = {}
    stmt = (select(PATENT_PARTIES.c.patent_id, PATENT_PARTIES.c.role, PATENT_PARTIES.c.raw_name)
            .where(_in(conn, PATENT_PARTIES.c.patent_id, "ids"))
            .order_by(PATENT_PARTIES.c.patent_id, PATENT_PARTIES.c.role, PATENT_PARTIES.c.position))
    for pid, role, name in conn.execute(stmt, {"ids": list(patent_ids)}):
        out.setdefault(pid, {}).setdefault(role, []).append(name)
    return out


def fetch_event_keys(conn: Connection, patent_ids: Sequence[int]) -> dict[int, set[tuple]]:
    from panhuo.ingest.merge import event_key

    out: dict[int, set[tuple]] = {}
    e = EVENTS.c
    stmt = (select(e.patent_id, e.kind, e.event_date, e.code, e.counterparty)
            .where(_in(conn, e.patent_id, "ids")))
    for pid, kind, day, code, counterparty in conn.execute(stmt, {"ids": list(patent_ids)}):
        out.setdefault(pid, set()).add(event_key(kind, day, code, counterparty))
    return out


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, so rows can be written with their ids (no lookup afterwards).

    PostgreSQL takes them from the id sequence (safe beside other writers); SQLite continues after the largest
    id, which is safe because the import's transaction has already written and so holds the database's write lock.
    """
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        sql = (f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
               f"FROM generate_series(1, {int(count)})")
        return [row[0] for row in conn.exec_driver_sql(sql)]
    start = conn.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"').scalar_one()
    return list(range(start + 1, start + 1 + count))


def _json_column(values: list) -> list:
    """JSON text per value; a value repeated over rows (``[]``, the same code list) is serialised once."""
    if values and len(set(map(id, values))) == 1:  # one object on every row (a default, or all None)
        first = values[0]
        return [None if first is None else _json_text(first)] * len(values)
    cache: dict[Any, str] = {}
    out = []
    for x in values:
        if x is None:
            out.append(None)
            continue
        key: Any = None
        if x.__class__ is list:
            key = tuple(x)
            try:
                hash(key)
            except TypeError:  # a list of dicts
                key = None
        elif not x:
            key = x.__class__
        text = cache.get(key) if key is not None else None
        if text is None:
            text = _plain_list(x) if key.__class__ is tuple else None
            if text is None:
                text = _json_text(x)
            if key is not None:
                cache[key] = text
        out.append(text)
    return out


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _plain_list(values: list) -> str | None:
    """``json.dumps(values, ensure_ascii=False)`` of a list of strings that need no escaping, built by joining;
    ``None`` for any other list."""
    if not values:
        return "[]"
    for x in values:
        if x.__class__ is not str:
            return None
    if _NEEDS_ESCAPE.search("".join(values)):
        return None
    return '["' + '", "'.join(values) + '"]'


def insert_columns(conn: Connection, table: Table, columns: dict[str, list],
                   ready: Collection[str] = ()) -> None:
    """Insert rows given column by column (``{name: values}``, all the same length): COPY or executemany.

    ``ready``: columns already in storage form (JSON text, ISO dates; :mod:`panhuo.ingest.prepare`), passed as is.
    """
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    kinds = ["plain" if n in ready else _kind(table.c[n]) for n in names]
    if conn.dialect.name == "sqlite":
        data = [_json_column(columns[n]) if k == "json" else _sqlite_column(columns[n], k)
                for n, k in zip(names, kinds)]
        quoted = ", ".join(f'"{n}"' for n in names)
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in names)})'
        conn.exec_driver_sql(sql, list(zip(*data)))
        return
    data = [_json_column(columns[n]) if k == "json" else columns[n] for n, k in zip(names, kinds)]
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [dict(zip(names, row)) for row in zip(*data)])
        return
    raw = conn.connection.driver_connection
    column_list = ", ".join(f'"{n}"' for n in names)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
        for row in zip(*data):
            copy.write_row(row)


# Tables whose non-unique indexes a load into an empty database builds afterwards: the patents indexes whose
# values arrive in random order over many pages (publication and grant numbers, institution + filing date).
# Indexes of few distinct values (status, institution, department, main IPC group) are kept: each new entry goes
# after its value's last one, on a few hot pages, while building one after the load costs a full scan of the
# ~2 KB-per-row table (600 k rows: the index build at the end 5.3 → 2.0 s, the whole import 37.1 → 34.2 s; keeping
# every index: 35.7 s). The patent_parties and record_sources indexes grow in id order (or over a few hot pages)
# and stay: the writer thread keeps them up to date while the next slice is prepared.
BULK_TABLES = (PATENTS,)
KEPT_WHILE_LOADING = frozenset({"ix_patents_legal_status", "ix_patents_institution_id", "ix_patents_department_id",
                                "ix_patents_ipc_main"})


def patents_empty(conn: Connection) -> bool:
    """True when no patent is stored (a first import into a workspace)."""
    return conn.exec_driver_sql('SELECT 1 FROM "patents" LIMIT 1').first() is None


def drop_secondary_indexes(conn: Connection) -> list:
    """Drop the non-unique indexes of :data:`BULK_TABLES` but :data:`KEPT_WHILE_LOADING` (in the caller's
    transaction); returns them.

    For a load into empty tables: building an index once after the load costs much less than updating it on
    every insert. Unique indexes stay (the upsert looks patents up by application number while loading).
    Recreate them with :func:`create_indexes` before the transaction ends.
    """
    dropped = []
    for table in BULK_TABLES:
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            if not index.unique and index.name not in KEPT_WHILE_LOADING:
                index.drop(conn)
                dropped.append(index)
    return dropped


def create_indexes(conn: Connection, indexes: Sequence) -> None:
    """Create ``indexes`` again (after :func:`drop_secondary_indexes`)."""
    for index in indexes:
        index.create(conn)
