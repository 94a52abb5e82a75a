"""Pure open-licensing rules: declaration content (细则 Art. 85), eligibility (Art. 86, CNIPA practice),
fee terms against the guidance caps, licence terms. No I/O, no session.

Every check returns :class:`Problem` records named by the check, so a person sees each failure at once.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from panhuo.licensing.policy import OpenLicencePolicy, open_licence_policy

ELIGIBILITY_CHECKS = (
    "granted_and_valid", "no_exclusive_or_sole_licence", "not_suspended", "annual_fees_paid",
    "pledge_consent", "co_owners_consent", "evaluation_report",
)
ROYALTY_BASES = ("net_sales", "profit")


class Problem(NamedTuple):
    """One failed check: its name (stable, for code and tests) and a message for people."""

    check: str
    message: str


class LicensingError(ValueError):
    """Base of the licensing feature's rule errors."""


class FieldError(LicensingError):
    """A refusal that concerns one input (``field``: the form field a page shows it next to)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class RuleViolation(LicensingError):
    """One or more checks failed; ``problems`` names each."""

    def __init__(self, what: str, problems: list[Problem]):
        self.problems = problems
        detail = "; ".join(f"[{p.check}] {p.message}" for p in problems)
        super().__init__(f"{what}: {detail}")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


FIRST_YEAR, LAST_YEAR = 1985, 2200  # 专利法 took effect on 1985-04-01; later dates are typing errors


def check_date(day: date, what: str = "date") -> date:
    """``day`` when its year is within ``FIRST_YEAR``–``LAST_YEAR`` (so month and day arithmetic cannot
    overflow); :class:`LicensingError` naming ``what`` otherwise."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise LicensingError(f"{what} {day.isoformat()} is out of range: use a year from {FIRST_YEAR} to {LAST_YEAR}")
    return day


MONEY_LIMIT = Decimal("1e14")  # amounts are stored as Numeric(16, 2): strictly below 10^14 yuan
FEN = Decimal("0.01")


def royalty_amount(reported_base: Decimal, royalty_pct: Decimal) -> Decimal:
    """The amount due for a royalty period: base × rate, to the fen.

    The rate must be above 0 and at most 100 % (stored as Numeric(6, 3): at most three decimals); the base
    must be a finite, non-negative amount and the result must fit an amount column (below 10^14 yuan).
    Raises :class:`LicensingError` with the reason otherwise.
    """
    base, pct = Decimal(reported_base), Decimal(royalty_pct)
    if not pct.is_finite() or not 0 < pct <= 100:
        raise LicensingError(f"royalty rate {royalty_pct} % is out of range: it must be above 0 and at most 100 %")
    if pct != pct.quantize(Decimal("0.001")):
        raise LicensingError(f"royalty rate {royalty_pct} %: use at most three decimals")
    if not base.is_finite() or base < 0:
        raise LicensingError("the reported base must be a non-negative amount")
    if base >= MONEY_LIMIT:
        raise LicensingError(f"the reported base {reported_base} is out of range (below 10^14 yuan)")
    amount = (base * pct / 100).quantize(FEN)
    if amount >= MONEY_LIMIT:
        raise LicensingError(f"the amount due {amount} is out of range (below 10^14 yuan)")
    return amount


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise LicensingError(f"{name}: '{value}' is not a number") from exc


@dataclass(frozen=True)
class FeeTerms:
    """许可使用费支付方式和标准. ``lump_sum`` is the 一次性 fee or the 入门费; royalty as a percentage."""

    mode: str
    lump_sum: Decimal | None = None
    royalty_pct: Decimal | None = None
    royalty_basis: str | None = None  # net_sales | profit
    payable_after_months: int = 0  # 先试用后付费: the fee falls due this many months after the start

    @classmethod
    def from_dict(cls, data: dict) -> FeeTerms:
        """Build from JSON-like input (numbers may be strings); unknown keys are an error."""
        known = {"mode", "lump_sum", "royalty_pct", "royalty_basis", "payable_after_months"}
        extra = set(data) - known
        if extra:
            raise LicensingError(f"fee terms: unknown field(s) {', '.join(sorted(extra))}")
        if not data.get("mode"):
            raise LicensingError("fee terms: 'mode' is required (lump_sum, royalty, entry_plus_royalty or free)")
        return cls(mode=str(data["mode"]), lump_sum=_decimal(data.get("lump_sum"), "lump_sum"),
                   royalty_pct=_decimal(data.get("royalty_pct"), "royalty_pct"),
                   royalty_basis=data.get("royalty_basis"),
                   payable_after_months=int(data.get("payable_after_months") or 0))

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("lump_sum", "royalty_pct"):
            out[key] = None if out[key] is None else str(out[key])
        return out


