"""Licensing forms through the web (SQLite and PostgreSQL): open-licence declarations drafted, checked, filed,
published, rejected and withdrawn; open licences taken by enterprises and recorded by the institution; new
contracts (standalone and from a licensed campaign item); income distributions. Role × action for every new
route, bad input refused next to its field with the form refilled, and nothing changed by a refused form."""

from __future__ import annotations

import html
import re
import warnings
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from webseed import seed_campaign

from panhuo.accounts.models import AuditEvent, Organisation
from panhuo.config import get_settings
from panhuo.db import get_engine, session_scope
from panhuo.licensing import campaigns as campaign_service
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import service as declaration_service
from panhuo.licensing.models import Contract, Declaration, Distribution, OpenLicence
from panhuo.patents.models import Patent
from panhuo.web.demo import DEMO_PASSWORD

warnings.filterwarnings("ignore", category=DeprecationWarning)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FIELD_ERROR = re.compile(r'id="err-(\w+)"[^>]*>([^<]*)<')
ROLES = ("operator", "uni-admin", "dept-reviewer", "inventor", "enterprise", "uni2-admin")
TERM = {"term_start": "2026-01-01", "term_end": "2027-06-30"}


class Site:
    def __init__(self, db_url: str, tmp_path):
        from fastapi.testclient import TestClient

        from panhuo.web.app import create_app

        self.engine = get_engine(db_url)
        with session_scope(self.engine) as db:
            self.ids = seed_campaign(db)
            valid = db.scalars(select(Patent).where(Patent.institution_id == self.ids["uni"],
                                                    Patent.legal_status == "valid",
                                                    Patent.patent_type == "invention").order_by(Patent.id)).all()
            self.patents = [p.id for p in valid]
            self.numbers = [p.application_no for p in valid]
            self.enterprise = db.scalars(select(Organisation.id).where(Organisation.name == "新能科技有限公司")).one()
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

    def post(self, username: str, path: str, follow: bool = False, **data):
        client = self.client(username)
        token = CSRF.search(client.get("/login").text).group(1)
        return client.post(path, data={"csrf_token": token, **data}, follow_redirects=follow)

    def count(self, model) -> int:
        with session_scope(self.engine) as db:
            return db.scalar(select(func.count()).select_from(model))

    def one(self, model, ident):
        with session_scope(self.engine) as db:
            row = db.get(model, ident)
            db.expunge(row)
            return row

    def declaration(self, *, status: str = "draft", patent: int = 0) -> int:
        """A declaration through the services, moved to ``status`` (draft, filed, published)."""
        with session_scope(self.engine) as db:
            owners = declaration_service.owners(db.get(Patent, self.patents[patent]))
            d = declaration_service.create_declaration(
                db_session=db, patent_id=self.patents[patent], consenting_owners=owners, fee_terms={"mode": "lump_sum", "lump_sum": "50000"},
                term_start=date(2026, 1, 1), term_end=date(2027, 6, 30), actor="seed")
            if status in ("filed", "published"):
                declaration_service.file_declaration(db_session=db, declaration_id=d.id, on=date(2026, 1, 5))
            if status == "published":
                declaration_service.publish_declaration(db_session=db, declaration_id=d.id, on=date(2026, 2, 1))
            return d.id

    def licence(self, declaration_id: int) -> int:
        with session_scope(self.engine) as db:
            return declaration_service.take_open_licence(
                db_session=db, declaration_id=declaration_id, licensee_name="新能科技有限公司",
                licensee_id=self.enterprise, notified_on=date(2026, 3, 1)).id

    def signed_contract(self) -> int:
        with session_scope(self.engine) as db:
            c = contract_service.create_contract(
                db_session=db, kind="transfer", patent_ids=[self.patents[1]], licensor_name="示范大学",
                licensor_id=self.ids["uni"], licensee_name="新能科技有限公司", licensee_id=self.enterprise,
                title="转让", price=Decimal(100000), pricing_route="listing", listing_ref="交易所 1")
            contract_service.approve_contract(db_session=db, contract_id=c.id, on=date(2026, 1, 2))
            contract_service.sign_contract(db_session=db, contract_id=c.id, on=date(2026, 1, 3))
            return c.id


