"""Optimistic locking under parallel writers: a stale update fails with a clear conflict, nothing is lost."""

import threading
from datetime import date

import pytest

from panhuo.db import get_engine, session_scope
from panhuo.licensing import campaigns as campaign_service
from panhuo.licensing import contracts as contract_service
from sqlalchemy.orm import Session

from panhuo.licensing.lifecycle import ConflictError, check_version, flush
from panhuo.licensing.models import Contract, PushItem


def _seed(url, factory):
    with session_scope(get_engine(url)) as s:
        uni = factory.org(s, "山东某大学")
        patent = factory.patent(s, institution=uni)
        con = contract_service.create_contract(db_session=s, kind="licence", patent_ids=[patent.id],
                                               licensor_name="U", licensee_name="甲", title="t")
        camp = campaign_service.create_campaign(db_session=s, name="c", region_codes=["370100"],
                                                institution_ids=[uni.id])
        campaign_service.add_enterprises(db_session=s, campaign_id=camp.id,
                                         rows=[{"name": "甲", "industry_codes": "C3511"}])
        campaign_service.build_push_lists(db_session=s, campaign_id=camp.id, on=date(2025, 1, 1))
        item_id = s.query(PushItem.id).scalar()
        return con.id, item_id


def test_stale_version_is_refused_with_a_clear_message(db_url, factory):
    contract_id, _ = _seed(db_url, factory)
    engine = get_engine(db_url)
    with session_scope(engine) as s:
        contract_service.update_contract(db_session=s, contract_id=contract_id, expected_version=1, title="A")
    with pytest.raises(ConflictError, match="changed by someone else .*you read version 1"):
        with session_scope(engine) as s:
            contract_service.update_contract(db_session=s, contract_id=contract_id, expected_version=1, title="B")
    with session_scope(engine) as s:
        assert s.get(Contract, contract_id).title == "A"


def test_two_sessions_racing_one_wins_the_other_conflicts(db_url, factory):
    contract_id, _ = _seed(db_url, factory)
    engine = get_engine(db_url)
    s1, s2 = Session(bind=engine), Session(bind=engine)
    c1, c2 = s1.get(Contract, contract_id), s2.get(Contract, contract_id)  # both read version 1
    contract_service.update_contract(db_session=s1, contract_id=contract_id, expected_version=c1.version_id,
                                     title="first")
    s1.commit()
    with pytest.raises(ConflictError, match="was changed by someone else"):
        c2.title = "second"
        flush(s2, c2, "contract")
    s2.rollback()
    s1.close()
    s2.close()
    with session_scope(engine) as s:
        assert s.get(Contract, contract_id).title == "first"


def test_parallel_threads_retrying_on_conflict_lose_no_change(db_url, factory):
    """Eight threads each add one check-in-and-version-bump to the same push item, retrying on conflict;
    every change must land exactly once."""
    _, item_id = _seed(db_url, factory)
    engine = get_engine(db_url)
    with session_scope(engine) as s:
        campaign_service.mark_interested(db_session=s, item_id=item_id, on=date(2025, 1, 2))
        campaign_service.start_trial(db_session=s, item_id=item_id, start=date(2025, 1, 3))
    workers, conflicts, errors = 8, [], []
    barrier = threading.Barrier(workers)

    def work(n: int) -> None:
        barrier.wait()
        for _attempt in range(50):
            try:
                with session_scope(engine) as s:
                    item = s.get(PushItem, item_id)
                    version = item.version_id
                    campaign_service.check_in(db_session=s, item_id=item_id, on=date(2025, 2, 1), note=f"w{n}")
                    item.trial_outcome = ((item.trial_outcome or "") + f"w{n};")
                    check_version(item, version, "push item")
                    flush(s, item, "push item")
                return
            except ConflictError:
                conflicts.append(n)
            except Exception as exc:  # SQLite may report the lock itself: retry like a conflict
                if "locked" in str(exc) or "could not serialize" in str(exc):
                    conflicts.append(n)
                    continue
                errors.append(exc)
                return

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(engine) as s:
        item = s.get(PushItem, item_id)
        marks = sorted(item.trial_outcome.strip(";").split(";"))
        assert marks == sorted(f"w{n}" for n in range(workers))  # no update lost
        assert len(item.checkins) == workers  # and none doubled: a conflicting attempt rolled back whole
