"""The 转化资源库 (library): each patent's fields, industries, SEI class, 专利密集型 flag and cluster fits.

``PatentIndustry`` rows are rebuilt by ``library build``; ``LibraryOverride`` rows are a reviewer's
decisions (who, when, why) and are re-applied after every rebuild, so they are never lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from panhuo.db import Base, utcnow

SCHEMES = ("ipc", "wipo", "gbt4754", "sei", "ipdense", "cluster")


class PatentIndustry(Base):
    """One classification of one patent in one scheme, with its weight and source."""

    __tablename__ = "patent_industries"
    __table_args__ = (
        Index("ix_patent_industries_scheme_code", "scheme", "code"),
        Index("ix_patent_industries_patent_scheme", "patent_id", "scheme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(12))  # ipc | wipo | gbt4754 | sei | ipdense | cluster
    code: Mapped[str] = mapped_column(String(60))  # H01M / "6" / 3841 / "1" / 信息通信技术制造业 / zj-415x-…
    weight: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(80))  # official:… | derived:… | text:… | reviewer:<name>
    rank: Mapped[int] = mapped_column(Integer, default=0)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LibraryOverride(Base):
    """A reviewer's correction: add (or re-weight) or remove one classification of one patent."""

    __tablename__ = "library_overrides"
    __table_args__ = (Index("ix_library_overrides_patent", "patent_id", "scheme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(8))  # add | remove
    weight: Mapped[float | None] = mapped_column(Float)
    reviewer: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)  # False once withdrawn