@pytest.fixture
def site(db_url, tmp_path) -> Site:
    return Site(db_url, tmp_path)


def errors(response) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in FIELD_ERROR.findall(response.text)}


# -- role × action ---------------------------------------------------------------------------------------------

#                              operator uni-admin reviewer inventor enterprise uni2-admin
FORM_PAGES = {"/licensing/declarations/new": (200, 200, 403, 403, 403, 200),
              "/licensing/declarations": (200, 200, 403, 403, 403, 200),
              "/licensing/open-licences": (200, 200, 200, 200, 200, 200),
              "/licensing/contracts/new": (200, 200, 403, 403, 403, 200)}


def test_form_pages_by_role(site):
    for path, codes in FORM_PAGES.items():
        for who, code in zip(ROLES, codes):
            assert site.client(who).get(path).status_code == code, (path, who)
    # a patent of another institution cannot be declared or contracted by its neighbour's admin
    other = site.client("uni2-admin")
    page = other.get(f"/licensing/declarations/new?patent={site.patents[0]}")
    assert page.status_code == 404 and "patent" in errors(page)
    assert other.get(f"/licensing/contracts/new?patent={site.patents[0]}").status_code == 400
    assert 'id="declaration-form"' in site.client("uni-admin").get(
        f"/licensing/declarations/new?patent={site.patents[0]}").text
    assert 'id="licensing-links"' in site.client("uni-admin").get(f"/patents/{site.patents[0]}").text


def test_declaration_create_by_role(site):
    data = {"patent": str(site.patents[0]), "fee_mode": "lump_sum", "lump_sum": "50000", **TERM}
    for who in ("dept-reviewer", "inventor", "enterprise"):
        assert site.post(who, "/licensing/declarations/new", **data).status_code == 403, who
    refused = site.post("uni2-admin", "/licensing/declarations/new", **data)
    assert refused.status_code == 400 and "patent" in errors(refused)
    assert site.count(Declaration) == 0
    ok = site.post("uni-admin", "/licensing/declarations/new", **data)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/licensing/declarations#declaration-")
    assert site.post("operator", "/licensing/declarations/new", **{**data, "patent": str(site.patents[1])}) \
        .status_code == 303
    with session_scope(site.engine) as db:
        rows = db.scalars(select(Declaration).order_by(Declaration.id)).all()
        assert [(d.status, d.created_by, d.fee_terms["lump_sum"]) for d in rows] == [
            ("draft", "uni-admin", "50000"), ("draft", "operator", "50000")]
        assert db.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "declaration.create")) == 2


@pytest.mark.parametrize("who,code", [("dept-reviewer", 403), ("inventor", 403), ("enterprise", 404),
                                      ("uni2-admin", 404)])
def test_declaration_moves_refused_for_others(site, who, code):
    did = site.declaration()
    for action in ("file", "publish", "reject", "withdraw"):
        r = site.post(who, f"/licensing/declarations/{did}/{action}", on="2026-01-05", reason="x")
        assert r.status_code == code, (who, action)
    assert site.one(Declaration, did).status == "draft"


def test_declaration_lifecycle_through_the_page(site):
    did = site.declaration()
    page = site.client("uni-admin").get("/licensing/declarations").text
    assert f'action="/licensing/declarations/{did}/file"' in page
    assert f'action="/licensing/declarations/{did}/publish"' not in page  # only the next moves are offered
    r = site.post("uni-admin", f"/licensing/declarations/{did}/publish", on="2026-02-01", follow=True)
    assert 'role="alert"' in r.text and "cannot go from 'draft' to 'published'" in html.unescape(r.text)
    site.post("uni-admin", f"/licensing/declarations/{did}/file", on="2026-01-05")
    assert site.one(Declaration, did).status == "filed" and site.one(Declaration, did).filed_on == date(2026, 1, 5)
    r = site.post("uni-admin", f"/licensing/declarations/{did}/reject", reason="", follow=True)
    assert "give CNIPA's reason" in html.unescape(r.text) and site.one(Declaration, did).status == "filed"
    site.post("uni-admin", f"/licensing/declarations/{did}/publish", on="2026-02-01", cnipa_ref="公告 2026-7")
    published = site.one(Declaration, did)
    assert (published.status, published.published_on, published.cnipa_ref) == ("published", date(2026, 2, 1),
                                                                               "公告 2026-7")
    site.post("operator", f"/licensing/declarations/{did}/withdraw", on="2026-09-01")
    assert site.one(Declaration, did).status == "withdrawn"
    second = site.declaration(patent=1, status="filed")
    site.post("uni-admin", f"/licensing/declarations/{second}/reject", reason="费用标准不明确")
    assert site.one(Declaration, second).status == "rejected"
    assert site.post("uni-admin", f"/licensing/declarations/{did}/explode").status_code == 404
    with session_scope(site.engine) as db:
        actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.entity == "declaration")))
    assert {"declaration.filed", "declaration.published", "declaration.withdrawn", "declaration.rejected"} <= actions


