"""Worked fee cases from rules-and-valuation.md §0 and §5 (amounts in CNY unless the name says fen)."""

from __future__ import annotations

from datetime import date

import pytest

from panhuo.fees import engine
from panhuo.fees.dates import add_months, add_years, full_months_between, full_years_between
from panhuo.fees.engine import FeeCase, fee_facts, fee_for_year, fee_years
from panhuo.fees.schedule import default_schedule

S = default_schedule()


def yuan(fen: int) -> float:
    return fen / 100


@pytest.mark.parametrize("patent_type, total", [("invention", 82_300), ("utility_model", 11_200), ("design", 26_200)])
def test_full_term_totals(patent_type, total):
    assert S.total(patent_type) == total


@pytest.mark.parametrize("patent_type, year, remaining", [
    ("invention", 5, 78_400), ("invention", 10, 70_000), ("invention", 13, 58_000), ("invention", 16, 40_000),
    ("utility_model", 6, 7_600), ("design", 11, 15_000),
])
def test_remaining_full_price_checkpoints(patent_type, year, remaining):
    assert S.remaining_from(patent_type, year) == remaining


@pytest.mark.parametrize("patent_type, term", [("invention", 20), ("utility_model", 10), ("design", 15)])
def test_terms_and_design_has_fifteen_years(patent_type, term):
    assert S.term(patent_type) == term
    assert S.full_fee(patent_type, term) > 0 and S.full_fee(patent_type, term + 1) == 0


@pytest.mark.parametrize("patent_type, year, fee", [
    ("invention", 1, 900), ("invention", 4, 1200), ("invention", 7, 2000), ("invention", 10, 4000),
    ("invention", 13, 6000), ("invention", 16, 8000), ("invention", 20, 8000),
    ("utility_model", 3, 600), ("utility_model", 4, 900), ("utility_model", 6, 1200), ("utility_model", 9, 2000),
    ("design", 5, 900), ("design", 9, 2000), ("design", 11, 3000), ("design", 15, 3000),
])
def test_schedule_by_patent_year(patent_type, year, fee):
    assert S.full_fee(patent_type, year) == fee


# A university as sole owner, granted in year 1 so that years 1–10 are inside the 费减 window.
@pytest.mark.parametrize("year, fee", [(1, 135), (3, 135), (4, 180), (6, 180), (7, 300), (9, 300), (10, 600),
                                       (11, 4000), (12, 4000), (13, 6000)])
def test_sole_university_owner_85_percent(year, fee):
    case = FeeCase("invention", date(2015, 1, 10), date(2015, 11, 2), reduction_pct=85)
    assert yuan(fee_for_year(case, year, S).fee_fen) == fee


def test_cliff_at_the_end_of_the_fee_reduction_window():
    """Filed 2018, granted in patent year 4 (2021): reduced through year 13 (900), year 14 full 6000 = 6.7×."""
    case = FeeCase("invention", date(2018, 5, 20), date(2021, 9, 1), reduction_pct=85)
    assert engine.grant_year(case) == 4
    assert engine.reduction_window(case, S) == (4, 13)
    assert yuan(fee_for_year(case, 13, S).fee_fen) == 900
    assert yuan(fee_for_year(case, 14, S).fee_fen) == 6000
    facts = fee_facts(case, date(2030, 6, 1), S)
    cliff = facts.next_cliff
    assert (cliff.year, cliff.due_date, cliff.kinds) == (14, date(2031, 5, 20), ("reduction_end",))
    assert round(cliff.ratio, 1) == 6.7
    assert facts.reduction_window_end == date(2031, 5, 20)


def test_schedule_steps_are_cliffs_with_their_ratio():
    case = FeeCase("invention", date(2010, 1, 1), date(2011, 6, 1))
    facts = fee_facts(case, date(2011, 6, 1), S)
    steps = [(c.year, round(c.ratio, 3)) for c in facts.cliffs]
    assert steps == [(4, 1.333), (7, 1.667), (10, 2.0), (13, 1.5), (16, 1.333)]
    assert all(c.kinds == ("schedule_step",) for c in facts.cliffs)


