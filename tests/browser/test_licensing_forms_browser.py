"""The licensing forms in a real browser: the institution declares an open licence from the patent page, files
and publishes it; an enterprise takes the licence; the institution records the payment and later terminates the
licence, which the enterprise sees. And a campaign item that reached 'licensed' has its automatic draft contract
completed through the prefilled form (one item, one contract)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "licensing"))
from webseed import CAMPAIGN, seed_campaign

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, serve):
    """A demo workspace with a campaign (seeded through the services), served by uvicorn."""
    from sqlalchemy import select

    from panhuo.db import get_engine, migrate, session_scope
    from panhuo.patents.models import Patent

    workspace = tmp_path_factory.mktemp("licensing-forms-ws")
    url = f"sqlite:///{workspace / 'panhuo.db'}"
    engine = get_engine(url)
    migrate(engine)
    with session_scope(engine) as db:
        ids = seed_campaign(db, patents=24)
        pushed = set(ids["items"])
        from panhuo.licensing.models import PushItem

        in_campaign = {i.patent_id for i in db.scalars(select(PushItem).where(PushItem.id.in_(pushed)))}
        ids["patent"] = next(p.id for p in db.scalars(
            select(Patent).where(Patent.institution_id == ids["uni"], Patent.legal_status == "valid",
                                 Patent.patent_type == "invention").order_by(Patent.id)) if p.id not in in_campaign)
    with serve(workspace, url) as base:
        yield base, ids


@pytest.fixture
def server(seeded):
    """Overrides the shared server for this module (``sign_in`` then signs in here)."""
    return seeded[0]


def test_declare_publish_take_and_record_payment(server, seeded, sign_in, shot):
    ids = seeded[1]
    admin = sign_in("uni-admin")
    admin.goto(f"{server}/patents/{ids['patent']}")
    with admin.expect_navigation():
        admin.click("#licensing-links >> text=开放许可")
    assert admin.locator("#checks tr[data-check=granted_and_valid]").get_attribute("data-ok") == "1"
    admin.select_option("select[name=fee_mode]", "lump_sum")
    admin.fill("input[name=lump_sum]", "abc")  # a typing error first: refused next to the field, nothing lost
    admin.fill("input[name=term_end]", "2030-12-31")
    admin.fill("textarea[name=other_terms]", "许可人提供必要的技术资料")
    for box in admin.locator("input[name=consenting_owners]").all():
        box.check()
    with admin.expect_navigation():
        admin.click("#save-declaration")
    assert "is not a number" in admin.locator("#err-lump_sum").inner_text()
    assert admin.input_value("input[name=term_end]") == "2030-12-31"
    assert admin.input_value("textarea[name=other_terms]") == "许可人提供必要的技术资料"
    shot(admin, "declaration-form")
    admin.fill("input[name=lump_sum]", "50000")
    with admin.expect_navigation():
        admin.click("#save-declaration")
    card = admin.locator("section[id^=declaration-][data-status=draft]").first
    with admin.expect_navigation():
        card.locator("button:has-text('提交国知局')").click()
    card = admin.locator("section[id^=declaration-][data-status=filed]").first
    card.locator("input[name=cnipa_ref]").fill("开放许可公告 2026-001")
    with admin.expect_navigation():
        card.locator("button:has-text('登记公告')").click()
    assert admin.locator("section[id^=declaration-][data-status=published]").count() == 1
    assert admin.locator("[role=alert]").count() == 0

    company = sign_in("enterprise")
    company.goto(server + "/licensing/open-licences")
    row = company.locator("#open-licences tr", has_text="开放许可公告 2026-001")
    assert "50,000.00" in row.inner_text()
    with company.expect_navigation():
        row.locator("button:has-text('取得许可')").click()
    assert company.locator("#my-licences tr[data-status=notified]").count() == 1
    shot(company, "open-licences")

    admin.goto(server + "/licensing/declarations")
    licence = admin.locator("tr[id^=licence-][data-status=notified]").first
    assert "新能科技有限公司" in licence.inner_text()
    with admin.expect_navigation():
        licence.locator("button:has-text('登记付费')").click()
    assert admin.locator("tr[id^=licence-][data-status=paid]").count() == 1
    with admin.expect_navigation():
        admin.locator("tr[id^=licence-][data-status=paid] button:has-text('登记生效')").click()
    effective = admin.locator("tr[id^=licence-][data-status=effective]").first
    assert effective.locator("td").nth(5).inner_text().strip()  # the 备案 deadline is shown
    shot(admin, "declarations")
    # the institution terminates the licence with a reason; the enterprise sees both
    effective.locator("input[name=reason]").fill("被许可人未按期支付使用费")
    with admin.expect_navigation():
        effective.locator("button:has-text('终止许可')").click()
    assert "被许可人未按期支付使用费" in admin.locator("tr[id^=licence-][data-status=terminated]").inner_text()
    company.goto(server + "/licensing/open-licences")
    mine = company.locator("#my-licences tr[data-status=terminated]")
    assert "被许可人未按期支付使用费" in mine.inner_text() and "已终止" in mine.inner_text()


def test_contract_from_a_licensed_campaign_item(server, seeded, sign_in, shot):
    ids = seeded[1]
    page = sign_in("operator")
    page.goto(f"{server}/licensing/campaigns/{ids['campaign']}")
    assert CAMPAIGN in page.inner_text("h1")
    row = f"#item-{ids['item']}"
    for label in ("标记有意向", "开始免费试用"):
        with page.expect_navigation():
            page.click(f"{row} >> text={label}")
    page.fill(f"{row} input[name=price]", "80000")
    with page.expect_navigation():
        page.click(f"{row} >> button:has-text('达成许可')")
    assert page.get_attribute(row, "data-status") == "licensed"
    assert page.locator(f"{row} a[href^='/licensing/contracts/']").count() == 2  # the draft and 'complete it'
    with page.expect_navigation():
        page.click(f"#contract-from-item-{ids['item']}")  # 完善合同草稿: the automatic draft, not a second one
    assert page.url.endswith("/edit") and page.locator("#editing-contract").count() == 1
    assert page.input_value("input[name=price]") == "80000.00"
    assert page.input_value("textarea[name=patents]").startswith("CN")
    assert page.locator("select[name=licensee_id] option:checked").inner_text() == "示范电池材料有限公司"
    assert page.locator("#price-guidance").count() == 1
    page.select_option("select[name=kind]", "transfer")
    page.fill("input[name=team_share]", "40")  # below the statutory 50 %: refused next to the field
    with page.expect_navigation():
        page.click("#create-contract")
    assert "team_share_floor" in page.locator("#err-team_share").inner_text()
    assert page.input_value("input[name=price]") == "80000.00"
    shot(page, "contract-form")
    page.fill("input[name=team_share]", "70")
    page.check("input[name=publicity]")
    with page.expect_navigation():
        page.click("#create-contract")
    assert page.get_attribute("#contract-status", "data-status") == "publicity"
    assert "示范电池材料有限公司" in page.locator("#parties").inner_text()
    shot(page, "contract-new-from-item")
    page.goto(f"{server}/licensing/campaigns/{ids['campaign']}")  # still one contract, now in its 公示
    assert "公示中" in page.inner_text(row) and page.locator(f"#contract-from-item-{ids['item']}").count() == 0
