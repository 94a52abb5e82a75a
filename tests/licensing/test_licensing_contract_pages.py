"""Contract pages (SQLite and PostgreSQL): role × action, including direct URL access, the state machine through
the web, payments and receipts, the reward split kept inside the institution, and stale forms."""

from __future__ import annotations

import re
import warnings
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from panhuo.accounts.models import AuditEvent, Organisation
from panhuo.accounts.service import get_or_create_organisation
from panhuo.config import get_settings
from panhuo.db import get_engine, session_scope
from panhuo.licensing import contracts as contract_service
from panhuo.licensing.models import Contract, Payment
from panhuo.patents.models import Patent
from panhuo.web.demo import DEMO_PASSWORD, seed_demo

warnings.filterwarnings("ignore", category=DeprecationWarning)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROLES = ("operator", "uni-admin", "dept-reviewer", "inventor", "enterprise", "uni2-admin")


def _seed(db) -> dict:
    seed_demo(db, patents=10)
    orgs = {o.name: o for o in db.scalars(select(Organisation))}
    uni, inst, ent = orgs["示范大学"], orgs["示范研究院"], orgs["新能科技有限公司"]
    other = get_or_create_organisation(db_session=db, name="别家制造有限公司", kind="enterprise")
    uni_patents = db.scalars(select(Patent.id).where(Patent.institution_id == uni.id).order_by(Patent.id)).all()
    inst_patent = db.scalars(select(Patent.id).where(Patent.institution_id == inst.id)).first()
    make = contract_service.create_contract
    mine = make(db_session=db, kind="licence", patent_ids=[uni_patents[1]], licensor_name=uni.name,
                licensor_id=uni.id, licensee_name=ent.name, licensee_id=ent.id, title="电池材料普通许可",
                price=Decimal(100000), actor="seed")
    others = make(db_session=db, kind="transfer", patent_ids=[uni_patents[2]], licensor_name=uni.name,
                  licensor_id=uni.id, licensee_name=other.name, licensee_id=other.id, title="传感器转让",
                  price=Decimal(50000), pricing_route="listing", listing_ref="技术交易所 2025-17", actor="seed")
    institute = make(db_session=db, kind="licence", patent_ids=[inst_patent], licensor_name=inst.name,
                     licensor_id=None, licensee_name=ent.name, licensee_id=ent.id, title="研究院许可",
                     price=Decimal(8000), pricing_route="auction", listing_ref="拍卖 9", actor="seed")
    contract_service.schedule_payment(db_session=db, contract_id=mine.id, kind="lump_sum", due_date=date(2025, 6, 1),
                                      amount_due=Decimal(60000), actor="seed")
    contract_service.schedule_payment(db_session=db, contract_id=mine.id, kind="royalty", due_date=date(2026, 1, 31),
                                      actor="seed")
    return {"mine": mine.id, "others": others.id, "institute": institute.id}


class Site:
    def __init__(self, db_url: str, tmp_path):
        from fastapi.testclient import TestClient

        from panhuo.web.app import create_app

        self.engine = get_engine(db_url)
        with session_scope(self.engine) as db:
            self.ids = _seed(db)
        settings = get_settings(workspace=tmp_path, db=db_url)
        settings.secret_key = "test-secret-key-" + "x" * 32
        self.app = create_app(settings)
        self._client = TestClient
        self._clients: dict = {}

    def client(self, username: str):
        if username not in self._clients:
            client = self._client(self.app)
            token = CSRF.search(client.get("/login").text).group(1)
            r = client.post("/login", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD,
                                            "next": "/"}, follow_redirects=False)
            assert r.status_code == 303, r.text
            self._clients[username] = client
        return self._clients[username]

    def post(self, username: str, path: str, **data):
        client = self.client(username)
        token = CSRF.search(client.get("/login").text).group(1)
        return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)

    def contract(self, contract_id: int) -> Contract:
        with session_scope(self.engine) as db:
            c = db.get(Contract, contract_id)
            db.expunge(c)
            return c

    def payments(self, contract_id: int) -> list[Payment]:
        with session_scope(self.engine) as db:
            rows = list(db.scalars(select(Payment).where(Payment.contract_id == contract_id).order_by(Payment.id)))
            for p in rows:
                db.expunge(p)
            return rows


@pytest.fixture
def site(db_url, tmp_path) -> Site:
    return Site(db_url, tmp_path)


#                 operator uni-admin reviewer inventor enterprise uni2-admin
VISIBLE = {"mine": (1, 1, 0, 0, 1, 0), "others": (1, 1, 0, 0, 0, 0), "institute": (1, 0, 0, 0, 1, 1)}


def test_list_and_detail_by_role_including_direct_urls(site):
    for who, flags in zip(ROLES, zip(*VISIBLE.values())):
        listing = site.client(who).get("/licensing/contracts")
        assert listing.status_code == 200
        for name, seen in zip(VISIBLE, flags):
            cid = site.ids[name]
            assert (f'href="/licensing/contracts/{cid}"' in listing.text) is bool(seen), (who, name)
            detail = site.client(who).get(f"/licensing/contracts/{cid}")
            assert detail.status_code == (200 if seen else 404), (who, name)  # hidden = missing: nothing leaks
    assert site.client("operator").get("/licensing/contracts/999999").status_code == 404