@pytest.mark.parametrize("rule, pct, amount", [("full_months", 10, 600), ("started_months", 15, 900)])
def test_late_payment_in_month_three_surcharges_the_full_fee(rule, pct, amount):
    """Due 2024-03-15, paid 2024-05-20 (month 3): 5 % × 2 (practice table) or × 3 (every month begun)."""
    due = date(2024, 3, 15)
    late = engine.late_payment(engine.yuan_to_fen(6000), due, date(2024, 5, 20), S, rule=rule)
    assert (late.late_month, late.surcharge_pct, yuan(late.surcharge_fen), late.lapsed) == (3, pct, amount, False)


@pytest.mark.parametrize("paid_on, month, pct", [
    (date(2024, 3, 15), 0, 0), (date(2024, 3, 16), 1, 0), (date(2024, 4, 15), 1, 0), (date(2024, 4, 16), 2, 5),
    (date(2024, 9, 15), 6, 25), (date(2024, 9, 16), 7, 0),
])
def test_late_months_and_grace_end(paid_on, month, pct):
    late = engine.late_payment(90_000, date(2024, 3, 15), paid_on, S)
    assert (late.late_month, late.surcharge_pct) == (month, pct)
    assert late.grace_end == date(2024, 9, 15)
    assert late.lapsed is (month > 6)


def test_surcharge_is_on_the_full_fee_even_when_reduced():
    case = FeeCase("invention", date(2018, 3, 15), date(2019, 1, 1), reduction_pct=85)
    fee = fee_for_year(case, 7, S)  # pays 300 of 2000
    late = engine.late_payment(fee.full_fen, fee.due_date, add_months(fee.due_date, 4), S)
    assert (yuan(fee.fee_fen), yuan(late.surcharge_fen)) == (300, 300)  # 15 % of 2000


def test_lapse_and_restoration():
    case = FeeCase("invention", date(2018, 3, 15), date(2019, 1, 1), reduction_pct=85)
    fee = fee_for_year(case, 7, S)
    lapse = engine.lapse_facts(fee, S)
    assert (lapse.grace_end, lapse.lapse_effective, lapse.restore_deadline) == (
        date(2024, 9, 15), date(2024, 3, 15), date(2024, 11, 15))
    assert lapse.notice_estimated
    assert yuan(lapse.restoration_cost_fen) == 300 + 500 + 1000  # fee, 25 % surcharge of 2000, restoration fee
    postal = engine.lapse_facts(fee, S, notice_date=date(2024, 10, 10), electronic=False)
    assert postal.restore_deadline == date(2024, 12, 25) and not postal.notice_estimated


@pytest.mark.parametrize("eligible, pct, flags", [
    ([True], 85, ()), ([True, True], 70, ()), ([True, True, True], 70, ()),
    ([True, False], 0, ("joint_ineligible_owner",)), ([False], 0, ()),
    ([True, None], 0, ("eligibility_assumed", "joint_ineligible_owner")), ([], 0, ("owners_unknown",)),
])
def test_reduction_for_owners(eligible, pct, flags):
    decision = engine.reduction_for_owners(eligible, S)
    assert (decision.pct, decision.flags) == (pct, flags)
    assert decision.reason


def test_unknown_owner_can_be_assumed_eligible():
    assert engine.reduction_for_owners([True, None], S, unknown_as=True).pct == 70


def test_jointly_owned_with_ineligible_enterprise_pays_full_fees():
    decision = engine.reduction_for_owners([True, False], S)
    case = FeeCase("invention", date(2019, 4, 1), date(2021, 8, 1), reduction_pct=decision.pct)
    fee = fee_for_year(case, 4, S)
    assert (yuan(fee.fee_fen), fee.basis) == (1200, "none")


@pytest.mark.parametrize("reduction, ol_since, year, pct, basis", [
    (85, date(2020, 1, 1), 5, 85, "fee_reduction"),      # inside the window: OL adds nothing
    (85, date(2020, 1, 1), 14, 15, "open_licence"),      # after the window: OL 15 %
    (70, date(2020, 1, 1), 5, 70, "fee_reduction"),
    (0, date(2020, 1, 1), 7, 15, "open_licence"),        # ineligible owner: OL is the only reduction
    (0, date(2030, 1, 1), 5, 0, "none"),                 # OL not yet in force on the due date
])
def test_open_licence_and_fee_reduction_are_never_combined(reduction, ol_since, year, pct, basis):
    case = FeeCase("invention", date(2015, 3, 1), date(2017, 6, 1), reduction_pct=reduction, open_licence_since=ol_since)
    fee = fee_for_year(case, year, S)
    assert (fee.pct, fee.basis) == (pct, basis)
    assert fee.fee_fen == engine.reduce_fen(fee.full_fen, pct)


