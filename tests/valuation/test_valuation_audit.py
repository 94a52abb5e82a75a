"""Evaluation runs audit every change of grade or disposition (SQLite and PostgreSQL), in bulk, with the run id."""

import getpass
import json
from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner
from valuation_factories import make_patent

from panhuo.accounts import service as accounts_service
from panhuo.accounts.models import AuditEvent, Organisation
from panhuo.cli import app
from panhuo.db import get_engine, session_scope
from panhuo.valuation import audit, engine
from panhuo.valuation import service as valuation_service

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def method():
    return engine.load_method()


def _events(session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == audit.ACTION)
                                .order_by(AuditEvent.id)))


def test_first_run_audits_every_evaluated_patent_with_run_and_actor(session, portfolio, method):
    uni = Organisation(name="某大学", kind="university")
    session.add(uni)
    session.flush()
    portfolio["plain"].institution_id = uni.id
    summary = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF, actor="li")
    events = _events(session)
    assert summary["changed"] == len(events) == 4  # the lapsed patent is not evaluated
    latest = valuation_service.latest(db_session=session)
    for event in events:
        ev = latest[int(event.entity_id)]
        assert event.entity == "patent" and event.actor == "li"
        assert event.before == {"grade": None, "disposition": None}
        assert event.after == {"grade": ev.grade, "disposition": ev.disposition, "run_id": summary["run_id"],
                               "scenario": method.scenario}
        assert summary["run_id"] in event.note
    by_patent = {int(e.entity_id): e for e in events}
    assert by_patent[portfolio["plain"].id].organisation_id == uni.id
    assert by_patent[portfolio["pledged"].id].organisation_id is None
    assert portfolio["lapsed"].id not in by_patent


def test_unchanged_and_forced_reruns_write_nothing(session, portfolio, method):
    valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    count = len(_events(session))
    again = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    forced = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF, force=True)
    assert again["changed"] == 0 and forced["stored"] == 4 and forced["changed"] == 0
    assert len(_events(session)) == count


def test_only_the_patent_whose_disposition_changed_is_audited_old_to_new(session, portfolio, method):
    valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    pid = portfolio["plain"].id
    old = valuation_service.latest(db_session=session, patent_ids=[pid])[pid]
    valuation_service.save_enterprise_feedback(db_session=session, patent_id=pid, author="对接专员",
                                               data={"enterprise_name": "某公司", "prospect": 5, "cooperation": 5})
    run = valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF, actor="cli:ops")
    assert run["stored"] == 1 and run["changed"] == 1
    event = _events(session)[-1]
    assert (event.entity_id, event.actor) == (str(pid), "cli:ops")
    assert event.before == {"grade": old.grade, "disposition": old.disposition}
    assert event.after["disposition"] == "转化运用" != old.disposition and event.after["run_id"] == run["run_id"]
    trail = accounts_service.audit_trail(db_session=session, entity="patent", entity_id=pid)
    assert [e.action for e in trail] == [audit.ACTION, audit.ACTION]


def test_each_scenario_is_compared_with_its_own_history(session, portfolio, method):
    valuation_service.evaluate_portfolio(db_session=session, method=method, as_of=AS_OF)
    pledge = engine.load_method(scenario="金融质押")
    other = valuation_service.evaluate_portfolio(db_session=session, method=pledge, as_of=AS_OF)
    assert other["changed"] == 4  # first run of that scenario: every patent gets its first grade there
    assert {e.after["scenario"] for e in _events(session)} == {method.scenario, "金融质押"}


def test_bulk_writer_handles_more_rows_than_one_batch(session, monkeypatch):
    monkeypatch.setattr(accounts_service, "AUDIT_BATCH", 3)
    rows = [{"action": "test.bulk", "actor": "system", "entity": "patent", "entity_id": str(i),
             "after": {"i": i}} for i in range(8)]
    assert accounts_service.record_audit_many(db_session=session, rows=rows) == 8
    stored = session.scalars(select(AuditEvent).where(AuditEvent.action == "test.bulk")).all()
    assert sorted(int(e.entity_id) for e in stored) == list(range(8))
    assert all(e.at is not None and e.before == {} for e in stored)


def test_cli_run_is_audited_as_the_os_user(db_url):
    with session_scope(get_engine(db_url)) as s:
        make_patent(s, "CN201610000001.1")
        make_patent(s, "CN201610000002.1", events=[("pledge", date(2022, 1, 5), {})])
    result = CliRunner().invoke(app, ["--db", db_url, "evaluate", "--as-of", "2026-06-30", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    with session_scope(get_engine(db_url)) as s:
        events = _events(s)
        assert summary["changed"] == len(events) == 2
        assert {e.actor for e in events} == {f"cli:{getpass.getuser()}"}
