"""Licensing pages through the FastAPI TestClient (SQLite and PostgreSQL): roles, the lifecycle, refused moves."""

from __future__ import annotations

import re
import warnings

import pytest
from sqlalchemy import func, select
from webseed import CAMPAIGN, seed_campaign

from panhuo.accounts.models import AuditEvent
from panhuo.config import get_settings
from panhuo.db import get_engine, session_scope
from panhuo.licensing import service as declaration_service
from panhuo.licensing.models import Contract, PushItem
from panhuo.web.demo import DEMO_PASSWORD

warnings.filterwarnings("ignore", category=DeprecationWarning)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Site:
    def __init__(self, db_url: str, tmp_path):
        from fastapi.testclient import TestClient

        from panhuo.web.app import create_app

        self.engine = get_engine(db_url)
        with session_scope(self.engine) as db:
            self.ids = seed_campaign(db)
        settings = get_settings(workspace=tmp_path, db=db_url)
        settings.secret_key = "test-secret-key-" + "x" * 32
        self.app = create_app(settings)
        self._client = TestClient

    def client(self, username: str):
        client = self._client(self.app)
        token = CSRF.search(client.get("/login").text).group(1)
        r = client.post("/login", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD,
                                        "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return client

    def post(self, client, path: str, **data):
        token = CSRF.search(client.get("/login").text).group(1)
        return client.post(path, data={"csrf_token": token, **data})

    def item(self, item_id: int) -> PushItem:
        with session_scope(self.engine) as db:
            item = db.get(PushItem, item_id)
            db.expunge(item)
            return item

    def audit_count(self) -> int:
        with session_scope(self.engine) as db:
            return db.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def site(db_url, tmp_path) -> Site:
    return Site(db_url, tmp_path)


def test_operator_sees_campaign_funnel_and_reasons(site):
    op = site.client("operator")
    listing = op.get("/licensing/campaigns")
    assert listing.status_code == 200 and CAMPAIGN in listing.text
    page = op.get(f"/licensing/campaigns/{site.ids['campaign']}")
    assert page.status_code == 200
    assert "行业匹配" in page.text  # the written reasons of the push list
    assert "转化漏斗" in page.text and "示范大学" in page.text  # funnel, grouped by institution
    assert f'action="/licensing/items/{site.ids["item"]}/interested"' in page.text
    assert 'src="/licensing/funnel.svg"' in op.get("/dashboard").text  # the operator dashboard shows the funnel
    svg = op.get("/licensing/funnel.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text


@pytest.mark.parametrize("username", ["enterprise", "inventor", "dept-reviewer"])
def test_enterprise_and_inventor_cannot_open_campaign_pages(site, username):
    client = site.client(username)
    for path in ("/licensing/campaigns", f"/licensing/campaigns/{site.ids['campaign']}", "/licensing/funnel.svg"):
        assert client.get(path).status_code == 403, path
    before = site.item(site.ids["item"]).status
    r = site.post(client, f"/licensing/items/{site.ids['item']}/interested")
    assert r.status_code == 403
    assert site.item(site.ids["item"]).status == before == "pushed"


def test_institution_admin_sees_own_campaign_read_only(site):
    admin = site.client("uni-admin")
    page = admin.get(f"/licensing/campaigns/{site.ids['campaign']}")
    assert page.status_code == 200 and CAMPAIGN in page.text
    assert "/licensing/items/" not in page.text  # no lifecycle actions: the operator manages campaigns
    assert site.post(admin, f"/licensing/items/{site.ids['item']}/interested").status_code == 403
    other = site.client("uni2-admin")  # the research institute does not take part
    assert other.get(f"/licensing/campaigns/{site.ids['campaign']}").status_code == 403
    assert CAMPAIGN not in other.get("/licensing/campaigns").text


def test_lifecycle_through_the_pages(site):
    op, item_id = site.client("operator"), site.ids["item"]
    for action, data, status in (("interested", {}, "interested"), ("trial", {"on": "2025-03-10"}, "trial"),
                                 ("checkin", {"note": "小试线已试用两周", "on": "2025-03-24"}, "trial"),
                                 ("license", {"price": "50000", "on": "2025-05-01"}, "licensed")):
        version = str(site.item(item_id).version_id)  # as the page's hidden field sends it
        r = site.post(op, f"/licensing/items/{item_id}/{action}", version=version, **data)
        assert r.status_code == 200 and 'role="alert"' not in r.text, r.text[-800:]
        assert site.item(item_id).status == status
    page = op.get(f"/licensing/campaigns/{site.ids['campaign']}").text
    assert "小试线已试用两周" in page and "许可合同(草稿)" in page
    assert re.search(r'data-group="all">.*?class="n-licensed">1<', page, re.DOTALL)
    with session_scope(site.engine) as db:
        contract = db.scalars(select(Contract).where(Contract.push_item_id == item_id)).one()
        assert contract.licensor_name == "示范大学" and contract.price == 50000


def test_illegal_transition_shows_error_and_changes_nothing(site):
    op, item_id = site.client("operator"), site.ids["item"]
    before, audits = site.item(item_id), site.audit_count()
    r = site.post(op, f"/licensing/items/{item_id}/trial")  # pushed → trial skips 'interested'
    assert r.status_code == 200 and 'role="alert"' in r.text
    assert "cannot go from &#39;pushed&#39; to &#39;trial&#39;" in r.text
    after = site.item(item_id)
    assert (after.status, after.trial_start, after.version_id) == ("pushed", None, before.version_id)
    assert site.audit_count() == audits
    # a decline without a reason and a check-in without a trial are refused the same way
    for action in ("decline", "checkin"):
        r = site.post(op, f"/licensing/items/{item_id}/{action}")
        assert 'role="alert"' in r.text and site.item(item_id).status == "pushed"
    # a stale form (old version) is refused too
    site.post(op, f"/licensing/items/{item_id}/interested", version=str(before.version_id))
    r = site.post(op, f"/licensing/items/{item_id}/decline", reason="价格", version=str(before.version_id))
    assert "reload" in r.text and site.item(item_id).status == "interested"


def test_forms_need_csrf(site):
    op = site.client("operator")
    r = op.post(f"/licensing/items/{site.ids['item']}/interested", data={})
    assert r.status_code == 403 and site.item(site.ids["item"]).status == "pushed"


def test_declarations_show_checks_by_name(site):
    from datetime import date

    with session_scope(site.engine) as db:
        from panhuo.patents.models import Patent

        patent = db.scalars(select(Patent).where(Patent.institution_id == site.ids["uni"],
                                                 Patent.patent_type == "utility_model")).first()
        declaration_service.create_declaration(
            db_session=db, patent_id=patent.id, fee_terms={"mode": "lump_sum", "lump_sum": 20000},
            term_start=date(2025, 1, 1), term_end=date(2026, 12, 31), actor="test")
        number = patent.grant_no or patent.application_no
    admin = site.client("uni-admin")
    page = admin.get("/licensing/declarations")
    assert page.status_code == 200 and number in page.text
    block = page.text.split('data-check="evaluation_report"')[1].split("</tr>")[0]
    assert "未通过" in block  # a utility model needs an evaluation report
    assert number not in site.client("uni2-admin").get("/licensing/declarations").text
    assert site.client("enterprise").get("/licensing/declarations").status_code == 403
    assert site.client("inventor").get("/licensing/declarations").status_code == 403
