"""Follow-ups of the licensing forms (SQLite and PostgreSQL): one campaign item leads to one contract (the
automatic draft is completed, never duplicated), a draft made by mistake is cancelled (kept, audited), open
licences are terminated with a reason the licensee sees, and contract fee terms are checked by one rule (an
unknown royalty basis refused next to its field, the guidance caps only a warning)."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from test_licensing_forms import ROLES, Site, _contract_form, errors

from panhuo.accounts.models import AuditEvent
from panhuo.db import session_scope
from panhuo.licensing import campaigns as campaign_service
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import service as declaration_service
from panhuo.licensing.lifecycle import ConflictError
from panhuo.licensing.models import Contract, OpenLicence, Payment, PushItem
from panhuo.licensing.rules import FieldError, RuleViolation
from panhuo.licensing.states import IllegalTransition


@pytest.fixture
def site(db_url, tmp_path) -> Site:
    return Site(db_url, tmp_path)


def _licensed_item(site) -> tuple[int, int]:
    """The seeded campaign item moved to 已许可 through the service: (item id, automatic draft id). The draft
    names the demo enterprise as licensee, so its user reads the contract but may not change it."""
    item = site.ids["item"]
    with session_scope(site.engine) as db:
        campaign_service.mark_interested(db_session=db, item_id=item, on=date(2026, 1, 2))
        _, draft = campaign_service.license_item(db_session=db, item_id=item, on=date(2026, 3, 1),
                                                 licensor_name="示范大学", price=Decimal(60000))
        contract_service.update_contract(db_session=db, contract_id=draft.id, expected_version=draft.version_id,
                                         licensee_id=site.enterprise, licensee_name="新能科技有限公司")
        return item, draft.id


def _item_patent(site, item: int) -> str:
    with session_scope(site.engine) as db:
        from panhuo.patents.models import Patent

        return db.get(Patent, db.get(PushItem, item).patent_id).application_no


# -- services: one item, one contract; cancel; terminate ----------------------------------------------------

def test_service_refuses_a_second_contract_for_an_item_and_completes_the_draft(site):
    item, draft_id = _licensed_item(site)
    with session_scope(site.engine) as db:
        draft = db.get(Contract, draft_id)
        patent_ids = [cp.patent_id for cp in draft.patents]
        with pytest.raises(FieldError, match=f"already has contract {draft_id}") as info:
            contract_service.create_contract(db_session=db, kind="licence", patent_ids=patent_ids,
                                             licensor_name="示范大学", licensee_name="x", push_item_id=item)
        assert info.value.field == "item"
        version = draft.version_id
        with pytest.raises(ConflictError):
            contract_service.update_contract(db_session=db, contract_id=draft_id, expected_version=version + 1,
                                             title="stale")
        contract_service.update_contract(db_session=db, contract_id=draft_id, expected_version=version, actor="tto",
                                         title="电池材料许可", fee_terms={"mode": "royalty", "royalty_pct": "3",
                                                                     "royalty_basis": "profit"})
    with session_scope(site.engine) as db:
        done = db.get(Contract, draft_id)
        assert (done.title, done.fee_terms["royalty_basis"], done.version_id) == ("电池材料许可", "profit", version + 1)
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "contract.update", AuditEvent.actor == "tto")).one()
        assert (event.actor, event.after["title"]) == ("tto", "电池材料许可")
        assert event.before["title"] not in ("", "电池材料许可") and "fee_terms" in event.before
        assert db.scalars(select(Contract).where(Contract.push_item_id == item)).all() == [done]


def test_cancelled_draft_is_kept_audited_and_frees_the_item(site):
    item, draft_id = _licensed_item(site)
    with session_scope(site.engine) as db:
        contract_service.schedule_payment(db_session=db, contract_id=draft_id, kind="lump_sum",
                                          due_date=date(2026, 6, 1), amount_due=Decimal(60000))
        with pytest.raises(FieldError, match="reason"):
            contract_service.cancel_contract(db_session=db, contract_id=draft_id, on=date(2026, 3, 2), reason=" ")
        contract_service.cancel_contract(db_session=db, contract_id=draft_id, on=date(2026, 3, 2),
                                         reason="建错了", actor="tto")
    with session_scope(site.engine) as db:
        gone = db.get(Contract, draft_id)
        assert (gone.status, gone.cancelled_on, gone.cancel_reason) == ("cancelled", date(2026, 3, 2), "建错了")
        assert [p.status for p in db.scalars(select(Payment).where(Payment.contract_id == draft_id))] == ["cancelled"]
        assert db.scalars(select(AuditEvent.note).where(AuditEvent.action == "contract.cancelled")).one() == "建错了"
        assert contract_service.contract_for_item(db_session=db, push_item_id=item) is None
        assert "licence:ordinary" not in contract_service.kpis(db_session=db)["by_mode"]
        with pytest.raises(IllegalTransition):
            contract_service.start_publicity(db_session=db, contract_id=draft_id, start=date(2026, 3, 3))
        fresh = contract_service.create_contract(
            db_session=db, kind="licence", patent_ids=[cp.patent_id for cp in gone.patents],
            licensor_name="示范大学", licensee_name=gone.licensee_name, push_item_id=item, title="重新起草")
        assert contract_service.contract_for_item(db_session=db, push_item_id=item).id == fresh.id


def test_only_a_draft_can_be_cancelled(site):
    cid = site.signed_contract()
    with session_scope(site.engine) as db, pytest.raises(IllegalTransition, match="'signed' to 'cancelled'"):
        contract_service.cancel_contract(db_session=db, contract_id=cid, on=date(2026, 3, 2), reason="no")


def test_terminate_open_licence_service(site):
    did = site.declaration(status="published")
    lid = site.licence(did)
    with session_scope(site.engine) as db, pytest.raises(IllegalTransition):  # notified: cancelled, not ended
        declaration_service.terminate_open_licence(db_session=db, licence_id=lid, on=date(2026, 4, 1),
                                                   reason="违约")
    with session_scope(site.engine) as db:
        declaration_service.pay_open_licence(db_session=db, licence_id=lid, paid_on=date(2026, 3, 5),
                                             amount=Decimal(50000))
        declaration_service.licence_effective(db_session=db, licence_id=lid, on=date(2026, 3, 10))
        version = db.get(OpenLicence, lid).version_id
        with pytest.raises(FieldError, match="reason"):
            declaration_service.terminate_open_licence(db_session=db, licence_id=lid, on=date(2026, 4, 1), reason="")
        with pytest.raises(FieldError, match="took effect"):
            declaration_service.terminate_open_licence(db_session=db, licence_id=lid, on=date(2026, 3, 1),
                                                       reason="违约")
        with pytest.raises(ConflictError):
            declaration_service.terminate_open_licence(db_session=db, licence_id=lid, on=date(2026, 4, 1),
                                                       reason="违约", expected_version=version - 1)
        declaration_service.terminate_open_licence(db_session=db, licence_id=lid, on=date(2026, 4, 1),
                                                   reason="未按期支付使用费", expected_version=version)
    lic = site.one(OpenLicence, lid)
    assert (lic.status, lic.terminated_on, lic.termination_reason) == ("terminated", date(2026, 4, 1),
                                                                       "未按期支付使用费")


@pytest.mark.parametrize("terms, check", [
    ({"mode": "royalty", "royalty_pct": "3", "royalty_basis": "turnover"}, "royalty_basis"),
    ({"mode": "royalty", "royalty_pct": "3"}, "royalty_basis"),
    ({"mode": "royalty", "royalty_pct": "120", "royalty_basis": "profit"}, "fee_standard"),
    ({"mode": "barter"}, "payment_mode"),
])
def test_contract_fee_terms_refused_by_the_service(site, terms, check):
    with session_scope(site.engine) as db, pytest.raises(RuleViolation) as info:
        contract_service.create_contract(db_session=db, kind="licence", patent_ids=[site.patents[0]],
                                         licensor_name="示范大学", licensee_name="某公司", fee_terms=terms)
    assert [p.check for p in info.value.problems] == [check]
    assert site.count(Contract) == 0


def test_contract_fee_caps_are_a_warning(site):
    with session_scope(site.engine) as db:
        c = contract_service.create_contract(db_session=db, kind="licence", patent_ids=[site.patents[0]],
                                             licensor_name="示范大学", licensee_name="某公司",
                                             fee_terms={"mode": "royalty", "royalty_pct": "25",
                                                        "royalty_basis": "net_sales"})
        assert [p.check for p in contract_service.fee_warnings(c)] == ["fee_cap"]


# -- web: the form from an item, edit and cancel by role ---------------------------------------------------------

#                 operator uni-admin reviewer inventor enterprise uni2-admin
EDIT_CODES = (200, 200, 404, 404, 403, 404)


def test_edit_draft_by_role(site):
    item, draft_id = _licensed_item(site)
    number = _item_patent(site, item)
    version = site.one(Contract, draft_id).version_id
    for who, code in zip(ROLES, EDIT_CODES):
        assert site.client(who).get(f"/licensing/contracts/{draft_id}/edit").status_code == code, who
        if code != 200:
            r = site.post(who, f"/licensing/contracts/{draft_id}/edit", version=str(version),
                          **_contract_form(site, patents=number, title="不该保存"))
            assert r.status_code in (403, 404), who
    assert site.one(Contract, draft_id).version_id == version
    r = site.post("uni-admin", f"/licensing/contracts/{draft_id}/edit", version=str(version),
                  **_contract_form(site, patents=number, title="示范大学完善"))
    assert r.status_code == 303
    done = site.one(Contract, draft_id)
    assert (done.title, done.fee_terms["mode"], done.distribution_rule["source"]) == (
        "示范大学完善", "entry_plus_royalty", "示范大学转化办法")
    # the page read before that save is stale now: refused with 409, nothing overwritten
    stale = site.post("operator", f"/licensing/contracts/{draft_id}/edit", version=str(version),
                      **_contract_form(site, patents=number, title="覆盖"))
    assert stale.status_code == 409 and "changed by someone else" in html.unescape(stale.text)
    assert 'value="覆盖"' in stale.text and site.one(Contract, draft_id).title == "示范大学完善"
    # a contract past its draft is not edited: back to its page with the reason
    with session_scope(site.engine) as db:
        contract_service.start_publicity(db_session=db, contract_id=draft_id, start=date(2026, 3, 2))
    away = site.client("uni-admin").get(f"/licensing/contracts/{draft_id}/edit", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == f"/licensing/contracts/{draft_id}"
    assert "'publicity'" in html.unescape(site.client("uni-admin").get(f"/licensing/contracts/{draft_id}").text)
    to_contract = site.client("operator").get(f"/licensing/contracts/new?item={item}", follow_redirects=False)
    assert to_contract.headers["location"] == f"/licensing/contracts/{draft_id}"


def test_cancel_draft_by_role_and_draw_up_again_from_the_item(site):
    item, draft_id = _licensed_item(site)
    version = site.one(Contract, draft_id).version_id
    page = site.client("uni-admin").get(f"/licensing/contracts/{draft_id}").text
    assert f'action="/licensing/contracts/{draft_id}/move/cancel"' in page and 'id="edit-draft"' in page
    for who, code in (("enterprise", 403), ("dept-reviewer", 404), ("inventor", 404), ("uni2-admin", 404)):
        r = site.post(who, f"/licensing/contracts/{draft_id}/move/cancel", version=str(version), on="2026-03-02",
                      reason="误建")
        assert r.status_code == code, who
    no_reason = site.post("uni-admin", f"/licensing/contracts/{draft_id}/move/cancel", version=str(version),
                          on="2026-03-02", reason=" ", follow=True)
    assert 'role="alert"' in no_reason.text and site.one(Contract, draft_id).status == "draft"
    r = site.post("uni-admin", f"/licensing/contracts/{draft_id}/move/cancel", version=str(version), on="2026-03-02",
                  reason="误建的草稿", follow=True)
    assert 'data-status="cancelled"' in r.text and 'id="cancelled"' in r.text and "误建的草稿" in r.text
    assert 'id="edit-draft"' not in r.text and "/move/" not in r.text  # a final state: nothing more to do
    campaign = site.client("operator").get(f"/licensing/campaigns/{site.ids['campaign']}").text
    assert f'href="/licensing/contracts/new?item={item}" id="contract-from-item-{item}"' in campaign
    form = site.client("operator").get(f"/licensing/contracts/new?item={item}")
    assert form.status_code == 200 and 'name="price" value="60000.00"' in form.text  # the agreed price kept
    number = _item_patent(site, item)
    again = site.post("operator", "/licensing/contracts/new", **_contract_form(site, item=str(item), patents=number))
    assert again.status_code == 303
    with session_scope(site.engine) as db:
        linked = db.scalars(select(Contract.status).where(Contract.push_item_id == item).order_by(Contract.id)).all()
    assert linked == ["cancelled", "draft"]


# -- web: terminating an open licence ---------------------------------------------------------------------------

def test_terminate_open_licence_form_by_role_and_the_enterprise_sees_it(site):
    did = site.declaration(status="published")
    lid = site.licence(did)
    with session_scope(site.engine) as db:
        declaration_service.pay_open_licence(db_session=db, licence_id=lid, paid_on=date(2026, 3, 5),
                                             amount=Decimal(50000))
        declaration_service.licence_effective(db_session=db, licence_id=lid, on=date(2026, 3, 10))
    page = site.client("uni-admin").get("/licensing/declarations").text
    assert f'action="/licensing/licences/{lid}/terminate"' in page
    version = site.one(OpenLicence, lid).version_id
    data = {"on": "2026-04-01", "reason": "未按期支付使用费", "version": str(version)}
    for who, code in (("enterprise", 404), ("uni2-admin", 404), ("dept-reviewer", 403), ("inventor", 403)):
        assert site.post(who, f"/licensing/licences/{lid}/terminate", **data).status_code == code, who
    assert f"/licensing/licences/{lid}/terminate" not in site.client("enterprise").get("/licensing/open-licences").text
    no_reason = site.post("uni-admin", f"/licensing/licences/{lid}/terminate", follow=True, **{**data, "reason": ""})
    assert "reason" in no_reason.text and site.one(OpenLicence, lid).status == "effective"
    stale = site.post("uni-admin", f"/licensing/licences/{lid}/terminate", follow=True,
                      **{**data, "version": str(version + 5)})
    assert "changed by someone else" in stale.text and site.one(OpenLicence, lid).status == "effective"
    r = site.post("uni-admin", f"/licensing/licences/{lid}/terminate", follow=True, **data)
    assert r.status_code == 200 and f'id="licence-{lid}" data-status="terminated"' in r.text
    assert f'id="terminated-{lid}"' in r.text and f"/licensing/licences/{lid}/terminate" not in r.text
    mine = site.client("enterprise").get("/licensing/open-licences").text
    assert f'id="my-licence-{lid}" data-status="terminated"' in mine
    assert f'id="my-terminated-{lid}"' in mine and "2026-04-01" in mine and "未按期支付使用费" in mine


# -- web: contract fee terms --------------------------------------------------------------------------------------

def test_unknown_royalty_basis_refused_next_to_its_field_with_the_form_refilled(site):
    r = site.post("uni-admin", "/licensing/contracts/new",
                  **_contract_form(site, royalty_basis="turnover", title="营业额提成"))
    assert r.status_code == 400
    assert "unknown royalty basis 'turnover'" in errors(r)["royalty_basis"]
    assert '<option value="turnover" selected>' in r.text and 'value="营业额提成"' in r.text
    assert site.count(Contract) == 0


def test_fee_over_the_guidance_cap_is_a_warning_on_the_contract_page(site):
    r = site.post("uni-admin", "/licensing/contracts/new",
                  **_contract_form(site, fee_mode="royalty", lump_sum="", royalty_pct="25"))
    assert r.status_code == 303
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    page = site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    assert 'id="fee-warnings"' in page and "[fee_cap]" in page
    assert 'id="fee-warnings"' not in site.client("enterprise").get(f"/licensing/contracts/{cid}").text
