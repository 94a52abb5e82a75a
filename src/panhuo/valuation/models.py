"""Indicators from people (self-assessment, enterprise feedback, expert scores) and the evaluation history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from panhuo.db import Base, utcnow


class SelfAssessment(Base):
    """The inventor's 价值分级自评 for one patent (the latest one counts; older ones are kept)."""

    __tablename__ = "valuation_self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    value_grade: Mapped[int | None] = mapped_column(Integer)  # 1–5, 5 = 转化前景很好
    trl: Mapped[int | None] = mapped_column(Integer)  # 1–9
    willing: Mapped[bool | None] = mapped_column()  # 转化意愿
    modes: Mapped[list] = mapped_column(default=list)  # 转让 / 许可 / 开放许可 / 作价投资 / 自行实施
    implemented: Mapped[bool | None] = mapped_column()  # 已实施
    implementation_note: Mapped[str | None] = mapped_column(Text)
    scenarios: Mapped[list] = mapped_column(default=list)  # 应用场景
    asking_price: Mapped[float | None] = mapped_column(Float)  # 意向价格, CNY
    free_trial: Mapped[bool | None] = mapped_column()  # 免费试用意愿
    funded_project: Mapped[bool | None] = mapped_column()  # 财政资助科研项目形成
    strategic_hold: Mapped[bool | None] = mapped_column()  # 核心研发/标准/保密: keep
    author: Mapped[str] = mapped_column(String(100))
    assessed_on: Mapped[date] = mapped_column(Date)
    provenance: Mapped[str | None] = mapped_column(String(300))  # "web form", "import:file.xlsx#row 4"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EnterpriseFeedback(Base):
    """One enterprise's 市场评价 of one patent (国知发运字〔2024〕5号 task 2)."""

    __tablename__ = "valuation_enterprise_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    prospect: Mapped[int | None] = mapped_column(Integer)  # 产业化前景 1–5
    improvement_need: Mapped[str | None] = mapped_column(Text)  # 技术改进需求
    cooperation: Mapped[int | None] = mapped_column(Integer)  # 合作意愿 1–5
    author: Mapped[str] = mapped_column(String(100))
    given_on: Mapped[date] = mapped_column(Date)
    provenance: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExpertScore(Base):
    """An expert's 0–100 score for one tree input (``expert.<key>``, e.g. ``advancement``)."""

    __tablename__ = "valuation_expert_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(60))  # key after "expert.": stability, advancement …
    score: Mapped[float] = mapped_column(Float)
    expert: Mapped[str] = mapped_column(String(100))
    scored_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Evaluation(Base):
    """One evaluation of one patent: scores, grade, disposition and the explanation, never overwritten."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_patent_scenario", "patent_id", "scenario", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    run_id: Mapped[str] = mapped_column(String(40), index=True)
    scenario: Mapped[str] = mapped_column(String(20))
    tree_id: Mapped[str] = mapped_column(String(80))
    tree_version: Mapped[str] = mapped_column(String(40))
    tree_digest: Mapped[str] = mapped_column(String(16))
    rules_version: Mapped[str] = mapped_column(String(80))
    as_of: Mapped[date] = mapped_column(Date)
    input_hash: Mapped[str] = mapped_column(String(64))
    composite: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    scores: Mapped[dict] = mapped_column(default=dict)  # dimension and indicator scores
    grade: Mapped[str] = mapped_column(String(10), index=True)
    disposition: Mapped[str] = mapped_column(String(10), index=True)
    rule_id: Mapped[str] = mapped_column(String(60))
    next_fee: Mapped[float | None] = mapped_column(Float)  # CNY
    cost_to_expiry: Mapped[float | None] = mapped_column(Float)  # CNY
    explanation: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