def test_open_licence_saving_is_zero_inside_the_window_for_a_sole_university():
    case = FeeCase("invention", date(2020, 3, 1), date(2022, 6, 1), reduction_pct=85)
    # Years 3 … 12 reduced; OL from 2024 only helps for years 13 … 20 (6000×3 + 8000×5 = 58000 → 15 % = 8700).
    assert yuan(fee_facts(case, date(2024, 1, 1), S).open_licence_saving_fen) == 8700
    short = FeeCase("utility_model", date(2020, 3, 1), date(2020, 9, 1), reduction_pct=85)
    assert fee_facts(short, date(2024, 1, 1), S).open_licence_saving_fen == 0


def test_grant_year_fee_is_due_at_registration_and_later_fees_on_the_anniversary():
    case = FeeCase("invention", date(2019, 7, 31), date(2022, 2, 15))
    years = fee_years(case, S)
    assert [(y.year, y.due_date) for y in years[:3]] == [
        (3, date(2022, 2, 15)), (4, date(2022, 7, 31)), (5, date(2023, 7, 31))]
    assert years[-1].year == 20


def test_next_due_and_cost_to_expiry():
    case = FeeCase("invention", date(2010, 1, 1), date(2011, 6, 1))
    facts = fee_facts(case, date(2024, 6, 1), S)
    assert facts.patent_year == 15
    assert (facts.next_due.year, facts.next_due.due_date) == (16, date(2025, 1, 1))
    assert yuan(facts.cost_to_expiry_fen) == 40_000
    assert yuan(fee_facts(case, date(2011, 6, 1), S).cost_to_expiry_fen) == 82_300 - 900


def test_a_fee_due_today_is_still_to_pay():
    case = FeeCase("utility_model", date(2020, 5, 5), date(2020, 12, 1))
    assert fee_facts(case, date(2024, 5, 5), S).next_due.year == 5


def test_pending_patent_has_no_fees():
    facts = fee_facts(FeeCase("invention", date(2023, 1, 1)), date(2024, 1, 1), S)
    assert facts.next_due is None and facts.cost_to_expiry_fen == 0 and facts.reduction_window is None


@pytest.mark.parametrize("days, years, total", [(0, 0, 0), (200, 0, 200), (365, 1, 8200), (800, 2, 16_200)])
def test_term_compensation_years_are_whole_and_charged_8000(days, years, total):
    case = FeeCase("invention", date(2010, 1, 1), date(2015, 1, 1), compensation_days=days)
    assert engine.compensation_fees(case, S) == (years, total * 100)
    comp = [y for y in fee_years(case, S) if y.basis == "term_compensation"]
    assert [y.year for y in comp] == list(range(21, 21 + years))
    assert all(y.fee_fen == 800_000 for y in comp)


def test_compensation_year_is_a_cliff():
    case = FeeCase("invention", date(2005, 1, 1), date(2012, 1, 1), compensation_days=400)
    facts = fee_facts(case, date(2024, 6, 1), S)
    assert [c.kinds for c in facts.cliffs] == []  # 8000 → 8000 is no rise
    assert facts.remaining[-1].basis == "term_compensation"


@pytest.mark.parametrize("start, months, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)), (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 3, 15), 6, date(2024, 9, 15)), (date(2024, 8, 31), 6, date(2025, 2, 28)),
])
def test_month_arithmetic_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_leap_day_anniversaries():
    assert add_years(date(2016, 2, 29), 1) == date(2017, 2, 28)
    assert full_years_between(date(2016, 2, 29), date(2017, 2, 28)) == 1
    assert full_years_between(date(2016, 2, 29), date(2017, 2, 27)) == 0
    assert full_months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert engine.patent_year(date(2016, 2, 29), date(2020, 2, 29)) == 5


def test_reduction_rounds_half_up_to_the_fen():
    assert engine.reduce_fen(333, 15) == 283  # 283.05
    assert engine.reduce_fen(10, 85) == 2  # 1.5 → 2