def check_fee_terms(terms: FeeTerms, policy: OpenLicencePolicy | None = None) -> list[Problem]:
    """Payment mode and standard against the CNIPA guidance caps (fixed ≤ 2,000万元; royalty ≤ 20 %/40 %).

    Named checks: ``payment_mode`` (unknown mode), ``royalty_basis`` (a basis the caps table does not know, or
    none for a rate), ``fee_standard`` (amounts the mode needs or forbids, impossible values) and ``fee_cap``
    (above the guidance caps)."""
    pol = policy or open_licence_policy()
    if terms.mode not in pol.payment_modes:
        return [Problem("payment_mode", f"unknown payment mode '{terms.mode}' (use {', '.join(pol.payment_modes)})")]
    problems: list[Problem] = []
    needs_fixed = terms.mode in ("lump_sum", "entry_plus_royalty")
    needs_royalty = terms.mode in ("royalty", "entry_plus_royalty")
    if needs_fixed and terms.lump_sum is None:
        problems.append(Problem("fee_standard", f"mode '{terms.mode}' needs a fixed amount (lump_sum)"))
    if needs_royalty and terms.royalty_pct is None:
        problems.append(Problem("fee_standard", f"mode '{terms.mode}' needs a royalty rate (royalty_pct)"))
    if not needs_royalty and terms.royalty_pct is not None:
        problems.append(Problem("fee_standard", f"mode '{terms.mode}' takes no royalty rate"))
    if terms.mode == "royalty" and terms.lump_sum:
        problems.append(Problem("fee_standard", "mode 'royalty' takes no fixed amount (use entry_plus_royalty)"))
    if terms.mode == "free" and terms.lump_sum:
        problems.append(Problem("fee_standard", "mode 'free' cannot carry a fee"))
    if terms.lump_sum is not None:
        if not terms.lump_sum.is_finite() or terms.lump_sum < 0 or terms.lump_sum >= MONEY_LIMIT:
            problems.append(Problem("fee_standard", "the fixed amount must be a non-negative amount below 10^14 yuan"))
        elif terms.lump_sum > pol.fixed_fee_max_yuan:
            problems.append(Problem("fee_cap", f"fixed fee {terms.lump_sum} yuan exceeds the guidance cap of "
                                               f"{pol.fixed_fee_max_yuan} yuan (2,000万元)"))
    if terms.royalty_basis is not None and terms.royalty_basis not in pol.royalty_max_pct:
        problems.append(_unknown_basis(terms.royalty_basis, pol))
    elif terms.royalty_pct is not None:
        problems.extend(_check_royalty(terms, pol))
    if terms.payable_after_months < 0:
        problems.append(Problem("fee_standard", "payable_after_months cannot be negative"))
    return problems


def _unknown_basis(basis: str | None, pol: OpenLicencePolicy) -> Problem:
    known = ", ".join(f"{b} (≤ {pol.royalty_max_pct[b]:g} %)" for b in pol.royalty_max_pct)
    what = f"unknown royalty basis '{basis}'" if basis else "a royalty rate needs its basis"
    return Problem("royalty_basis", f"{what}: use {known}")


def _check_royalty(terms: FeeTerms, pol: OpenLicencePolicy) -> list[Problem]:
    if terms.royalty_basis not in pol.royalty_max_pct:
        return [_unknown_basis(terms.royalty_basis, pol)]
    cap = Decimal(str(pol.royalty_max_pct[terms.royalty_basis]))
    if not terms.royalty_pct.is_finite() or not 0 < terms.royalty_pct <= 100:
        return [Problem("fee_standard", "the royalty rate must be above 0 % and at most 100 %")]
    if terms.royalty_pct != terms.royalty_pct.quantize(Decimal("0.001")):
        return [Problem("fee_standard", f"royalty rate {terms.royalty_pct} %: use at most three decimals")]
    if terms.royalty_pct > cap:
        basis = "净销售额" if terms.royalty_basis == "net_sales" else "利润额"
        return [Problem("fee_cap", f"royalty {terms.royalty_pct} % of {terms.royalty_basis} exceeds the guidance "
                                   f"cap of {cap} % ({basis})")]
    return []


CAP_MODES = ("warn", "refuse")


def check_contract_fee_terms(terms: FeeTerms, *, caps: str, policy: OpenLicencePolicy | None = None
                             ) -> tuple[list[Problem], list[Problem]]:
    """The fee terms of a licence, transfer or 作价投资 contract: ``(refusals, warnings)``.

    The same checks as a declaration's (:func:`check_fee_terms`): an unknown payment mode or royalty basis,
    missing or impossible amounts are refused. The guidance caps (``fee_cap``) bind open-licence declarations;
    for a negotiated contract ``caps`` (``fee_caps`` in ``data/contracts.yaml``) says whether they only
    ``warn`` or ``refuse``."""
    if caps not in CAP_MODES:
        raise LicensingError(f"fee_caps must be one of {', '.join(CAP_MODES)}, not '{caps}'")
    problems = check_fee_terms(terms, policy)
    if caps == "refuse":
        return problems, []
    return [p for p in problems if p.check != "fee_cap"], [p for p in problems if p.check == "fee_cap"]


