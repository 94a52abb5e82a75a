"""盘点 campaigns, their items and review comments, and library publications."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from panhuo.db import Base, TimestampMixin, utcnow


class InventoryCampaign(TimestampMixin, Base):
    """One institution's inventory campaign: a scope of patents, a deadline, a review chain."""

    __tablename__ = "inventory_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[dict] = mapped_column(default=dict)  # e.g. {"legal_status": ["valid"], "note": "..."}
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open / closed
    created_by: Mapped[str | None] = mapped_column(String(100))

    items: Mapped[list[InventoryItem]] = relationship(back_populates="campaign", cascade="all, delete-orphan")


class InventoryItem(TimestampMixin, Base):
    """One patent in a campaign: who fills it, its self-assessment and where it is in the review chain."""

    __tablename__ = "inventory_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "patent_id", name="uq_inventory_items_campaign_patent"),
        Index("ix_inventory_items_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("inventory_campaigns.id", ondelete="CASCADE"))
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    inventor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="assigned")  # ItemStatus
    assessment: Mapped[dict] = mapped_column(default=dict)  # the self-assessment form (see rules.py)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    campaign: Mapped[InventoryCampaign] = relationship(back_populates="items")
    comments: Mapped[list[InventoryComment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="InventoryComment.id")


class InventoryComment(Base):
    """A step of the review chain: who did what (submit, return, approve) with which comment."""

    __tablename__ = "inventory_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))  # Transition
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[InventoryItem] = relationship(back_populates="comments")


class LibraryPublication(Base):
    """A patent an institution published to the library, with the fields enterprises may see."""

    __tablename__ = "library_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    fields: Mapped[list] = mapped_column(default=list)  # published field names
    open_licence: Mapped[bool] = mapped_column(default=False)  # 开放许可 offered
    asking_price: Mapped[float | None] = mapped_column()  # 万元, when the institution publishes it
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
