"""Organisations: operators, institutions with their departments, enterprises."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from panhuo.db import Base, TimestampMixin, utcnow


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # OrgKind
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12))  # GB/T 2260
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码
    # 费减 eligibility of the organisation as an owner (事业单位/非营利科研机构 qualify; enterprises by income)
    fee_reduction_eligible: Mapped[bool | None] = mapped_column(default=None)
    extra: Mapped[dict] = mapped_column(default=dict)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name} ({self.kind})>"


class AuditEvent(Base):
    """Who changed what, when: sign-ins, grades, dispositions, publications, contract transitions …"""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(100))  # user name, "system" or "cli:<os user>"
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))  # e.g. "sign-in", "patent.disposition", "contract.sign"
    entity: Mapped[str | None] = mapped_column(String(40))  # e.g. "patent", "contract"
    entity_id: Mapped[str | None] = mapped_column(String(60), index=True)
    before: Mapped[dict] = mapped_column(default=dict)
    after: Mapped[dict] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(String(500))