def check_term(start: date | None, end: date | None, expiry: date | None,
               policy: OpenLicencePolicy | None = None) -> list[Problem]:
    """专利许可期限: at least the minimum (1 year) and not beyond the patent's expiry."""
    pol = policy or open_licence_policy()
    if start is None or end is None:
        return [Problem("term", "the licence term needs a start and an end date")]
    problems = []
    if end < add_months(start, pol.min_term_months):
        problems.append(Problem("term_minimum", f"term {start}–{end} is shorter than {pol.min_term_months} months"))
    if pol.not_beyond_expiry:
        if expiry is None:
            problems.append(Problem("term_within_expiry", "the patent's expiry date is unknown, so the term "
                                                          "cannot be confirmed to end before it"))
        elif end > expiry:
            problems.append(Problem("term_within_expiry", f"term ends {end}, after the patent expires ({expiry})"))
    return problems


def find_promotional(text: str | None, policy: OpenLicencePolicy | None = None) -> list[str]:
    """The banned promotional phrases (商业性宣传用语) that occur in ``text``, in list order."""
    if not text:
        return []
    pol = policy or open_licence_policy()
    lowered = text.casefold()
    return [p for p in pol.promotional_phrases if p.casefold() in lowered]


@dataclass(frozen=True)
class DeclarationContent:
    """The statutory content of an open-licence declaration (细则 Art. 85)."""

    patent_number: str | None
    patentee: str | None
    fee_terms: FeeTerms | None
    term_start: date | None
    term_end: date | None
    other_terms: str | None = None
    text_fields: dict[str, str] = field(default_factory=dict)  # any further free text shown to the public


def check_declaration(content: DeclarationContent, *, expiry: date | None,
                      policy: OpenLicencePolicy | None = None) -> list[Problem]:
    """Every content problem of a declaration: missing items, wording, fee standard and term."""
    pol = policy or open_licence_policy()
    problems = []
    if not (content.patent_number or "").strip():
        problems.append(Problem("patent_number", "专利号 (patent number) is required"))
    if not (content.patentee or "").strip():
        problems.append(Problem("patentee", "专利权人 (patentee) is required"))
    if content.fee_terms is None:
        problems.append(Problem("payment_mode", "许可使用费支付方式、标准 (fee payment method and standard) is required"))
    else:
        problems.extend(check_fee_terms(content.fee_terms, pol))
    problems.extend(check_term(content.term_start, content.term_end, expiry, pol))
    texts = {"other_terms": content.other_terms or "", **content.text_fields}
    for name, text in texts.items():
        for phrase in find_promotional(text, pol):
            problems.append(Problem("promotional_language",
                                    f"{name} contains the promotional phrase '{phrase}' (商业性宣传用语 are not "
                                    f"allowed in a declaration, 细则 Art. 85)"))
    return problems


@dataclass(frozen=True)
class EligibilityFacts:
    """What the eligibility checks need to know about one patent on one day."""

    patent_type: str | None
    legal_status: str | None
    granted: bool
    exclusive_or_sole_licences: tuple[str, ...] = ()  # references of exclusive/sole licences in force
    suspended: bool = False  # 中止程序: ownership dispute (Art. 103) or court preservation (Art. 104)
    annual_fees_paid: bool | None = None  # None = not known
    pledged: bool = False
    pledgee_consent: bool = False
    co_owners: tuple[str, ...] = ()  # every patentee
    consenting_owners: tuple[str, ...] = ()
    evaluation_report_positive: bool | None = None  # 专利权评价报告 conclusion (UM and design)


def check_eligibility(facts: EligibilityFacts) -> list[Problem]:
    """Every reason the patent may not be declared for open licensing now (empty list: eligible)."""
    problems = []
    if not facts.granted or facts.legal_status != "valid":
        problems.append(Problem("granted_and_valid", f"the patent must be granted and valid (status: "
                                                     f"{facts.legal_status or 'unknown'})"))
    if facts.exclusive_or_sole_licences:
        problems.append(Problem("no_exclusive_or_sole_licence", "an exclusive or sole licence is in force: "
                                + ", ".join(facts.exclusive_or_sole_licences)))
    if facts.suspended:
        problems.append(Problem("not_suspended", "proceedings on the patent are suspended (ownership dispute or "
                                                 "court preservation, 细则 Art. 103/104)"))
    if facts.annual_fees_paid is not True:
        state = "unknown" if facts.annual_fees_paid is None else "not paid"
        problems.append(Problem("annual_fees_paid", f"annual fees must be paid as required (status: {state})"))
    if facts.pledged and not facts.pledgee_consent:
        problems.append(Problem("pledge_consent", "the patent is pledged and the pledgee has not consented"))
    missing = [o for o in facts.co_owners if o not in set(facts.consenting_owners)]
    if missing:
        problems.append(Problem("co_owners_consent", "co-owner(s) have not consented: " + ", ".join(missing)))
    if facts.patent_type in ("utility_model", "design") and facts.evaluation_report_positive is not True:
        state = "missing" if facts.evaluation_report_positive is None else "negative"
        problems.append(Problem("evaluation_report", f"a utility model or design needs a 专利权评价报告 concluding "
                                                     f"it meets the grant conditions (report: {state})"))
    return problems