def test_stale_declaration_and_licence_forms_are_refused(site):
    did = site.declaration(status="published")
    old = site.one(Declaration, did).version_id
    r = site.post("uni-admin", f"/licensing/declarations/{did}/withdraw", on="2026-05-01", version=str(old + 3),
                  follow=True)
    assert "changed by someone else" in r.text and site.one(Declaration, did).status == "published"
    lid = site.licence(did)
    stale = site.one(OpenLicence, lid).version_id + 3
    r = site.post("uni-admin", f"/licensing/licences/{lid}/pay", amount="50000", on="2026-03-05",
                  version=str(stale), follow=True)
    assert "changed by someone else" in r.text and site.one(OpenLicence, lid).status == "notified"


def test_filing_refused_with_each_failed_check_named(site):
    with session_scope(site.engine) as db:
        patent = db.get(Patent, site.patents[2])
        patent.extra = {**patent.extra, "suspended": True, "annual_fees_paid": False}
    did = site.declaration(patent=2)
    page = site.client("uni-admin").get("/licensing/declarations").text
    assert 'data-check="not_suspended"' in page
    r = site.post("uni-admin", f"/licensing/declarations/{did}/file", on="2026-01-05", follow=True)
    assert "[not_suspended]" in r.text and "[annual_fees_paid]" in r.text
    assert site.one(Declaration, did).status == "draft"


def test_open_licence_taken_by_the_enterprise_and_recorded_by_the_institution(site):
    did = site.declaration(status="published")
    draft = site.declaration(patent=1)
    listing = site.client("enterprise").get("/licensing/open-licences").text
    assert f'id="declaration-{did}"' in listing and f'id="declaration-{draft}"' not in listing  # published only
    assert f'action="/licensing/open-licences/{did}/take"' in listing and "50,000.00" in listing
    for who in ("operator", "uni-admin", "dept-reviewer", "inventor", "uni2-admin"):
        assert site.post(who, f"/licensing/open-licences/{did}/take", notified_on="2026-03-01").status_code == 403
        assert f'action="/licensing/open-licences/{did}/take"' not in site.client(who).get(
            "/licensing/open-licences").text
    # an enterprise cannot name another organisation as the licensee: its own is used
    r = site.post("enterprise", f"/licensing/open-licences/{did}/take", notified_on="2026-03-01",
                  licensee_id=str(site.ids["uni"]))
    assert r.status_code == 403
    r = site.post("enterprise", f"/licensing/open-licences/{did}/take", notified_on="2026-03-01", follow=True)
    lic = site.one(OpenLicence, 1)
    assert (lic.status, lic.licensee_id, lic.licensee_name, lic.notified_on) == (
        "notified", site.enterprise, "新能科技有限公司", date(2026, 3, 1))
    assert f'id="my-licence-{lic.id}" data-status="notified"' in r.text
    again = site.post("enterprise", f"/licensing/open-licences/{did}/take", notified_on="2026-03-02", follow=True)
    assert "already holds licence" in again.text and site.count(OpenLicence) == 1
    assert site.post("enterprise", f"/licensing/open-licences/{draft}/take", notified_on="2026-03-01").status_code == 404
    # the institution records payment (at least the published fee), effectiveness and the 备案
    for who, code in (("enterprise", 404), ("uni2-admin", 404), ("dept-reviewer", 403), ("inventor", 403)):
        assert site.post(who, f"/licensing/licences/{lic.id}/pay", amount="50000", on="2026-03-05").status_code \
            == code, who
    low = site.post("uni-admin", f"/licensing/licences/{lic.id}/pay", amount="100", on="2026-03-05", follow=True)
    assert "below the published fee" in low.text and site.one(OpenLicence, lic.id).status == "notified"
    site.post("uni-admin", f"/licensing/licences/{lic.id}/pay", amount="50000", on="2026-03-05")
    site.post("uni-admin", f"/licensing/licences/{lic.id}/effective", on="2026-03-10")
    effective = site.one(OpenLicence, lic.id)
    assert (effective.status, effective.recordal_deadline) == ("effective", date(2026, 6, 10))
    assert "2026-06-10" in site.client("uni-admin").get("/licensing/declarations").text  # the deadline shown
    assert "2026-06-10" in site.client("enterprise").get("/licensing/open-licences").text
    site.post("operator", f"/licensing/licences/{lic.id}/record", on="2026-05-01")
    assert site.one(OpenLicence, lic.id).status == "recorded"
    assert site.post("uni-admin", f"/licensing/licences/{lic.id}/explode", on="2026-05-01").status_code == 404


