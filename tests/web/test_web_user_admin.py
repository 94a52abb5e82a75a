"""User administration pages (SQLite and PostgreSQL): role × action with direct URLs, invitation and reset
links used end to end, deactivation ending an open session, own password change."""

import re

from panhuo.accounts import service as accounts_service
from panhuo.db import session_scope
from panhuo.web.demo import DEMO_PASSWORD

LINK = re.compile(r'id="password-link">https?://[^/]+(/password/[^<\s]+)<')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROLES = ("operator", "uni-admin", "dept-reviewer", "inventor", "enterprise", "uni2-admin")


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client.get("/login").text), **data}, follow_redirects=False)


def _user_id(world, username: str) -> int:
    with session_scope(world.engine) as db:
        return accounts_service.get_user_by_username(db_session=db, username=username).id


def _org_id(world, name: str) -> int:
    from sqlalchemy import select

    from panhuo.accounts.models import Organisation
    with session_scope(world.engine) as db:
        return db.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def test_users_page_and_actions_by_role_including_direct_urls(world):
    inventor = _user_id(world, "inventor")
    #              operator uni-admin reviewer inventor enterprise uni2-admin
    list_status = (200, 200, 403, 403, 403, 200)
    manage_inventor = (303, 303, 403, 403, 403, 403)
    for who, listing, manage in zip(ROLES, list_status, manage_inventor):
        client = world.client(who)
        page = client.get("/admin/users")
        assert page.status_code == listing, who
        assert ('href="/admin/users"' in client.get("/account").text) is (listing == 200), who
        if listing == 200:
            assert ('id="user-inventor"' in page.text) is (who in ("operator", "uni-admin")), who
        r = _post(client, f"/admin/users/{inventor}/deactivate")
        assert r.status_code == manage, who
        if r.status_code == 303:
            assert _post(client, f"/admin/users/{inventor}/activate").status_code == 303
        assert _post(client, f"/admin/users/{inventor}/reset").status_code == (200 if manage == 303 else 403), who
    assert world.client("uni-admin").get("/admin/users?organisation_id=999999").status_code == 403
    assert world.client("operator").get("/admin/users").status_code == 200
    assert world.client().get("/admin/users", follow_redirects=False).status_code == 303  # sign in first
    no_csrf = world.client("uni-admin").post(f"/admin/users/{inventor}/deactivate", data={})
    assert no_csrf.status_code == 403


def test_invite_then_the_new_user_sets_a_password_and_signs_in(world):
    admin = world.client("uni-admin")
    page = _post(admin, "/admin/users", username="li.si", display_name="李四", role="inventor",
                 organisation_id=str(_org_id(world, "信息学院")))
    assert page.status_code == 200 and 'id="user-li.si"' in page.text
    path = LINK.search(page.text).group(1)
    stranger = world.client()
    form = stranger.get(path)
    assert form.status_code == 200 and "李四" in form.text
    bad = stranger.post(path, data={"csrf_token": csrf_of(form.text), "password": "abcdefgh", "confirm": "x"})
    assert bad.status_code == 400 and "differ" in bad.text
    done = stranger.post(path, data={"csrf_token": csrf_of(form.text), "password": "li-si-pass-1",
                                     "confirm": "li-si-pass-1"})
    assert done.status_code == 200 and 'role="status"' in done.text
    assert stranger.get(path).status_code == 404  # spent
    login = stranger.post("/login", data={"csrf_token": csrf_of(stranger.get("/login").text), "username": "li.si",
                                          "password": "li-si-pass-1", "next": "/"}, follow_redirects=False)
    assert login.status_code == 303
    refused = _post(admin, "/admin/users", username="x2", role="enterprise_user",
                    organisation_id=str(_org_id(world, "材料学院")))
    assert refused.status_code == 400 and "cannot be held" in refused.text
    assert _post(admin, "/admin/users", username="x3", role="inventor",
                 organisation_id=str(_org_id(world, "示范研究院"))).status_code == 403


def test_deactivation_ends_an_open_session_and_reset_link_restores_access(world, monkeypatch):
    from panhuo.web import deps

    monkeypatch.setattr(deps, "PRINCIPAL_TTL_SECONDS", 0)  # re-read the user on every request
    inventor = world.client("inventor")
    assert inventor.get("/account").status_code == 200
    uid = _user_id(world, "inventor")
    assert _post(world.client("uni-admin"), f"/admin/users/{uid}/deactivate").status_code == 303
    assert inventor.get("/account", follow_redirects=False).status_code == 303  # back to sign-in
    assert _post(world.client("uni-admin"), f"/admin/users/{uid}/activate").status_code == 303
    page = _post(world.client("uni-admin"), f"/admin/users/{uid}/reset")
    path = LINK.search(page.text).group(1)
    anon = world.client()
    form = anon.get(path)
    anon.post(path, data={"csrf_token": csrf_of(form.text), "password": "reset-pass-9", "confirm": "reset-pass-9"})
    login = anon.post("/login", data={"csrf_token": csrf_of(anon.get("/login").text), "username": "inventor",
                                      "password": DEMO_PASSWORD, "next": "/"}, follow_redirects=False)
    assert login.status_code == 401  # the old password no longer works


def test_change_own_password_keeps_the_session(world):
    client = world.client("enterprise")
    wrong = _post(client, "/account/password", current="nope", password="ent-pass-12", confirm="ent-pass-12")
    assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    ok = _post(client, "/account/password", current=DEMO_PASSWORD, password="ent-pass-12", confirm="ent-pass-12")
    assert ok.status_code == 200 and 'role="status"' in ok.text
    assert client.get("/account").status_code == 200
    english = world.client("uni-admin")
    english.get("/lang/en")
    assert "Invite a user" in english.get("/admin/users").text


def test_odd_organisation_id_is_refused_not_a_500(world):
    r = _post(world.client("uni-admin"), "/admin/users", username="li.si", organisation_id="²", role="inventor")
    assert r.status_code in (400, 403)
    assert r.status_code != 500


def test_wrong_current_passwords_are_throttled(world):
    client = world.client("enterprise")
    for _ in range(accounts_service.MAX_FAILURES):
        wrong = _post(client, "/account/password", current="nope", password="ent-pass-12", confirm="ent-pass-12")
        assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    locked = _post(client, "/account/password", current=DEMO_PASSWORD, password="ent-pass-12", confirm="ent-pass-12")
    assert locked.status_code == 400 and "too many wrong current passwords" in locked.text
    with session_scope(world.engine) as db:
        user = accounts_service.get_user_by_username(db_session=db, username="enterprise")
        assert accounts_service.authenticate(db_session=db, username="enterprise", password=DEMO_PASSWORD) is user


def test_reset_link_cannot_be_used_after_the_user_changed_their_password(world):
    uid = _user_id(world, "inventor")
    path = LINK.search(_post(world.client("uni-admin"), f"/admin/users/{uid}/reset").text).group(1)
    own = _post(world.client("inventor"), "/account/password", current=DEMO_PASSWORD, password="inv-pass-12",
                confirm="inv-pass-12")
    assert own.status_code == 200
    anon = world.client()
    form = anon.get(path)
    assert form.status_code == 404
    used = anon.post(path, data={"csrf_token": csrf_of(anon.get("/login").text), "password": "taken-over-1",
                                 "confirm": "taken-over-1"})
    assert used.status_code == 404
    with session_scope(world.engine) as db:
        assert accounts_service.authenticate(db_session=db, username="inventor", password="inv-pass-12")
