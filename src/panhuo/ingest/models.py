"""Import jobs: one row per `panhuo import` run, with counts and the path of its error report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
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