def test_open_licence_page_hides_other_enterprises_licences(site):
    did = site.declaration(status="published")
    with session_scope(site.engine) as db:
        other = Organisation(name="别家制造有限公司", kind="enterprise")
        db.add(other)
        db.flush()
        declaration_service.take_open_licence(db_session=db, declaration_id=did, licensee_name=other.name,
                                              licensee_id=other.id, notified_on=date(2026, 3, 1))
    page = site.client("enterprise").get("/licensing/open-licences").text
    assert "别家制造有限公司" not in page and 'id="my-licences"' in page


# -- bad input: next to the field, the form refilled -----------------------------------------------------------

@pytest.mark.parametrize("data,field,text", [
    ({"fee_mode": "lump_sum", "lump_sum": "abc"}, "lump_sum", "is not a number"),
    ({"fee_mode": ""}, "fee_mode", "choose how the fee is paid"),
    ({"fee_mode": "lump_sum", "lump_sum": "300000000"}, "fee_mode", "[fee_cap]"),
    ({"fee_mode": "royalty", "royalty_pct": "25", "royalty_basis": "net_sales"}, "fee_mode", "[fee_cap]"),
    ({"fee_mode": "lump_sum", "lump_sum": "5000", "term_end": "2026-03-01"}, "term", "[term_minimum]"),
    ({"fee_mode": "lump_sum", "lump_sum": "5000", "term_end": "2026-02-31"}, "term_end", "is not a date"),
    ({"fee_mode": "lump_sum", "lump_sum": "5000", "other_terms": "国际领先，欢迎洽谈"}, "other_terms",
     "[promotional_language]"),
    ({"fee_mode": "lump_sum", "lump_sum": "5000", "trial_months": "many"}, "trial_months", "whole number"),
])
def test_bad_declaration_input_is_explained_next_to_the_field_and_kept(site, data, field, text):
    form = {"patent": str(site.patents[0]), **TERM, "other_terms": "许可人提供技术资料", **data}
    r = site.post("uni-admin", "/licensing/declarations/new", **form)
    assert r.status_code == 400
    found = errors(r)
    assert field in found and text in found[field], found
    assert 'id="declaration-form"' in r.text and 'role="alert"' in r.text
    for key in ("term_start", "lump_sum", "royalty_pct"):
        if form.get(key):
            assert f'name="{key}" value="{form[key]}"' in r.text, key  # what was typed is kept
    assert ">" + form["other_terms"].replace("，", "，") + "</textarea>" in r.text
    assert site.count(Declaration) == 0


def test_check_button_shows_the_checks_without_saving(site):
    with session_scope(site.engine) as db:
        patent = db.get(Patent, site.patents[0])
        patent.extra = {**patent.extra, "suspended": True}
    r = site.post("uni-admin", "/licensing/declarations/new", patent=str(site.patents[0]), fee_mode="free", check="1",
                  **TERM)
    assert r.status_code == 200 and site.count(Declaration) == 0
    assert 'data-check="not_suspended" data-ok="0"' in r.text and 'data-check="granted_and_valid" data-ok="1"' in r.text
    assert 'value="2027-06-30"' in r.text