def test_filters_by_status_kind_and_text(site):
    admin = site.client("uni-admin")
    assert "传感器转让" in admin.get("/licensing/contracts?kind=transfer").text
    assert "电池材料普通许可" not in admin.get("/licensing/contracts?kind=transfer").text
    assert "传感器转让" not in admin.get("/licensing/contracts?q=电池").text
    assert "电池材料普通许可" in admin.get("/licensing/contracts?status=draft").text
    assert "电池材料普通许可" not in admin.get("/licensing/contracts?status=signed").text
    assert admin.get("/licensing/contracts?status=nonsense&kind=x").status_code == 200


def test_enterprise_reads_its_contract_without_forms_or_reward_split_and_cannot_act(site):
    cid = site.ids["mine"]
    page = site.client("enterprise").get(f"/licensing/contracts/{cid}").text
    assert 'id="payments"' in page and "新能科技有限公司" in page
    assert 'id="rewards"' not in page and "/move/" not in page and "/receipts" not in page
    pay = site.payments(cid)[0]
    for path, data in ((f"/licensing/contracts/{cid}/move/publicity", {"on": "2025-01-02"}),
                       (f"/licensing/contracts/{cid}/payments", {"kind": "lump_sum", "due_date": "2025-09-01",
                                                                 "amount": "10"}),
                       (f"/licensing/payments/{pay.id}/receipts", {"amount": "10", "on": "2025-06-01"})):
        assert site.post("enterprise", path, **data).status_code == 403, path
    # people who cannot see the contract get 404 for its forms as well
    assert site.post("uni2-admin", f"/licensing/contracts/{cid}/move/publicity").status_code == 404
    assert site.post("inventor", f"/licensing/payments/{pay.id}/receipts", amount="1").status_code == 404
    assert site.contract(cid).status == "draft" and site.payments(cid)[0].status == "scheduled"


def test_admin_moves_the_contract_records_payments_and_sees_the_reward_split(site):
    cid = site.ids["mine"]

    def move(action: str, **data):
        version = site.contract(cid).version_id
        r = site.post("uni-admin", f"/licensing/contracts/{cid}/move/{action}", version=str(version), **data)
        assert r.status_code == 303 and r.headers["location"] == f"/licensing/contracts/{cid}"

    move("approve", on="2025-01-02")  # 协议定价 needs the 公示 first: refused, shown, nothing changed
    page = site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    assert 'role="alert"' in page and "公示" in page and site.contract(cid).status == "draft"
    move("publicity", on="2025-01-02")
    move("approve", on="2025-02-01")
    move("sign", on="2025-02-10")
    signed = site.contract(cid)
    assert signed.status == "signed" and signed.recordal_deadline == date(2025, 5, 10)
    lump, royalty = site.payments(cid)
    r = site.post("uni-admin", f"/licensing/payments/{lump.id}/receipts", amount="20000", on="2025-06-01",
                  reference="银行回单 1", version=str(lump.version_id))
    assert r.status_code == 303
    assert site.payments(cid)[0].status == "partial"
    over = site.post("uni-admin", f"/licensing/payments/{lump.id}/receipts", amount="50000", on="2025-06-02",
                     version=str(site.payments(cid)[0].version_id))
    assert over.status_code == 303 and site.payments(cid)[0].status == "partial"
    assert "exceeds" in site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    site.post("uni-admin", f"/licensing/payments/{royalty.id}/royalty", reported_base="1000000", royalty_pct="3")
    assert site.payments(cid)[1].amount_due == Decimal("30000.00")
    page = site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    assert 'id="received-total">20,000.00' in page and 'id="reward-preview"' in page and "张教授" in page
    move("record", on="2025-03-01")
    move("terminate", on="2025-12-31", reason="双方协商一致")
    assert site.contract(cid).status == "terminated"
    with session_scope(site.engine) as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity == "contract",
                                                             AuditEvent.entity_id == str(cid),
                                                             AuditEvent.actor == "uni-admin")).all()
    assert {"contract.publicity", "contract.approved", "contract.signed", "contract.recorded",
            "contract.terminated"} <= set(actions)


def test_stale_form_is_refused_and_bad_input_explained(site):
    cid = site.ids["mine"]
    old = site.contract(cid).version_id
    site.post("uni-admin", f"/licensing/contracts/{cid}/move/publicity", version=str(old), on="2025-01-02")
    site.post("operator", f"/licensing/contracts/{cid}/move/object", version=str(old), reason="价格异议")
    assert site.contract(cid).status == "publicity"  # the operator's form was read before the change
    page = site.client("operator").get(f"/licensing/contracts/{cid}").text
    assert "changed by someone else" in page
    site.post("uni-admin", f"/licensing/contracts/{cid}/payments", kind="lump_sum", due_date="2025-09-01",
              amount="abc")
    assert "is not an amount" in site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    site.post("uni-admin", f"/licensing/contracts/{cid}/move/terminate", version=str(site.contract(cid).version_id))
    assert site.contract(cid).status == "publicity"
    assert site.post("uni-admin", f"/licensing/contracts/{cid}/move/explode").status_code == 404
    no_csrf = site.client("uni-admin").post(f"/licensing/contracts/{cid}/move/approve", data={"on": "2025-03-01"})
    assert no_csrf.status_code == 403


