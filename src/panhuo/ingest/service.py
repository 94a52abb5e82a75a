"""Upsert imported records into patents, with provenance. Keyword-only, session first, never commits.

Identity is the canonical application number; records without one (CNKI crawls) are matched on the
publication number and stored under the placeholder ``PUB:<publication number>`` until a later import brings
the application number. New patents go through the bulk path (:mod:`panhuo.ingest.bulk`); existing ones are
merged field by field (:mod:`panhuo.ingest.merge`), never overwriting a field a person edited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, update
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.accounts.enums import INSTITUTION_KINDS, OrgKind
from panhuo.accounts.models import Organisation
from panhuo.db import utcnow
from panhuo.ingest import bulk, limits, merge
from panhuo.ingest.models import ImportJob, RecordSource
from panhuo.ingest.provenance import fields_of, mask_of
from panhuo.ingest.records import PartyRecord, PatentRecord, RowError
from panhuo.ingest.rows import PartyKeys
from panhuo.patents.models import FieldProvenance

PLACEHOLDER = "PUB:"
BATCH_SIZE = 2000
PATENT_DEFAULTS: dict[str, Any] = {
    "country": "CN", "title": "", "legal_status": "unknown", "ipc_all": [], "cpc": [], "priorities": [],
    "pct": {}, "family_countries": [], "backward_citations": [], "forward_citations": [], "agents": [],
    "synthetic": False, "edited_fields": [], "extra": {}, "version_id": 1,
}
_ROW_TEMPLATE: dict[str, Any] = {**{c.name: None for c in bulk.PATENTS.columns if c.name != "id"}, **PATENT_DEFAULTS}
_MUTABLE_DEFAULTS = [(k, type(v)) for k, v in PATENT_DEFAULTS.items() if isinstance(v, (list, dict))]
_ID_COLUMNS = [c.name for c in bulk.PATENTS.columns if c.name.endswith("_id")]
INSTITUTION_PARTY_KINDS = {"university": OrgKind.UNIVERSITY, "institute": OrgKind.INSTITUTE,
                           "hospital": OrgKind.HOSPITAL}


@dataclass
class ImportCounts:
    """What an import did: patents imported (new), updated, unchanged; rows rejected; problems by code."""

    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    field_errors: int = 0
    by_reason: Counter = field(default_factory=Counter)

    def add_error(self, error: RowError) -> None:
        self.by_reason[error.code] += 1
        if error.fatal:
            self.rejected += 1
        else:
            self.field_errors += 1

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "imported": self.imported, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "field_errors": self.field_errors,
                "by_reason": dict(self.by_reason.most_common())}


def identity(record: PatentRecord) -> str:
    """The key a record is stored under (application number, else the publication placeholder)."""
    return record.application_no or PLACEHOLDER + str(record.fields.get("publication_no") or "")


def create_job(*, db_session: Session, files: list[str], institution: str | None = None,
               user: str | None = None) -> ImportJob:
    job = ImportJob(files=files, institution=institution, user=user, counts={})
    db_session.add(job)
    db_session.flush()
    return job


def get_job(*, db_session: Session, job_id: int) -> ImportJob | None:
    return db_session.get(ImportJob, job_id)


def resolve_institution(*, db_session: Session, name: str, kind: str | None = None) -> Organisation:
    """The institution organisation for ``name`` (created when new; kind from the name when not given)."""
    display, guessed = _party_display_and_kind(name)
    org_kind = INSTITUTION_PARTY_KINDS.get(kind or guessed, OrgKind.UNIVERSITY)
    return accounts_service.get_or_create_organisation(db_session=db_session, name=display, kind=org_kind)


def _party_display_and_kind(raw: str) -> tuple[str, str]:
    from panhuo.patents import parties

    return parties.display_name(raw), str(parties.classify_kind(raw))


class Upserter:
    """Upserts batches of records for one import job; keeps caches of party and organisation ids."""

    def __init__(self, db_session: Session, job: ImportJob, counts: ImportCounts,
                 institution: Organisation | None = None, errors: list[RowError] | None = None):
        self.session = db_session
        self.job = job
        self.counts = counts
        self.errors: list[RowError] = [] if errors is None else errors  # values too long for their column
        self.institution = institution
        self.party_ids: dict[str, int] = {}
        self.org_ids: dict[tuple, int | None] = {}
        from panhuo.patents import parties

        self.parties = parties
        self._keys = PartyKeys()

    @property
    def conn(self) -> Connection:
        return self.session.connection()

    def run(self, records: Iterable[PatentRecord], batch_size: int = BATCH_SIZE,
            on_batch: Callable[[int], None] | None = None) -> ImportCounts:
        """Upsert every record; ``on_batch(n)`` after each batch of ``n`` records. A value longer than its column
        is removed and reported in :attr:`errors` and the counts (:func:`panhuo.ingest.limits.check_record`)."""
        for batch in _batches(self._checked(records), batch_size):
            self.upsert_batch(batch)
            if on_batch:
                on_batch(len(batch))
        return self.counts

    def _checked(self, records: Iterable[PatentRecord]) -> Iterator[PatentRecord]:
        """The records with every value too long for its column removed and reported (a record whose identity
        is too long is reported and left out)."""
        check, errors, counts = limits.check_record, self.errors, self.counts
        for record in records:
            problems = check(record)
            if problems:
                errors.extend(problems)
                for problem in problems:
                    counts.add_error(problem)
                if any(p.fatal for p in problems):
                    continue
            yield record

    def upsert_batch(self, batch: list[PatentRecord]) -> None:
        keys = [identity(r) for r in batch]
        existing = {row["application_no"]: row for row in bulk.fetch_patents(self.conn, bulk.PATENTS.c.application_no, keys)}
        self._adopt_placeholders(batch, existing)
        new = [r for r, k in zip(batch, keys) if k not in existing]
        old = [(r, existing[k]) for r, k in zip(batch, keys) if k in existing]
        self._insert_new(new)
        self._merge_existing(old)

    def _adopt_placeholders(self, batch: list[PatentRecord], existing: dict[str, dict]) -> None:
        """A patent first stored under ``PUB:<pub>`` takes the real application number when it arrives."""
        pubs = {r.fields["publication_no"]: r for r in batch
                if r.application_no and r.application_no not in existing and r.fields.get("publication_no")}
        if not pubs:
            return
        for row in bulk.fetch_patents(self.conn, bulk.PATENTS.c.application_no, [PLACEHOLDER + p for p in pubs]):
            record = pubs[row["application_no"][len(PLACEHOLDER):]]
            self.conn.execute(update(bulk.PATENTS).where(bulk.PATENTS.c.id == row["id"])
                              .values(application_no=record.application_no))
            existing[record.application_no] = {**row, "application_no": record.application_no}

    # -- new patents -------------------------------------------------------------------------------------
    def _insert_new(self, records: list[PatentRecord]) -> None:
        if not records:
            return
        now = utcnow()
        rows = [self._new_row(r, now) for r in records]
        bulk.insert_rows(self.conn, bulk.PATENTS, rows)
        ids = bulk.ids_by(self.conn, bulk.PATENTS.c.application_no, [row["application_no"] for row in rows])
        sources, links, events = [], [], []
        party_keys = [self._record_keys(r) for r in records]
        self._ensure_parties([(p, k) for r, keys in zip(records, party_keys) for p, k in zip(r.parties, keys)])
        masks: dict[frozenset, int] = {}
        for record, row, keys in zip(records, rows, party_keys):
            pid = ids[row["application_no"]]
            names = {k for k in record.fields if k in row}
            names.update(k for k in _ID_COLUMNS if row[k] is not None)
            names.update(merge.ROLE_FIELDS[p.role] for p in record.parties)
            if record.events:
                names.add("events")
            key = frozenset(names)
            mask = masks.get(key)
            if mask is None:
                mask = masks[key] = mask_of(names)
            sources.append(self._source_row(record, pid, mask, now))
            links.extend(self._link_rows(record, pid, record.parties, keys))
            events.extend(self._event_rows(record, pid, record.events))
        bulk.insert_rows(self.conn, bulk.PATENT_PARTIES, links)
        bulk.insert_rows(self.conn, bulk.EVENTS, events)
        bulk.insert_rows(self.conn, bulk.SOURCES, sources)
        self.counts.imported += len(records)

    def _new_row(self, record: PatentRecord, now) -> dict[str, Any]:
        row = _ROW_TEMPLATE.copy()
        for k, empty in _MUTABLE_DEFAULTS:
            row[k] = empty()
        row.update(record.fields)
        key = identity(record)
        row["application_no"] = key
        row["country"] = key[:2] if key[:2].isalpha() and not key.startswith(PLACEHOLDER) else \
            str(record.fields.get("publication_no") or "CN")[:2]
        row["created_at"] = row["updated_at"] = now
        row["institution_id"], row["department_id"] = self._organisations(record)
        return row

    # -- existing patents -----------------------------------------------------------------------------
    def _merge_existing(self, pairs: list[tuple[PatentRecord, dict]]) -> None:
        if not pairs:
            return
        pids = [row["id"] for _, row in pairs]
        names = bulk.fetch_party_names(self.conn, pids)
        event_keys = bulk.fetch_event_keys(self.conn, pids)
        now = utcnow()
        self._ensure_parties([(p, self._party_key(r, p)) for r, _ in pairs for p in r.parties])
        for record, row in pairs:
            if self._merge_one(record, row, names.get(row["id"], {}), event_keys.get(row["id"], set()), now):
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1

    def _merge_one(self, record: PatentRecord, row: dict, names: dict, keys: set, now) -> bool:
        edited = row.get("edited_fields") or []
        incoming = dict(record.fields)
        institution_id, department_id = self._organisations(record)
        if institution_id is not None:
            incoming["institution_id"] = institution_id
        if department_id is not None:
            incoming["department_id"] = department_id
        changes = merge.diff_fields(row, incoming, edited)
        roles = merge.changed_roles(names, record.parties, edited)
        events = merge.new_events(keys, record.events) if "events" not in edited else []
        if not changes and not roles and not events:
            return False
        pid = row["id"]
        if changes:
            self.conn.execute(update(bulk.PATENTS).where(bulk.PATENTS.c.id == pid)
                              .values(**changes, updated_at=now, version_id=bulk.PATENTS.c.version_id + 1))
        if roles:
            pp = bulk.PATENT_PARTIES.c
            self.conn.execute(delete(bulk.PATENT_PARTIES).where(pp.patent_id == pid, pp.role.in_(roles)))
            bulk.insert_rows(self.conn, bulk.PATENT_PARTIES,
                             self._link_rows(record, pid, [p for p in record.parties if p.role in roles]))
        bulk.insert_rows(self.conn, bulk.EVENTS, self._event_rows(record, pid, events))
        touched = set(changes) | {merge.ROLE_FIELDS[r] for r in roles} | ({"events"} if events else set())
        bulk.insert_rows(self.conn, bulk.SOURCES, [self._source_row(record, pid, mask_of(touched), now)])
        return True

    # -- parties, organisations, events, sources ---------------------------------------------------------
    def _key(self, raw: str) -> str:
        return self._keys[raw]

    def _party_key(self, record: PatentRecord, party: PartyRecord) -> str:
        key = self._key(party.raw_name)
        if party.role == "inventor":  # people are told apart by the organisation they invent for
            owner = next((p.raw_name for p in record.parties if p.role != "inventor"), "")
            return f"{key}@{self._key(owner)}" if owner else key
        return key

    def _record_keys(self, record: PatentRecord) -> list[str]:
        """The party key of each of ``record.parties`` (as :meth:`_party_key`, the owner looked up once)."""
        owner = next((p.raw_name for p in record.parties if p.role != "inventor"), "")
        owner_key = self._key(owner) if owner else ""
        keys = []
        for party in record.parties:
            key = self._key(party.raw_name)
            keys.append(f"{key}@{owner_key}" if party.role == "inventor" and owner else key)
        return keys

    def _ensure_parties(self, pairs: list[tuple[PartyRecord, str]]) -> None:
        wanted: dict[str, dict] = {}
        for party, key in pairs:
            if key in self.party_ids or key in wanted:
                continue
            kind = party.kind or ("individual" if party.role == "inventor"
                                  else str(self.parties.classify_kind(party.raw_name)))
            wanted[key] = {"name": self.parties.display_name(party.raw_name)[:300], "key": key[:300], "kind": kind,
                           "country": party.country, "organisation_id": None, "variants": [party.raw_name]}
        self.add_parties(wanted)

    def add_parties(self, wanted: dict[str, dict]) -> None:
        """Store the party rows of ``wanted`` (by key) that are not stored yet; remember every key's id."""
        if not wanted:
            return
        stored = {key: row["key"] for key, row in wanted.items()}  # the stored key is cut to the column's 300
        found = bulk.ids_by(self.conn, bulk.PARTIES.c.key, list(dict.fromkeys(stored.values())))
        missing = list({row["key"]: row for row in wanted.values() if row["key"] not in found}.values())
        bulk.insert_ignore(self.conn, bulk.PARTIES, missing, "key")
        found.update(bulk.ids_by(self.conn, bulk.PARTIES.c.key, [r["key"] for r in missing]))
        for key, cut in stored.items():
            self.party_ids[key] = found[cut]

    def _link_rows(self, record: PatentRecord, pid: int, parties: list[PartyRecord],
                   keys: list[str] | None = None) -> list[dict]:
        keys = keys if keys is not None else [self._party_key(record, p) for p in parties]
        ids = self.party_ids
        return [{"patent_id": pid, "party_id": ids[key], "role": p.role, "position": p.position,
                 "raw_name": p.raw_name[:300], "share": p.share} for p, key in zip(parties, keys)]

    def _event_rows(self, record: PatentRecord, pid: int, events) -> list[dict]:
        return [{"patent_id": pid, "event_date": e.event_date, "kind": e.kind, "code": e.code,
                 "description": e.description, "counterparty": e.counterparty, "details": e.details or {},
                 "source": (record.source_file or "")[:300]} for e in events]

    def _source_row(self, record: PatentRecord, pid: int, mask: int, now) -> dict:
        return {"patent_id": pid, "import_id": self.job.id, "source_file": record.source_file,
                "source_row": record.source_row, "source_format": record.source_format, "fields_mask": mask,
                "recorded_at": now}

    def _organisations(self, record: PatentRecord) -> tuple[int | None, int | None]:
        institution_id = self.institution.id if self.institution else self._institution_from_parties(record)
        if not record.department or institution_id is None:
            return institution_id, None
        return institution_id, self.department_for(institution_id, record.department)

    def department_for(self, institution_id: int, name: str) -> int:
        """The id of department ``name`` under the institution (created when new; cached)."""
        key = ("dept", institution_id, name)
        if key not in self.org_ids:
            org = accounts_service.get_or_create_organisation(
                db_session=self.session, name=name[:200], kind=OrgKind.DEPARTMENT, parent_id=institution_id)
            self.org_ids[key] = org.id
        return self.org_ids[key]  # type: ignore[return-value]

    def _institution_from_parties(self, record: PatentRecord) -> int | None:
        owners = [p for p in record.parties if p.role == "applicant"] or \
                 [p for p in record.parties if p.role == "patentee"]
        first = next((p for p in owners if p.position == 0), None)
        if first is None:
            return None
        return self.institution_for(first.raw_name, first.kind)

    def institution_for(self, raw_name: str, kind: str | None) -> int | None:
        """The organisation id of a first owner when it is a university, institute or hospital (cached by name)."""
        key = ("inst", raw_name)
        if key not in self.org_ids:
            kind = kind or str(self.parties.classify_kind(raw_name))
            org_kind = INSTITUTION_PARTY_KINDS.get(kind)
            self.org_ids[key] = None if org_kind is None or org_kind not in INSTITUTION_KINDS else \
                accounts_service.get_or_create_organisation(
                    db_session=self.session, name=self.parties.display_name(raw_name)[:200],
                    kind=org_kind).id
        return self.org_ids[key]


