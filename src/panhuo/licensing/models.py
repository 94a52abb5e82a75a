"""Licensing records: open-licence declarations and the licences taken under them, contracts with their
payments, receipts and income distributions, and 区域定向许可 campaigns with their push items and trials.

Declarations, contracts, push items and payments carry a ``version_id`` (optimistic locking): a stale
update raises instead of overwriting someone else's change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from panhuo.db import Base, TimestampMixin

Money = Numeric(16, 2)


class Declaration(TimestampMixin, Base):
    """开放许可声明 (专利法 Art. 50; 细则 Art. 85)."""

    __tablename__ = "licensing_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    patent_number: Mapped[str] = mapped_column(String(40))  # 专利号 as declared
    patentee: Mapped[str] = mapped_column(String(300))
    fee_terms: Mapped[dict] = mapped_column(default=dict)  # rules.FeeTerms.to_dict()
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    other_terms: Mapped[str | None] = mapped_column(Text)
    trial_months: Mapped[int] = mapped_column(Integer, default=0)  # 先试用: free months before fees are due
    # Eligibility attestations the register does not hold
    consenting_owners: Mapped[list] = mapped_column(default=list)
    pledgee_consent: Mapped[bool] = mapped_column(default=False)
    evaluation_report_no: Mapped[str | None] = mapped_column(String(60))
    evaluation_report_positive: Mapped[bool | None] = mapped_column(default=None)
    # Dates of the lifecycle
    filed_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)  # the fee reduction runs from here
    withdrawn_on: Mapped[date | None] = mapped_column(Date)  # withdrawal published
    cnipa_ref: Mapped[str | None] = mapped_column(String(60))
    created_by: Mapped[str | None] = mapped_column(String(100))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    licences: Mapped[list[OpenLicence]] = relationship(back_populates="declaration", order_by="OpenLicence.id")

    __mapper_args__ = {"version_id_col": version_id}


class OpenLicence(TimestampMixin, Base):
    """A licence obtained under a declaration by written notice and payment (专利法 Art. 51)."""

    __tablename__ = "licensing_open_licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("licensing_declarations.id"), index=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)
    licensee_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    licensee_name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="notified", index=True)
    notified_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    amount_paid: Mapped[Decimal | None] = mapped_column(Money)
    effective_on: Mapped[date | None] = mapped_column(Date)
    recordal_deadline: Mapped[date | None] = mapped_column(Date)  # 备案: effective + 3 months
    recorded_on: Mapped[date | None] = mapped_column(Date)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(String(500))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    declaration: Mapped[Declaration] = relationship(back_populates="licences")

    __mapper_args__ = {"version_id_col": version_id}


class ContractPatent(Base):
    __tablename__ = "licensing_contract_patents"
    __table_args__ = (UniqueConstraint("contract_id", "patent_id", name="uq_licensing_contract_patents_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("licensing_contracts.id", ondelete="CASCADE"), index=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)


class Contract(TimestampMixin, Base):
    """Licence (独占/排他/普通), transfer (转让) or 作价投资 contract."""

    __tablename__ = "licensing_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="licence")  # licence | transfer | equity
    licence_type: Mapped[str | None] = mapped_column(String(20))  # exclusive | sole | ordinary (licences)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    licensor_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    licensor_name: Mapped[str] = mapped_column(String(300))
    licensee_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    licensee_name: Mapped[str] = mapped_column(String(300))
    territory: Mapped[str] = mapped_column(String(200), default="中国")
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    fee_terms: Mapped[dict] = mapped_column(default=dict)
    price: Mapped[Decimal | None] = mapped_column(Money)  # 拟交易价格 / agreed total
    pricing_route: Mapped[str] = mapped_column(String(20), default="agreement")  # agreement | listing | auction
    listing_ref: Mapped[str | None] = mapped_column(String(200))  # exchange listing or auction reference
    publicity_start: Mapped[date | None] = mapped_column(Date)  # 公示 of name and price (协议定价)
    publicity_end: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    recordal_deadline: Mapped[date | None] = mapped_column(Date)
    recorded_on: Mapped[date | None] = mapped_column(Date)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_on: Mapped[date | None] = mapped_column(Date)  # a draft withdrawn (made by mistake)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    distribution_rule: Mapped[dict] = mapped_column(default=dict)  # rewards.DistributionRule.to_dict()
    push_item_id: Mapped[int | None] = mapped_column(ForeignKey("licensing_push_items.id"), index=True)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    patents: Mapped[list[ContractPatent]] = relationship(cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(back_populates="contract", order_by="Payment.due_date")

    __mapper_args__ = {"version_id_col": version_id}


class Payment(TimestampMixin, Base):
    """One scheduled amount: lump sum, instalment, milestone or a royalty period."""

    __tablename__ = "licensing_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("licensing_contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # lump_sum | instalment | milestone | royalty
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    amount_due: Mapped[Decimal | None] = mapped_column(Money)  # royalty: set by the report
    milestone: Mapped[str | None] = mapped_column(String(300))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    reported_base: Mapped[Decimal | None] = mapped_column(Money)  # net sales or profit reported
    royalty_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    royalty_basis: Mapped[str | None] = mapped_column(String(20))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    contract: Mapped[Contract] = relationship(back_populates="payments")
    receipts: Mapped[list[Receipt]] = relationship(back_populates="payment", order_by="Receipt.id")

    __mapper_args__ = {"version_id_col": version_id}


class Receipt(TimestampMixin, Base):
    __tablename__ = "licensing_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("licensing_payments.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(String(200))

    payment: Mapped[Payment] = relationship(back_populates="receipts")


class Distribution(TimestampMixin, Base):
    """Income distributed after a receipt: the rule used and each person's amount."""

    __tablename__ = "licensing_distributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("licensing_contracts.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("licensing_receipts.id"), index=True)
    gross_income: Mapped[Decimal] = mapped_column(Money)
    costs: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    net_income: Mapped[Decimal] = mapped_column(Money)
    rule: Mapped[dict] = mapped_column(default=dict)
    allocations: Mapped[list] = mapped_column(default=list)  # [Allocation.to_dict()]
    created_by: Mapped[str | None] = mapped_column(String(100))