def test_declaration_form_by_number_and_unknown_number(site):
    admin = site.client("uni-admin")
    assert 'id="declaration-form"' in admin.get(f"/licensing/declarations/new?patent={site.numbers[0]}").text
    missing = admin.get("/licensing/declarations/new?patent=CN999")
    assert missing.status_code == 404 and "no patent 'CN999'" in errors(missing)["patent"]
    assert 'value="CN999"' in missing.text


# -- contracts ---------------------------------------------------------------------------------------------------

def _contract_form(site, **extra) -> dict:
    return {"kind": "licence", "licence_type": "ordinary", "patents": site.numbers[0],
            "licensee_id": str(site.enterprise), "title": "电池材料普通许可", "price": "80000",
            "pricing_route": "agreement", "team_share": "70", "staff_share": "5", "rule_source": "示范大学转化办法",
            "fee_mode": "entry_plus_royalty", "lump_sum": "20000", "royalty_pct": "3", "royalty_basis": "net_sales",
            **extra}


def test_contract_create_by_role(site):
    for who in ("dept-reviewer", "inventor", "enterprise"):
        assert site.post(who, "/licensing/contracts/new", **_contract_form(site)).status_code == 403, who
    other = site.post("uni2-admin", "/licensing/contracts/new", **_contract_form(site))
    assert other.status_code == 400 and "patents" in errors(other)
    assert site.count(Contract) == 0
    r = site.post("uni-admin", "/licensing/contracts/new", **_contract_form(site, publicity="1",
                                                                             publicity_start="2026-01-05",
                                                                             publicity_days="15"))
    assert r.status_code == 303
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    c = site.one(Contract, cid)
    assert (c.kind, c.licence_type, c.licensor_id, c.licensor_name, c.licensee_id, c.price) == (
        "licence", "ordinary", site.ids["uni"], "示范大学", site.enterprise, Decimal("80000.00"))
    assert c.fee_terms["mode"] == "entry_plus_royalty" and c.distribution_rule["team_share"] == "0.7"
    assert (c.status, c.publicity_start, c.publicity_end) == ("publicity", date(2026, 1, 5), date(2026, 1, 20))
    assert site.post("operator", "/licensing/contracts/new", **_contract_form(site, kind="equity")).status_code == 303
    assert "新能科技有限公司" in site.client("enterprise").get(f"/licensing/contracts/{cid}").text


@pytest.mark.parametrize("extra,field,text", [
    ({"patents": "CN000"}, "patents", "unknown patent number"),
    ({"patents": ""}, "patents", "at least one patent"),
    ({"price": "八万"}, "price", "is not a number"),
    ({"licensee_id": "", "licensee_name": ""}, "licensee", "licensee"),
    ({"pricing_route": "listing"}, "listing_ref", "needs the listing"),
    ({"term_start": "2027-01-01", "term_end": "2026-01-01"}, "term", "before it starts"),
    ({"team_share": "30"}, "team_share", "[team_share_floor]"),
    ({"staff_share": "1"}, "staff_share", "[staff_share_floor]"),
    ({"kind": "lease"}, "kind", "unknown contract kind"),
    ({"publicity": "1", "publicity_days": "0"}, "publicity_days", "whole number from 1 to 366"),
])
def test_bad_contract_input_is_explained_and_kept(site, extra, field, text):
    r = site.post("uni-admin", "/licensing/contracts/new", **_contract_form(site, **extra))
    assert r.status_code == 400
    found = errors(r)
    assert field in found and text in found[field], found
    assert 'value="电池材料普通许可"' in r.text and 'id="contract-form"' in r.text
    assert site.count(Contract) == 0


def test_exclusive_contract_refused_while_an_open_licence_declaration_stands(site):
    site.declaration(status="filed")
    r = site.post("uni-admin", "/licensing/contracts/new", **_contract_form(site, licence_type="exclusive"))
    assert r.status_code == 400 and "专利法 Art. 51" in errors(r)["licence_type"]
    assert site.count(Contract) == 0