def _batches(records: Iterable[PatentRecord], size: int) -> Iterator[list[PatentRecord]]:
    """Batches of records; a key seen twice starts a new batch so that the later row merges into the first."""
    batch: list[PatentRecord] = []
    keys: set[str] = set()
    for record in records:
        key = identity(record)
        if key in keys or len(batch) >= size:
            yield batch
            batch, keys = [], set()
        batch.append(record)
        keys.add(key)
    if batch:
        yield batch


def upsert_records(*, db_session: Session, records: Iterable[PatentRecord], job: ImportJob,
                   counts: ImportCounts | None = None, institution: Organisation | None = None,
                   batch_size: int = BATCH_SIZE, on_batch: Callable[[int], None] | None = None) -> ImportCounts:
    """Upsert records (new → bulk insert, existing → merge) for ``job``; returns the counts."""
    db_session.flush()
    upserter = Upserter(db_session, job, counts or ImportCounts(), institution)
    return upserter.run(records, batch_size=batch_size, on_batch=on_batch)


def field_provenance(*, db_session: Session, patent_id: int) -> dict[str, dict[str, Any]]:
    """Where each field's current value came from: the person who edited it, else the latest import row."""
    from sqlalchemy import select

    out: dict[str, dict[str, Any]] = {}
    stmt = select(RecordSource).where(RecordSource.patent_id == patent_id).order_by(RecordSource.recorded_at,
                                                                                     RecordSource.id)
    for src in db_session.scalars(stmt):
        for name in fields_of(src.fields_mask):
            out[name] = {"source_file": src.source_file, "source_row": src.source_row, "import_id": src.import_id,
                         "format": src.source_format, "recorded_at": src.recorded_at, "edited_by": None}
    edits = select(FieldProvenance).where(FieldProvenance.patent_id == patent_id)
    for fp in db_session.scalars(edits):
        out[fp.field] = {"source_file": fp.source_file, "source_row": fp.source_row, "import_id": fp.import_id,
                         "format": None, "recorded_at": fp.recorded_at, "edited_by": fp.edited_by}
    return out