class Campaign(TimestampMixin, Base):
    """区域定向许可 campaign: region, target industries, participating institutions, trial terms."""

    __tablename__ = "licensing_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="active")
    region_codes: Mapped[list] = mapped_column(default=list)  # GB/T 2260
    target_industries: Mapped[list] = mapped_column(default=list)  # GB/T 4754 codes
    clusters: Mapped[list] = mapped_column(default=list)
    institution_ids: Mapped[list] = mapped_column(default=list)  # participating organisations
    trial_months: Mapped[int] = mapped_column(Integer, default=6)
    trial_terms: Mapped[str | None] = mapped_column(Text)
    push_size: Mapped[int] = mapped_column(Integer, default=10)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(100))

    enterprises: Mapped[list[CampaignEnterprise]] = relationship(back_populates="campaign",
                                                                 order_by="CampaignEnterprise.id")


class CampaignEnterprise(Base):
    __tablename__ = "licensing_campaign_enterprises"
    __table_args__ = (UniqueConstraint("campaign_id", "organisation_id", name="uq_licensing_campaign_enterprises_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("licensing_campaigns.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(String(12))
    industry_codes: Mapped[list] = mapped_column(default=list)
    needs: Mapped[str | None] = mapped_column(Text)  # products, technical needs: matched against patent text
    contact: Mapped[str | None] = mapped_column(String(200))

    campaign: Mapped[Campaign] = relationship(back_populates="enterprises")


class PushItem(TimestampMixin, Base):
    """One patent pushed to one enterprise, tracked to a licence or a decline (with the trial on it)."""

    __tablename__ = "licensing_push_items"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id", "patent_id",
                                       name="uq_licensing_push_items_triple"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("licensing_campaigns.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("licensing_campaign_enterprises.id", ondelete="CASCADE"),
                                               index=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(default=0.0)
    source: Mapped[str] = mapped_column(String(20), default="institution")  # institution | provincial
    reasons: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="pushed", index=True)
    pushed_on: Mapped[date] = mapped_column(Date)
    interested_on: Mapped[date | None] = mapped_column(Date)
    trial_status: Mapped[str | None] = mapped_column(String(20))  # states.MACHINES["trial"]
    trial_start: Mapped[date | None] = mapped_column(Date)
    trial_end: Mapped[date | None] = mapped_column(Date)
    trial_outcome: Mapped[str | None] = mapped_column(String(500))
    licensed_on: Mapped[date | None] = mapped_column(Date)
    declined_on: Mapped[date | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    checkins: Mapped[list[TrialCheckin]] = relationship(back_populates="item", order_by="TrialCheckin.id")

    __mapper_args__ = {"version_id_col": version_id}


class TrialCheckin(Base):
    """A usage check-in during a free trial."""

    __tablename__ = "licensing_trial_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("licensing_push_items.id", ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str | None] = mapped_column(String(100))

    item: Mapped[PushItem] = relationship(back_populates="checkins")
