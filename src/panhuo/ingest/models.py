"""Import jobs: one row per `panhuo import` run, with counts and the path of its error report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from panhuo.db import Base, utcnow


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    files: Mapped[list] = mapped_column(default=list)
    institution: Mapped[str | None] = mapped_column(String(200))
    user: Mapped[str | None] = mapped_column(String(100))
    counts: Mapped[dict] = mapped_column(default=dict)  # imported / updated / unchanged / rejected / by_reason
    report_path: Mapped[str | None] = mapped_column(String(500))


class RecordSource(Base):
    """One imported row that set fields of one patent: the compact form of field provenance.

    ``fields_mask`` has one bit per field in :data:`panhuo.ingest.provenance.TRACKED_FIELDS`.
    """

    __tablename__ = "record_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id", ondelete="SET NULL"), index=True)
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_row: Mapped[int | None] = mapped_column(Integer)
    source_format: Mapped[str | None] = mapped_column(String(40))
    fields_mask: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
