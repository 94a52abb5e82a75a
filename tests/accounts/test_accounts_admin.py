"""User administration services (SQLite and PostgreSQL): scope of each admin, invitations, deactivation,
one-time password links (expiry, reuse, supersession), own password change, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from panhuo.accounts import admin
from panhuo.accounts import service as accounts_service
from panhuo.accounts.models import AuditEvent, Membership, Organisation, PasswordReset
from panhuo.accounts.permissions import PermissionDenied
from panhuo.db import utcnow
from panhuo.web.demo import DEMO_PASSWORD, seed_demo


@pytest.fixture
def demo(session):
    seed_demo(session, patents=2)
    orgs = {o.name: o for o in session.scalars(select(Organisation))}
    users = {u: accounts_service.get_user_by_username(db_session=session, username=u)
             for u in ("operator", "uni-admin", "dept-reviewer", "inventor", "enterprise", "uni2-admin")}
    who = {u: accounts_service.principal_for(db_session=session, user=user) for u, user in users.items()}
    return {"orgs": orgs, "users": users, "who": who}


def _names(rows) -> set[str]:
    return {u.username for u, _, _ in rows}


def test_each_admin_lists_the_users_of_their_organisations(session, demo):
    who = demo["who"]
    everyone = _names(admin.list_users(db_session=session, principal=who["operator"]))
    assert {"operator", "uni-admin", "dept-reviewer", "inventor", "enterprise", "uni2-admin"} <= everyone
    assert _names(admin.list_users(db_session=session, principal=who["uni-admin"])) == {
        "uni-admin", "dept-reviewer", "inventor"}  # the university and its departments
    assert _names(admin.list_users(db_session=session, principal=who["uni2-admin"])) == {"uni2-admin"}
    dept = demo["orgs"]["材料学院"].id
    assert _names(admin.list_users(db_session=session, principal=who["uni-admin"], organisation_id=dept)) == {
        "dept-reviewer", "inventor"}
    with pytest.raises(PermissionDenied):
        admin.list_users(db_session=session, principal=who["uni2-admin"], organisation_id=dept)
    for name in ("dept-reviewer", "inventor", "enterprise"):
        with pytest.raises(PermissionDenied):
            admin.list_users(db_session=session, principal=who[name])


def test_invite_creates_a_user_who_signs_in_only_after_setting_a_password(session, demo):
    uni_admin, dept = demo["who"]["uni-admin"], demo["orgs"]["信息学院"]
    user, token = admin.invite_user(db_session=session, principal=uni_admin, username="Wang.Wu",
                                    organisation_id=dept.id, role="inventor", display_name="王五")
    assert user.username == "wang.wu" and user.active
    principal = accounts_service.principal_for(db_session=session, user=user)
    assert principal.department_ids() == {dept.id}
    assert accounts_service.authenticate(db_session=session, username="wang.wu", password="") is None
    admin.set_password_with_link(db_session=session, token=token, password="new-secret-1", confirm="new-secret-1")
    assert accounts_service.authenticate(db_session=session, username="wang.wu", password="new-secret-1")
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(admin.ResetLinkInvalid):  # spent
        admin.set_password_with_link(db_session=session, token=token, password="other-secret", confirm="other-secret")
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == "wang.wu")).all()
    assert "user.create" in actions and "user.password_set_by_invite" in actions


@pytest.mark.parametrize(("who", "org", "role", "error"), [
    ("uni-admin", "示范研究院", "inventor", PermissionDenied),  # another institution
    ("uni-admin", "新能科技有限公司", "enterprise_user", PermissionDenied),  # enterprises: operator only
    ("uni-admin", "示范省知识产权运营中心", "operator_admin", PermissionDenied),
    ("inventor", "材料学院", "inventor", PermissionDenied),
    ("enterprise", "新能科技有限公司", "enterprise_user", PermissionDenied),
    ("uni-admin", "材料学院", "operator_admin", accounts_service.AccountError),  # role does not fit the org
    ("uni-admin", "材料学院", "wizard", accounts_service.AccountError),
])
def test_invite_is_refused_outside_the_scope_or_with_a_wrong_role(session, demo, who, org, role, error):
    with pytest.raises(error):
        admin.invite_user(db_session=session, principal=demo["who"][who], username="x-new",
                          organisation_id=demo["orgs"][org].id, role=role)
    assert accounts_service.get_user_by_username(db_session=session, username="x-new") is None


@pytest.mark.parametrize("name", ["a", "has space", "<b>x</b>", "x" * 81, ""])
def test_invite_refuses_bad_user_names(session, demo, name):
    with pytest.raises(accounts_service.AccountError, match="user name"):
        admin.invite_user(db_session=session, principal=demo["who"]["uni-admin"], username=name, role="inventor",
                          organisation_id=demo["orgs"]["材料学院"].id)


def test_operator_invites_enterprise_users_and_taken_names_are_refused(session, demo):
    op = demo["who"]["operator"]
    user, _ = admin.invite_user(db_session=session, principal=op, username="buyer", role="enterprise_user",
                                organisation_id=demo["orgs"]["新能科技有限公司"].id)
    assert accounts_service.principal_for(db_session=session, user=user).is_enterprise
    with pytest.raises(accounts_service.AccountError, match="taken"):
        admin.invite_user(db_session=session, principal=op, username="BUYER", role="enterprise_user",
                          organisation_id=demo["orgs"]["新能科技有限公司"].id)


def test_deactivate_blocks_sign_in_and_is_scoped(session, demo):
    who, users = demo["who"], demo["users"]
    inventor = users["inventor"]
    with pytest.raises(PermissionDenied):
        admin.set_active(db_session=session, principal=who["uni2-admin"], user_id=inventor.id, active=False)
    with pytest.raises(PermissionDenied):
        admin.set_active(db_session=session, principal=who["dept-reviewer"], user_id=inventor.id, active=False)
    with pytest.raises(accounts_service.AccountError, match="your own"):
        admin.set_active(db_session=session, principal=who["uni-admin"], user_id=users["uni-admin"].id,
                         active=False)
    admin.set_active(db_session=session, principal=who["uni-admin"], user_id=inventor.id, active=False)
    assert accounts_service.authenticate(db_session=session, username="inventor", password=DEMO_PASSWORD) is None
    admin.set_active(db_session=session, principal=who["uni-admin"], user_id=inventor.id, active=True)
    assert accounts_service.authenticate(db_session=session, username="inventor", password=DEMO_PASSWORD)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == "inventor",
                                                              AuditEvent.actor == "uni-admin")).all()
    assert actions == ["user.deactivate", "user.activate"]


def test_a_user_in_two_institutions_is_managed_by_the_operator_only(session, demo):
    inventor = demo["users"]["inventor"]
    accounts_service.add_membership(db_session=session, user=inventor, organisation=demo["orgs"]["示范研究院"],
                                    role="inventor")
    rows = {u.username: manageable for u, _, manageable in
            admin.list_users(db_session=session, principal=demo["who"]["uni-admin"])}
    assert rows["inventor"] is False
    with pytest.raises(PermissionDenied):
        admin.issue_password_reset(db_session=session, principal=demo["who"]["uni-admin"], user_id=inventor.id)
    assert admin.issue_password_reset(db_session=session, principal=demo["who"]["operator"], user_id=inventor.id)


def test_reset_link_expires_and_a_newer_link_cancels_the_older(session, demo):
    uni_admin, inventor = demo["who"]["uni-admin"], demo["users"]["inventor"]
    first = admin.issue_password_reset(db_session=session, principal=uni_admin, user_id=inventor.id)
    second = admin.issue_password_reset(db_session=session, principal=uni_admin, user_id=inventor.id)
    with pytest.raises(admin.ResetLinkInvalid):
        admin.link_user(db_session=session, token=first)
    row, user = admin.link_user(db_session=session, token=second)
    assert user.id == inventor.id and row.purpose == "reset"
    with pytest.raises(accounts_service.AccountError, match="differ"):
        admin.set_password_with_link(db_session=session, token=second, password="abcdefgh1", confirm="abcdefgh2")
    with pytest.raises(accounts_service.AccountError, match="at least 8"):
        admin.set_password_with_link(db_session=session, token=second, password="short", confirm="short")
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    with pytest.raises(admin.ResetLinkInvalid):
        admin.set_password_with_link(db_session=session, token=second, password="abcdefgh1", confirm="abcdefgh1")
    for bad in ("", "x" * 500, "not-a-token"):
        with pytest.raises(admin.ResetLinkInvalid):
            admin.link_user(db_session=session, token=bad)
    stored = session.scalars(select(PasswordReset.token_hash)).all()
    assert second not in stored and len(stored[0]) == 64  # only digests are kept


def test_change_own_password(session, demo):
    user = demo["users"]["enterprise"]
    with pytest.raises(accounts_service.AccountError, match="current password is wrong"):
        admin.change_password(db_session=session, user=user, current="nope", password="brand-new-1",
                              confirm="brand-new-1")
    with pytest.raises(accounts_service.AccountError, match="same as the current"):
        admin.change_password(db_session=session, user=user, current=DEMO_PASSWORD, password=DEMO_PASSWORD,
                              confirm=DEMO_PASSWORD)
    admin.change_password(db_session=session, user=user, current=DEMO_PASSWORD, password="brand-new-1",
                          confirm="brand-new-1")
    assert accounts_service.authenticate(db_session=session, username="enterprise", password="brand-new-1")
    assert accounts_service.authenticate(db_session=session, username="enterprise", password=DEMO_PASSWORD) is None


def test_changing_the_own_password_or_deactivation_cancels_open_links(session, demo):
    uni_admin, inventor = demo["who"]["uni-admin"], demo["users"]["inventor"]
    token = admin.issue_password_reset(db_session=session, principal=uni_admin, user_id=inventor.id)
    admin.change_password(db_session=session, user=inventor, current=DEMO_PASSWORD, password="mine-only-1",
                          confirm="mine-only-1")
    with pytest.raises(admin.ResetLinkInvalid):
        admin.set_password_with_link(db_session=session, token=token, password="hijack-123", confirm="hijack-123")
    token = admin.issue_password_reset(db_session=session, principal=uni_admin, user_id=inventor.id)
    admin.set_active(db_session=session, principal=uni_admin, user_id=inventor.id, active=False)
    admin.set_active(db_session=session, principal=uni_admin, user_id=inventor.id, active=True)
    with pytest.raises(admin.ResetLinkInvalid):  # reactivation does not bring the old link back
        admin.link_user(db_session=session, token=token)
    _, invite = admin.invite_user(db_session=session, principal=uni_admin, username="zhao.liu",
                                  organisation_id=demo["orgs"]["信息学院"].id, role="inventor")
    new_user = accounts_service.get_user_by_username(db_session=session, username="zhao.liu")
    admin.set_active(db_session=session, principal=uni_admin, user_id=new_user.id, active=False)
    admin.set_active(db_session=session, principal=uni_admin, user_id=new_user.id, active=True)
    with pytest.raises(admin.ResetLinkInvalid):
        admin.link_user(db_session=session, token=invite)
    assert accounts_service.authenticate(db_session=session, username="inventor", password="mine-only-1")


def test_wrong_current_passwords_are_throttled_like_sign_ins(session, demo):
    user = demo["users"]["enterprise"]
    for _ in range(accounts_service.MAX_FAILURES):
        with pytest.raises(accounts_service.AccountError, match="current password is wrong"):
            admin.change_password(db_session=session, user=user, current="guess", password="brand-new-1",
                                  confirm="brand-new-1")
    with pytest.raises(admin.PasswordChangeThrottled, match="wait 15 minutes"):  # even the right one now
        admin.change_password(db_session=session, user=user, current=DEMO_PASSWORD, password="brand-new-1",
                              confirm="brand-new-1")
    assert accounts_service.authenticate(db_session=session, username="enterprise", password=DEMO_PASSWORD)
    for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_change_failed")):
        event.at = utcnow() - accounts_service.FAILURE_WINDOW - timedelta(seconds=1)
    session.flush()
    admin.change_password(db_session=session, user=user, current=DEMO_PASSWORD, password="brand-new-1",
                          confirm="brand-new-1")
    assert accounts_service.authenticate(db_session=session, username="enterprise", password="brand-new-1")
    assert admin.recent_password_change_failures(db_session=session, user=demo["users"]["inventor"]) == 0


def test_using_a_reset_link_revokes_the_users_api_tokens(session, demo):
    inventor = demo["users"]["inventor"]
    _, clear = accounts_service.create_api_token(db_session=session, user=inventor, name="script")
    assert accounts_service.user_for_token(db_session=session, token=clear).id == inventor.id
    token = admin.issue_password_reset(db_session=session, principal=demo["who"]["uni-admin"], user_id=inventor.id)
    admin.set_password_with_link(db_session=session, token=token, password="after-reset-1", confirm="after-reset-1")
    assert accounts_service.user_for_token(db_session=session, token=clear) is None
    note = session.scalars(select(AuditEvent.note).where(AuditEvent.action == "user.password_set_by_reset")).one()
    assert "1 API token(s) revoked" in note


def test_user_admin_audit_rows_name_the_users_organisation(session, demo):
    uni_admin, inventor = demo["who"]["uni-admin"], demo["users"]["inventor"]
    home = session.scalars(select(Membership.organisation_id)
                           .where(Membership.user_id == inventor.id)
                           .order_by(Membership.id)).first()
    admin.set_active(db_session=session, principal=uni_admin, user_id=inventor.id, active=False)
    admin.set_active(db_session=session, principal=uni_admin, user_id=inventor.id, active=True)
    token = admin.issue_password_reset(db_session=session, principal=uni_admin, user_id=inventor.id)
    admin.set_password_with_link(db_session=session, token=token, password="after-reset-1", confirm="after-reset-1")
    with pytest.raises(accounts_service.AccountError):
        admin.change_password(db_session=session, user=inventor, current="nope", password="x" * 9, confirm="x" * 9)
    rows = session.execute(select(AuditEvent.action, AuditEvent.organisation_id)
                           .where(AuditEvent.entity_id == "inventor")).all()
    assert {a for a, _ in rows} == {"user.deactivate", "user.activate", "user.password_reset_issued",
                                    "user.password_set_by_reset", "user.password_change_failed"}
    assert home is not None and {org for _, org in rows} == {home}


def test_two_requests_racing_with_one_link_only_one_sets_the_password(db_url):
    from sqlalchemy.orm import Session

    from panhuo.db import get_engine, session_scope

    engine = get_engine(db_url)
    with session_scope(engine) as s:
        seed_demo(s, patents=1)
        inventor = accounts_service.get_user_by_username(db_session=s, username="inventor")
        uni_admin = accounts_service.principal_for(
            db_session=s, user=accounts_service.get_user_by_username(db_session=s, username="uni-admin"))
        token = admin.issue_password_reset(db_session=s, principal=uni_admin, user_id=inventor.id)
    s1, s2 = Session(bind=engine), Session(bind=engine)
    try:
        admin.link_user(db_session=s1, token=token)
        admin.link_user(db_session=s2, token=token)  # both read the link while it is unused
        admin.set_password_with_link(db_session=s1, token=token, password="first-pass-1", confirm="first-pass-1")
        s1.commit()
        with pytest.raises(admin.ResetLinkInvalid):
            admin.set_password_with_link(db_session=s2, token=token, password="second-pass", confirm="second-pass")
        s2.rollback()
    finally:
        s1.close()
        s2.close()
    with session_scope(engine) as s:
        assert accounts_service.authenticate(db_session=s, username="inventor", password="first-pass-1")
        assert accounts_service.authenticate(db_session=s, username="inventor", password="second-pass") is None