def test_english_labels(site):
    client = site.client("uni-admin")
    client.get("/lang/en")
    page = client.get(f"/licensing/contracts/{site.ids['mine']}").text
    assert "Payment schedule" in page and "Licensor" in page and "Ordinary" in page


def _bearer(site, username: str) -> dict:
    from panhuo.accounts import service as accounts_service

    with session_scope(site.engine) as db:
        user = accounts_service.get_user_by_username(db_session=db, username=username)
        _, clear = accounts_service.create_api_token(db_session=db, user=user, name="test")
    return {"Authorization": f"Bearer {clear}"}


def test_api_lists_and_reads_contracts_with_the_same_checks(site):
    from fastapi.testclient import TestClient

    api = TestClient(site.app)
    assert api.get("/api/v1/contracts").status_code == 401
    for who, flags in zip(ROLES, zip(*VISIBLE.values())):
        headers = _bearer(site, who)
        listed = {c["id"] for c in api.get("/api/v1/contracts", headers=headers).json()}
        for name, seen in zip(VISIBLE, flags):
            cid = site.ids[name]
            assert (cid in listed) is bool(seen), (who, name)
            one = api.get(f"/api/v1/contracts/{cid}", headers=headers)
            assert one.status_code == (200 if seen else 404), (who, name)
    body = api.get(f"/api/v1/contracts/{site.ids['mine']}", headers=_bearer(site, "enterprise")).json()
    assert body["licensee_name"] == "新能科技有限公司" and [p["kind"] for p in body["payments"]] == [
        "lump_sum", "royalty"]
    assert Decimal(body["payments"][0]["outstanding"]) == Decimal(60000)


def test_royalty_report_by_direct_post_is_refused_once_reported_or_out_of_range(site):
    cid = site.ids["mine"]
    royalty = site.payments(cid)[1]
    # a draft contract: no report yet, and the page offers no form
    site.post("uni-admin", f"/licensing/payments/{royalty.id}/royalty", reported_base="1000", royalty_pct="3")
    assert site.payments(cid)[1].amount_due is None
    assert f'action="/licensing/payments/{royalty.id}/royalty"' not in \
        site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    for action, on in (("publicity", "2025-01-02"), ("approve", "2025-02-01"), ("sign", "2025-02-10")):
        site.post("uni-admin", f"/licensing/contracts/{cid}/move/{action}",
                  version=str(site.contract(cid).version_id), on=on)
    assert site.contract(cid).status == "signed"
    for pct in ("100000000000000", "0", "150"):  # up to 1e14 passes the amount parser; the rate must be ≤ 100 %
        r = site.post("uni-admin", f"/licensing/payments/{royalty.id}/royalty", reported_base="1000", royalty_pct=pct,
                      version=str(royalty.version_id))
        assert r.status_code == 303 and site.payments(cid)[1].amount_due is None, pct
        assert "out of range" in site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    stale = site.post("uni-admin", f"/licensing/payments/{royalty.id}/royalty", reported_base="1000",
                      royalty_pct="3", version=str(royalty.version_id + 5))
    assert stale.status_code == 303 and site.payments(cid)[1].amount_due is None
    site.post("uni-admin", f"/licensing/payments/{royalty.id}/royalty", reported_base="1000000", royalty_pct="3",
              version=str(royalty.version_id))
    reported = site.payments(cid)[1]
    assert reported.amount_due == Decimal("30000.00")
    site.post("uni-admin", f"/licensing/payments/{royalty.id}/receipts", amount="30000", on="2026-02-01",
              version=str(reported.version_id))
    assert site.payments(cid)[1].status == "paid"
    again = site.post("uni-admin", f"/licensing/payments/{royalty.id}/royalty", reported_base="99", royalty_pct="50")
    assert again.status_code == 303
    assert site.payments(cid)[1].amount_due == Decimal("30000.00")
    assert "already reported" in site.client("uni-admin").get(f"/licensing/contracts/{cid}").text


def test_odd_digits_and_far_dates_are_explained_not_500(site):
    cid = site.ids["mine"]
    r = site.post("uni-admin", f"/licensing/contracts/{cid}/move/publicity", version="²", on="2025-01-02")
    assert r.status_code == 303 and site.contract(cid).status == "publicity"  # no version: not a stale form
    for path, data in ((f"/licensing/contracts/{cid}/move/approve", {"on": "9999-12-31"}),
                       (f"/licensing/contracts/{cid}/payments", {"kind": "lump_sum", "due_date": "0001-01-01",
                                                                 "amount": "10"})):
        r = site.post("uni-admin", path, version=str(site.contract(cid).version_id), **data)
        assert r.status_code == 303, path
        assert "use a year from 1985 to 2200" in site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    assert site.contract(cid).status == "publicity" and len(site.payments(cid)) == 2
