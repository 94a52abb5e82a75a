"""The patent record, its parties, legal events and per-field provenance.

Canonical identity is the normalised application number (see :mod:`panhuo.patents.numbers`).
Every field an importer sets has a :class:`FieldProvenance` row; a field a person edited is listed
in ``Patent.edited_fields`` and importers never overwrite it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from panhuo.db import Base, TimestampMixin, utcnow


class Patent(TimestampMixin, Base):
    __tablename__ = "patents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identity
    application_no: Mapped[str] = mapped_column(String(40), unique=True)  # canonical, e.g. CN202223220665.2
    application_no_raw: Mapped[str | None] = mapped_column(String(60))
    country: Mapped[str] = mapped_column(String(2), default="CN")
    publication_no: Mapped[str | None] = mapped_column(String(40), index=True)  # e.g. CN218751475U
    grant_no: Mapped[str | None] = mapped_column(String(40), index=True)
    patent_type: Mapped[str | None] = mapped_column(String(20))  # PatentType
    # Text
    title: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    first_claim: Mapped[str | None] = mapped_column(Text)
    claims_count: Mapped[int | None] = mapped_column(Integer)
    independent_claims_count: Mapped[int | None] = mapped_column(Integer)
    # Dates
    filing_date: Mapped[date | None] = mapped_column(Date)
    publication_date: Mapped[date | None] = mapped_column(Date)
    grant_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    exam_request_date: Mapped[date | None] = mapped_column(Date)  # 实质审查生效日
    lapse_date: Mapped[date | None] = mapped_column(Date)  # 失效日
    # Legal status
    legal_status: Mapped[str] = mapped_column(String(20), default="unknown", index=True)  # LegalStatus
    legal_status_raw: Mapped[str | None] = mapped_column(String(200))
    # Classification
    ipc_main: Mapped[str | None] = mapped_column(String(30), index=True)
    ipc_all: Mapped[list] = mapped_column(default=list)
    cpc: Mapped[list] = mapped_column(default=list)
    # Priority and PCT: [{"number", "date", "country"}] / {"application_no", "filing_date", ...}
    priorities: Mapped[list] = mapped_column(default=list)
    pct: Mapped[dict] = mapped_column(default=dict)
    # Family and citations
    family_size: Mapped[int | None] = mapped_column(Integer)  # simple family
    family_size_extended: Mapped[int | None] = mapped_column(Integer)
    family_countries: Mapped[list] = mapped_column(default=list)
    backward_citations: Mapped[list] = mapped_column(default=list)  # cited patent numbers
    backward_citation_count: Mapped[int | None] = mapped_column(Integer)
    npl_citation_count: Mapped[int | None] = mapped_column(Integer)
    forward_citations: Mapped[list] = mapped_column(default=list)
    forward_citation_count: Mapped[int | None] = mapped_column(Integer)
    # Event counters as reported by vendors (the events themselves are in legal_events)
    transfer_count: Mapped[int | None] = mapped_column(Integer)
    licence_count: Mapped[int | None] = mapped_column(Integer)
    pledge_count: Mapped[int | None] = mapped_column(Integer)
    # Prosecution
    agency: Mapped[str | None] = mapped_column(String(200))
    agents: Mapped[list] = mapped_column(default=list)
    examiner: Mapped[str | None] = mapped_column(String(100))
    # Owner side
    applicant_address: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(12))  # 国省代码 / GB/T 2260 of the first applicant
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Bookkeeping
    synthetic: Mapped[bool] = mapped_column(default=False)  # generated demo/benchmark record
    edited_fields: Mapped[list] = mapped_column(default=list)  # fields a person changed: imports keep them
    extra: Mapped[dict] = mapped_column(default=dict)  # vendor fields with no column (e.g. 合享价值度)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    parties: Mapped[list[PatentParty]] = relationship(
        back_populates="patent", cascade="all, delete-orphan", order_by="PatentParty.position"
    )
    events: Mapped[list[LegalEvent]] = relationship(
        back_populates="patent", cascade="all, delete-orphan", order_by="LegalEvent.event_date"
    )

    __mapper_args__ = {"version_id_col": version_id}
    # The internal patent list: one institution's patents, newest filing first (web list pages, exports).
    __table_args__ = (Index("ix_patents_institution_filing", "institution_id", "filing_date"),)

    def parties_in(self, role: str) -> list[PatentParty]:
        return [p for p in self.parties if p.role == role]

    def __repr__(self) -> str:
        return f"<Patent {self.application_no} {self.title[:20]!r}>"


class Party(Base):
    """A normalised person or organisation; variants of one name point here."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))  # canonical display name
    key: Mapped[str] = mapped_column(String(300), unique=True)  # normalisation key
    kind: Mapped[str] = mapped_column(String(20), default="unknown")  # PartyKind
    country: Mapped[str | None] = mapped_column(String(2))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    variants: Mapped[list] = mapped_column(default=list)


class PatentParty(Base):
    __tablename__ = "patent_parties"
    __table_args__ = (UniqueConstraint("patent_id", "role", "position", name="uq_patent_parties_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # no index of its own: uq_patent_parties_slot (patent_id, role, position) serves lookups by patent
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # PartyRole
    position: Mapped[int] = mapped_column(Integer, default=0)  # 0 = first applicant / inventor
    raw_name: Mapped[str] = mapped_column(String(300))
    share: Mapped[float | None] = mapped_column()  # ownership share (赋权 reform), when known

    patent: Mapped[Patent] = relationship(back_populates="parties")
    party: Mapped[Party] = relationship()


class LegalEvent(Base):
    __tablename__ = "legal_events"
    __table_args__ = (Index("ix_legal_events_patent_kind", "patent_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    event_date: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # EventKind
    code: Mapped[str | None] = mapped_column(String(20))  # INPADOC / CNIPA code when known
    description: Mapped[str | None] = mapped_column(Text)  # raw text
    counterparty: Mapped[str | None] = mapped_column(String(300))  # assignee, licensee, pledgee
    details: Mapped[dict] = mapped_column(default=dict)  # e.g. licence type, expiry, amount
    source: Mapped[str | None] = mapped_column(String(300))

    patent: Mapped[Patent] = relationship(back_populates="events")


class FieldProvenance(Base):
    """Where the current value of one field of one patent came from."""

    __tablename__ = "field_provenance"
    __table_args__ = (UniqueConstraint("patent_id", "field", name="uq_field_provenance_patent_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(60))
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_row: Mapped[int | None] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id"), index=True)
    edited_by: Mapped[str | None] = mapped_column(String(100))  # set when a person edited the field
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
