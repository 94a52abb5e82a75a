"""Enterprise technology demands (企业出题), their ranked patents, routing to institutions (高校答题),
and enterprise profiles used to push patents to the enterprises that fit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from panhuo.db import Base, TimestampMixin, utcnow


class EnterpriseProfile(TimestampMixin, Base):
    """What an enterprise makes and needs: business scope text, GB/T 4754 codes, region."""

    __tablename__ = "matching_enterprise_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    business_scope: Mapped[str | None] = mapped_column(Text)  # 经营范围 / products
    industry_codes: Mapped[list] = mapped_column(default=list)  # GB/T 4754
    region_code: Mapped[str | None] = mapped_column(String(12))  # GB/T 2260
    keywords: Mapped[list] = mapped_column(default=list)
    synthetic: Mapped[bool] = mapped_column(default=False)


class Demand(TimestampMixin, Base):
    __tablename__ = "matching_demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(String(12))
    industry_codes: Mapped[list] = mapped_column(default=list)
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    budget_wan: Mapped[float | None] = mapped_column(Float)  # 万元
    preferred_mode: Mapped[str | None] = mapped_column(String(20))  # 转让 / 许可 / 合作开发
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / answered / closed
    keywords: Mapped[list] = mapped_column(default=list)
    fields: Mapped[dict] = mapped_column(default=dict)  # {"ipc": [[code, score]], "wipo": …, "industries": …}
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    index_stamp: Mapped[str | None] = mapped_column(String(64))  # which library/index state the matches reflect
    source: Mapped[str | None] = mapped_column(String(300))
    synthetic: Mapped[bool] = mapped_column(default=False)

    matches: Mapped[list[DemandMatch]] = relationship(back_populates="demand", cascade="all, delete-orphan",
                                                      order_by="DemandMatch.rank")
    routes: Mapped[list[DemandRoute]] = relationship(back_populates="demand", cascade="all, delete-orphan",
                                                     order_by="DemandRoute.id")


class DemandMatch(Base):
    __tablename__ = "matching_demand_matches"
    __table_args__ = (UniqueConstraint("demand_id", "patent_id", name="uq_matching_demand_matches_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("matching_demands.id", ondelete="CASCADE"), index=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    why: Mapped[dict] = mapped_column(default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="matches")


class DemandRoute(TimestampMixin, Base):
    """企业出题、高校答题: a demand sent to one institution, and its answer."""

    __tablename__ = "matching_demand_routes"
    __table_args__ = (UniqueConstraint("demand_id", "institution_id", name="uq_matching_demand_routes_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("matching_demands.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    routed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    respond_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # RouteStatus
    response_kind: Mapped[str | None] = mapped_column(String(20))  # proposal / collaboration / decline
    proposed_patent_ids: Mapped[list] = mapped_column(default=list)
    message: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responder: Mapped[str | None] = mapped_column(String(100))
    suggested_patent_ids: Mapped[list] = mapped_column(default=list)  # why this institution was chosen

    demand: Mapped[Demand] = relationship(back_populates="routes")
