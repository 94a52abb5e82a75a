"""In a real browser: an institution admin takes a licence contract through 公示 → approval → signature and
records a payment; the licensee enterprise reads it on a phone-width screen without forms; an admin invites a
user who sets a password through the one-time link and signs in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

pytestmark = pytest.mark.browser
TITLE = "锂电正极材料制备方法普通许可"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, serve):
    """Demo accounts and patents plus one draft licence contract with a lump-sum payment, served by uvicorn."""
    from sqlalchemy import select

    from panhuo.accounts.models import Organisation
    from panhuo.db import get_engine, migrate, session_scope
    from panhuo.licensing import contracts as contract_service
    from panhuo.patents.models import Patent
    from panhuo.web.demo import seed_demo

    workspace = tmp_path_factory.mktemp("contracts-ws")
    url = f"sqlite:///{workspace / 'panhuo.db'}"
    engine = get_engine(url)
    migrate(engine)
    with session_scope(engine) as db:
        seed_demo(db, patents=12)
        orgs = {o.name: o for o in db.scalars(select(Organisation))}
        uni, ent = orgs["示范大学"], orgs["新能科技有限公司"]
        patent = db.scalars(select(Patent.id).where(Patent.institution_id == uni.id).order_by(Patent.id)).all()[1]
        contract = contract_service.create_contract(
            db_session=db, kind="licence", patent_ids=[patent], licensor_name=uni.name, licensor_id=uni.id,
            licensee_name=ent.name, licensee_id=ent.id, title=TITLE, price=Decimal(120000), actor="seed",
            term_start=date(2025, 3, 1), term_end=date(2030, 2, 28))
        contract_service.schedule_payment(db_session=db, contract_id=contract.id, kind="lump_sum",
                                          due_date=date(2025, 4, 1), amount_due=Decimal(120000), actor="seed")
        ids = {"contract": contract.id}
    with serve(workspace, url) as base:
        yield base, ids


@pytest.fixture
def server(seeded):
    return seeded[0]


def _submit(page, form_selector: str, button: str, **fields) -> None:
    for name, value in fields.items():
        page.fill(f"{form_selector} [name={name}]", value)
    with page.expect_navigation():
        page.click(f"{form_selector} >> button:has-text('{button}')")


def test_admin_signs_a_contract_and_records_a_payment_enterprise_reads_it(server, seeded, sign_in, shot):
    cid = seeded[1]["contract"]
    page = sign_in("uni-admin")
    page.goto(server + "/licensing/contracts")
    with page.expect_navigation():
        page.click(f"text={TITLE}")
    assert page.get_attribute("#contract-status", "data-status") == "draft"
    _submit(page, "form[action$='/move/publicity']", "开始公示", on="2025-01-02")
    assert page.get_attribute("#contract-status", "data-status") == "publicity"
    _submit(page, "form[action$='/move/approve']", "审批通过", on="2025-01-03")  # 公示 still running: refused
    assert "公示" in page.locator("[role=alert]").inner_text()
    assert page.get_attribute("#contract-status", "data-status") == "publicity"
    _submit(page, "form[action$='/move/approve']", "审批通过", on="2025-03-01")
    _submit(page, "form[action$='/move/sign']", "签订", on="2025-03-05")
    assert page.get_attribute("#contract-status", "data-status") == "signed"
    _submit(page, "form[action$='/receipts']", "登记到账", amount="50000", on="2025-04-01", reference="回单-001")
    row = page.locator("tr[id^=payment-]").first
    assert row.get_attribute("data-status") == "partial" and "回单-001" in row.inner_text()
    assert page.locator("#received-total").inner_text() == "50,000.00"
    assert page.locator("#reward-preview").count() == 1
    shot(page, "contract")
    page.goto(server + "/licensing/contracts")
    shot(page, "contracts")

    phone = sign_in("enterprise", width=390)
    phone.goto(server + f"/licensing/contracts/{cid}")
    assert phone.get_attribute("#contract-status", "data-status") == "signed"
    assert phone.locator("#rewards").count() == 0 and phone.locator("form[action*='/receipts']").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone, "contract-enterprise-phone")
    other = sign_in("uni2-admin")
    assert other.goto(server + f"/licensing/contracts/{cid}").status == 404


def test_admin_invites_a_user_who_sets_a_password_and_signs_in(server, sign_in, browser, shot):
    page = sign_in("uni-admin")
    page.goto(server + "/admin/users")
    page.fill("#invite [name=username]", "zhao.liu")
    page.fill("#invite [name=display_name]", "赵六")
    page.select_option("#invite [name=organisation_id]", label="信息学院 (department)")
    page.select_option("#invite [name=role]", "inventor")
    with page.expect_navigation():
        page.click("#invite button")
    link = page.locator("#password-link").inner_text().strip()
    assert "/password/" in link and page.locator("#user-zhao\\.liu").count() == 1
    shot(page, "users")
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="zh-CN")
    newcomer = context.new_page()
    newcomer.goto(link)
    newcomer.fill("[name=password]", "zhao-liu-2025")
    newcomer.fill("[name=confirm]", "zhao-liu-2025")
    with newcomer.expect_navigation():
        newcomer.click("button.primary")
    assert newcomer.locator("[role=status]").count() == 1
    newcomer.goto(server + "/login")
    newcomer.fill("input[name=username]", "zhao.liu")
    newcomer.fill("input[name=password]", "zhao-liu-2025")
    with newcomer.expect_navigation():
        newcomer.click("button[type=submit]")
    assert "/login" not in newcomer.url and "赵六" in newcomer.locator(".who").inner_text()
    context.close()
