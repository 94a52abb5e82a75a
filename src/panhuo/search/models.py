"""Per-patent search state: the hash of the indexed text and the patent's keyphrases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from panhuo.db import Base, utcnow


class SearchDocument(Base):
    """What the search index knows of one patent: keyphrases (tags) and the content hash they came from."""

    __tablename__ = "search_documents"

    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    keywords: Mapped[list] = mapped_column(default=list)  # ranked keyphrases
    analyzer_version: Mapped[int] = mapped_column(Integer, default=1)
    analysed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