def test_contract_from_a_licensed_campaign_item(site):
    item = site.ids["item"]
    op = site.client("operator")
    early = op.get(f"/licensing/contracts/new?item={item}")
    assert early.status_code == 400 and "reached 'licensed'" in html.unescape(early.text)
    assert site.post("operator", "/licensing/contracts/new", **_contract_form(site, item=str(item))).status_code == 400
    with session_scope(site.engine) as db:
        campaign_service.mark_interested(db_session=db, item_id=item, on=date(2026, 1, 2))
        campaign_service.start_trial(db_session=db, item_id=item, start=date(2026, 1, 3))
        campaign_service.license_item(db_session=db, item_id=item, on=date(2026, 3, 1), licensor_name="示范大学",
                                      price=Decimal(60000))
        from panhuo.licensing.models import CampaignEnterprise, PushItem

        pushed = db.get(PushItem, item)
        patent = db.get(Patent, pushed.patent_id)
        enterprise = db.get(CampaignEnterprise, pushed.enterprise_id)
        number, org_id = patent.application_no, enterprise.organisation_id
    with session_scope(site.engine) as db:
        draft = contract_service.contract_for_item(db_session=db, push_item_id=item)
        draft_id, draft_version = draft.id, draft.version_id
    # one item, one contract: the page leads to the automatic draft, which the form completes
    campaign = op.get(f"/licensing/campaigns/{site.ids['campaign']}").text
    assert f'href="/licensing/contracts/{draft_id}/edit" id="contract-from-item-{item}"' in campaign
    assert f'href="/licensing/contracts/new?item={item}"' not in campaign
    to_draft = op.get(f"/licensing/contracts/new?item={item}", follow_redirects=False)
    assert to_draft.status_code == 303 and to_draft.headers["location"] == f"/licensing/contracts/{draft_id}/edit"
    second = site.post("operator", "/licensing/contracts/new", **_contract_form(site, item=str(item), patents=number))
    assert second.status_code == 400 and f"already has contract {draft_id}" in html.unescape(second.text)
    form = op.get(f"/licensing/contracts/{draft_id}/edit")
    assert form.status_code == 200 and number in form.text and f'<option value="{org_id}" selected' in form.text
    assert 'name="price" value="60000.00"' in form.text and f'name="version" value="{draft_version}"' in form.text
    for who in ("enterprise", "inventor"):
        assert site.client(who).get(f"/licensing/contracts/new?item={item}").status_code == 403
    wrong = site.post("operator", f"/licensing/contracts/{draft_id}/edit", version=str(draft_version),
                      **_contract_form(site, patents=site.numbers[-1]))
    assert wrong.status_code == 400 and "campaign item's patent" in errors(wrong)["patents"]
    r = site.post("operator", f"/licensing/contracts/{draft_id}/edit", version=str(draft_version), **_contract_form(
        site, patents=number, licensee_id=str(org_id), kind="transfer", title="定向许可转让"))
    assert r.status_code == 303 and r.headers["location"] == f"/licensing/contracts/{draft_id}"
    with session_scope(site.engine) as db:
        made = db.scalars(select(Contract).where(Contract.push_item_id == item)).all()
        assert [(c.id, c.kind, c.licensee_id, c.title, c.price) for c in made] == [
            (draft_id, "transfer", org_id, "定向许可转让", Decimal(80000))]


# -- income distribution ---------------------------------------------------------------------------------------

def test_distribution_by_role(site):
    cid = site.signed_contract()
    data = {"gross_income": "100000", "costs": "10000", "team_share": "70", "staff_share": "5",
            "staff_points": "王老师: 60"}
    assert site.post("enterprise", f"/licensing/contracts/{cid}/distribution", **data).status_code == 403
    for who in ("dept-reviewer", "inventor", "uni2-admin"):
        assert site.post(who, f"/licensing/contracts/{cid}/distribution", **data).status_code == 404, who
    assert 'id="distribution-form"' not in site.client("enterprise").get(f"/licensing/contracts/{cid}").text
    assert site.count(Distribution) == 0
    r = site.post("uni-admin", f"/licensing/contracts/{cid}/distribution", **data)
    assert r.status_code == 303 and r.headers["location"].endswith("#rewards")
    with session_scope(site.engine) as db:
        dist = db.scalars(select(Distribution)).one()
        assert (dist.gross_income, dist.costs, dist.net_income, dist.created_by) == (
            Decimal(100000), Decimal(10000), Decimal(90000), "uni-admin")
        shares = {(a["role"], a["name"]): Decimal(a["amount"]) for a in dist.allocations}
    assert sum(shares.values()) == Decimal(90000)
    assert shares[("staff", "王老师")] == Decimal("3150.00")  # 5 % of the 70 % reward of 90,000
    assert shares[("institution", "示范大学")] == Decimal("27000.00")
    page = site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    assert "王老师" in page and "27000.00" in page
    assert "王老师" not in site.client("enterprise").get(f"/licensing/contracts/{cid}").text


