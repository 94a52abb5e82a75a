"""统计 metrics on both databases, from a portfolio built through the other features' services."""

import sys
from datetime import date

import pytest

from panhuo.fees import service as fees_service
from panhuo.reports import service as reports_service
from panhuo.reports.facts import Scope

from reports_portfolio import build_world

# metric id → (numerator, denominator) for the institution (see reports_portfolio.py)
EXPECTED = {
    "inventory_rate": (3, 5), "inventory_rate.invention": (2, 4),
    "library_rate": (2, 3), "library_rate.invention": (2, 2),
    "good_prospect_share": (1, 2), "enterprise_coverage": (1, 2),
    "implementation_rate": (3, 5), "implementation_rate.invention": (3, 4),
    "industrialisation_rate": (1, 5), "licence_rate": (1, 5), "transfer_rate": (1, 5),
    "recordal_rate": (1, 1), "cash_received": (150000, 200000), "income_distributed": (150000, 150000),
    "art45_compliance": (2, 2),
}


@pytest.fixture
def world(session):
    return build_world(session)


def _by_id(found):
    return {m.id: m for m in found}


@pytest.mark.parametrize("metric_id", sorted(EXPECTED))
def test_numerator_and_denominator(session, world, metric_id):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id))[metric_id]
    assert m.available, m.reason
    assert (m.numerator, m.denominator) == EXPECTED[metric_id]
    expected = EXPECTED[metric_id][0] / EXPECTED[metric_id][1] if m.kind == "rate" else EXPECTED[metric_id][0]
    assert m.value == pytest.approx(expected, abs=1e-4)


def test_implementation_breakdown_names_the_evidence(session, world):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id))["implementation_rate"]
    assert m.breakdown == {"self_implemented": 1, "licensed": 1, "transferred": 1, "equity": 0, "industrialised": 1}
    assert m.label == "U"


def test_transactions_by_mode_and_art45(session, world):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id))
    assert m["contracts_signed"].value == 2
    assert m["contracts_signed"].breakdown == {"licence:ordinary": 1, "transfer": 1}
    assert m["contract_value"].breakdown == {"licence:ordinary": 200000.0, "transfer": 50000.0}
    assert m["cash_received"].breakdown["outstanding"] == 50000.0  # the royalty period is due, not paid
    assert m["art45_compliance"].breakdown == {"institution_rule": 1, "statutory": 1}


def test_maintenance_agrees_with_the_fee_service(session, world):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id))
    cost = fees_service.portfolio_cost(db_session=session, as_of=date.today(), institution_id=world.university.id)
    assert m["fees_due"].value == cost.next_12_months_fen / 100
    assert m["fees_due"].breakdown["cost_to_expiry"] == cost.cost_to_expiry_fen / 100
    assert m["abandoned"].value == 1 and m["abandoned"].breakdown == {"未评估": 1}
    assert m["fees_saved"].value == 0 and m["fees_saved"].breakdown["patents"] == 0


def test_department_scope(session, world):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id,
                                       department_id=world.department.id))
    assert (m["inventory_rate"].numerator, m["inventory_rate"].denominator) == (2, 2)
    assert (m["licence_rate"].numerator, m["licence_rate"].denominator) == (1, 2)


def test_other_institution_is_not_counted(session, world):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.other.id))
    assert (m["inventory_rate"].numerator, m["inventory_rate"].denominator) == (0, 1)
    assert not m["library_rate"].available and "no patents in the denominator" in m["library_rate"].reason
    assert m["contracts_signed"].value == 0


def test_as_of_counts_only_earlier_facts(session, world):
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id,
                                       as_of=date(2025, 1, 1)))
    # the review chain was completed today, the licence was signed on 2025-01-02
    assert m["inventory_rate"].numerator == 0 and m["licence_rate"].numerator == 0
    assert m["transfer_rate"].numerator == 0  # the transfer event is dated 2025-01-10


def test_missing_feature_is_unavailable_with_a_reason(session, world, monkeypatch):
    monkeypatch.setitem(sys.modules, "panhuo.licensing.models", None)  # as if licensing were not installed
    m = _by_id(reports_service.metrics(db_session=session, institution_id=world.university.id))
    assert not m["licence_rate"].available and "licensing" in m["licence_rate"].reason
    assert m["licence_rate"].value is None
    assert not m["contracts_signed"].available and "licensing" in m["contracts_signed"].reason
    impl = m["implementation_rate"]  # self-assessment evidence remains: a lower bound, said so
    assert impl.available and impl.reason.startswith("partial") and impl.numerator == 1
    assert m["inventory_rate"].available


def test_dashboard_for_institution_and_operator(session, world):
    inst = reports_service.dashboard(db_session=session, scope=Scope(institution_id=world.university.id))
    assert inst["patents"] == 6
    assert [g["id"] for g in inst["groups"]] == ["chain", "use", "transactions", "maintenance"]
    assert inst["distributions"]["patent_type"] == {"invention": 5, "utility_model": 1}
    assert inst["distributions"]["industry"] == {"C": 5}
    assert inst["distributions"]["grade"] == {"未评估": 5}
    assert inst["fees"]["available"] and inst["fees"]["total"] == pytest.approx(
        sum(inst["fees"]["by_month"].values()))
    assert inst["funnel"]["available"] and inst["per_institution"] == []
    operator = reports_service.dashboard(db_session=session, scope=Scope())
    rows = {r["institution_id"]: r for r in operator["per_institution"]}
    assert rows[world.university.id]["inventory_rate"] == 0.6
    assert rows[world.other.id]["inventory_rate_counts"] == [0, 1]
