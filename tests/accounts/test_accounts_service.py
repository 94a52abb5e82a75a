"""Users, memberships, sign-in throttling, API tokens and principals on real databases."""

import pytest

from panhuo.accounts import service as accounts_service
from panhuo.accounts.enums import OrgKind, Role
from panhuo.accounts.models import AuditEvent
from panhuo.web.demo import DEMO_PASSWORD, seed_demo


@pytest.fixture
def world(session):
    seed_demo(session, patents=6)
    return session


def test_password_is_hashed_with_argon2(session):
    user = accounts_service.create_user(db_session=session, username="Alice", password="correct horse")
    assert user.username == "alice"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


@pytest.mark.parametrize("username,password,message", [
    ("", "long enough", "1–80"),
    ("bob", "short", "at least"),
])
def test_create_user_rejects_bad_input(session, username, password, message):
    with pytest.raises(accounts_service.AccountError, match=message):
        accounts_service.create_user(db_session=session, username=username, password=password)


def test_duplicate_user_name_is_refused(session):
    accounts_service.create_user(db_session=session, username="carol", password="password1")
    with pytest.raises(accounts_service.AccountError, match="taken"):
        accounts_service.create_user(db_session=session, username="CAROL", password="password2")


def test_authenticate_audits_and_throttles(world):
    assert accounts_service.authenticate(db_session=world, username="inventor", password=DEMO_PASSWORD)
    for _ in range(accounts_service.MAX_FAILURES):
        assert accounts_service.authenticate(db_session=world, username="inventor", password="wrong") is None
    with pytest.raises(accounts_service.SignInThrottled):
        accounts_service.authenticate(db_session=world, username="inventor", password=DEMO_PASSWORD)
    actions = [e.action for e in world.query(AuditEvent).filter(AuditEvent.entity_id == "inventor")]
    assert actions.count("sign-in") == 1 and actions.count("sign-in.failed") == 5
    assert "sign-in.throttled" in actions


def test_unknown_user_fails_like_a_wrong_password(world):
    assert accounts_service.authenticate(db_session=world, username="nobody", password="whatever1") is None


def test_role_must_fit_the_organisation_kind(world):
    user = accounts_service.create_user(db_session=world, username="dave", password="password1")
    ent = accounts_service.get_or_create_organisation(db_session=world, name="新能科技有限公司", kind=OrgKind.ENTERPRISE)
    with pytest.raises(accounts_service.AccountError, match="cannot be held"):
        accounts_service.add_membership(db_session=world, user=user, organisation=ent, role=Role.INSTITUTION_ADMIN)


def test_principal_resolves_department_to_institution(world):
    user = accounts_service.get_user_by_username(db_session=world, username="dept-reviewer")
    principal = accounts_service.principal_for(db_session=world, user=user)
    uni = accounts_service.get_or_create_organisation(db_session=world, name="示范大学", kind=OrgKind.UNIVERSITY)
    assert principal.institution_ids() == {uni.id}
    assert len(principal.department_ids(Role.DEPARTMENT_REVIEWER)) == 1


def test_api_token_is_stored_hashed_and_can_be_revoked(world):
    user = accounts_service.get_user_by_username(db_session=world, username="enterprise")
    token, clear = accounts_service.create_api_token(db_session=world, user=user, name="erp")
    assert clear not in token.token_hash and token.prefix == clear[:10]
    assert accounts_service.user_for_token(db_session=world, token=clear).id == user.id
    assert accounts_service.user_for_token(db_session=world, token=clear + "x") is None
    assert accounts_service.revoke_api_token(db_session=world, user=user, token_id=token.id)
    assert accounts_service.user_for_token(db_session=world, token=clear) is None


def test_patent_changes_are_audited_in_bulk_and_unchanged_values_skipped(session):
    written = accounts_service.record_patent_changes(
        db_session=session, actor="valuation", field="disposition",
        changes=[(1, "技术保护", "转化运用"), (2, "开放许可", "开放许可"), (3, None, "终止维持")])
    assert written == 2
    rows = session.query(AuditEvent).filter(AuditEvent.action == "patent.disposition").all()
    assert {(r.entity_id, r.before["disposition"], r.after["disposition"]) for r in rows} == {
        ("1", "技术保护", "转化运用"), ("3", None, "终止维持")}