def test_distribution_preview_saves_nothing_and_bad_input_is_kept(site):
    cid = site.signed_contract()
    preview = site.post("uni-admin", f"/licensing/contracts/{cid}/distribution", gross_income="50000", costs="0",
                        team_share="50", staff_share="10", staff_points="王老师 3\n李老师 1", preview="1")
    assert preview.status_code == 200 and 'id="distribution-preview"' in preview.text
    assert '<tr data-role="staff"><td>' in preview.text and site.count(Distribution) == 0
    cases = [({"gross_income": "abc"}, "gross_income", "is not a number"),
             ({"costs": "200000"}, "costs", "exceed the gross income"),
             ({"team_share": "40"}, "team_share", "[team_share_floor]"),
             ({"staff_share": "2"}, "staff_share", "[staff_share_floor]"),
             ({"owners": "示范大学: 0.5\n张教授: 0.2"}, "distribution", "add up to"),
             ({"staff_points": "王老师: 3\n王老师: 4"}, "staff_points", "listed twice")]
    for extra, field, text in cases:
        data = {"gross_income": "50000", "costs": "1000", "team_share": "60", "staff_share": "5",
                "staff_points": "王老师: 3", **extra}
        r = site.post("uni-admin", f"/licensing/contracts/{cid}/distribution", **data)
        assert r.status_code == 400, extra
        found = errors(r)
        assert field in found and text in found[field], (extra, found)
        assert f'name="gross_income" value="{data["gross_income"]}"' in r.text
        assert f'>{data["staff_points"]}</textarea>' in r.text
    assert site.count(Distribution) == 0
    # 赋权: the individual owner's share first, and the institution's own rule may set the team share below 50 %
    r = site.post("uni-admin", f"/licensing/contracts/{cid}/distribution", gross_income="10000", costs="0",
                  team_share="40", staff_share="5", institution_rule="1", rule_source="本校办法第 12 条",
                  owners="示范大学: 0.3\n张教授: 0.7", staff_points="王老师: 1")
    assert r.status_code == 303
    with session_scope(site.engine) as db:
        dist = db.scalars(select(Distribution)).one()
        assert dist.rule["source"] == "本校办法第 12 条"
        owner = [a for a in dist.allocations if a["role"] == "owner"]
    assert owner == [{"role": "owner", "name": "张教授", "amount": "7000.00", "basis": "ownership share 0.7 (赋权)"}]


def test_distribution_form_waits_for_signing(site):
    with session_scope(site.engine) as db:
        draft = contract_service.create_contract(
            db_session=db, kind="licence", patent_ids=[site.patents[0]], licensor_name="示范大学",
            licensor_id=site.ids["uni"], licensee_name="新能科技有限公司", title="草稿")
        cid = draft.id
    page = site.client("uni-admin").get(f"/licensing/contracts/{cid}").text
    assert 'id="distribution-form"' not in page
    r = site.post("uni-admin", f"/licensing/contracts/{cid}/distribution", gross_income="10", team_share="50",
                  staff_share="5")
    assert r.status_code == 400 and "income is distributed once signed" in errors(r)["distribution"]


def test_no_csrf_no_write(site):
    did = site.declaration(status="published")
    client = site.client("enterprise")
    assert client.post(f"/licensing/open-licences/{did}/take", data={"notified_on": "2026-03-01"}).status_code == 403
    admin = site.client("uni-admin")
    assert admin.post("/licensing/contracts/new", data=_contract_form(site)).status_code == 403
    assert site.count(OpenLicence) == 0 and site.count(Contract) == 0
