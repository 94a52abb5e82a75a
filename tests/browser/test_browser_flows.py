"""Real-browser flows (Debian chromium via Playwright): sign-in per role, the self-assessment and its review,
the library and feedback, isolation. Screenshots of the main pages go to docs/screenshots/."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username,landing,marker", [
    ("operator", "/", "我的待办"),
    ("uni-admin", "/", "我的待办"),
    ("dept-reviewer", "/", "我的待办"),
    ("inventor", "/", "我的待办"),
    ("enterprise", "/library", "专利资源库"),
])
def test_sign_in_per_role(server, sign_in, username, landing, marker):
    page = sign_in(username)
    assert page.url == server + landing
    assert marker in page.content()


def test_wrong_password_shows_an_error(server, browser):
    page = browser.new_page()
    page.goto(server + "/login")
    page.fill("input[name=username]", "inventor")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误"
    page.close()


def test_inventor_fills_reviewer_returns_then_everyone_approves(server, sign_in, shot):
    inventor = sign_in("inventor")
    inventor.click("table.list a >> nth=0")  # first task in the personal queue
    item_url = inventor.url
    inventor.select_option("#f-value_grade", "4")
    inventor.fill("#f-trl", "6")
    inventor.select_option("#f-willing", "yes")
    inventor.check("input[name=modes][value=licence_ordinary]")
    inventor.select_option("#f-implemented", "no")
    inventor.fill("#f-scenarios", "储能电站、电动汽车")
    inventor.fill("#f-asking_price", "30")
    inventor.click("#assessment button[type=submit]")
    assert inventor.locator("[role=status]").count() == 1
    shot(inventor, "self-assessment")
    inventor.click("button[data-step=submit]")
    assert inventor.locator("#item-status").inner_text() == "待学院审核"

    reviewer = sign_in("dept-reviewer")
    reviewer.goto(item_url)
    reviewer.fill("form:has(button[data-step=department_return]) textarea", "请补充实施情况")
    reviewer.click("button[data-step=department_return]")
    assert reviewer.locator("#item-status").inner_text() == "退回修改"
    shot(reviewer, "review-returned")

    inventor.goto(item_url)
    assert "请补充实施情况" in inventor.content()
    inventor.fill("#f-implementation_note", "尚未实施")
    inventor.click("#assessment button[type=submit]")
    inventor.click("button[data-step=submit]")
    reviewer.goto(item_url)
    reviewer.click("button[data-step=department_approve]")
    assert reviewer.locator("#item-status").inner_text() == "待学校审核"

    admin = sign_in("uni-admin")
    admin.goto(item_url)
    admin.click("button[data-step=institution_approve]")
    assert admin.locator("#item-status").inner_text() == "已入库"


def test_enterprise_browses_library_and_gives_feedback(server, sign_in, shot):
    page = sign_in("enterprise")
    shot(page, "library")
    page.click(".cards article a >> nth=0")
    assert "企业评价" in page.content()
    page.select_option("select[name=prospect]", "4")
    page.fill("textarea[name=improvement_need]", "希望提供中试数据")
    page.click("form[action$=feedback] button")
    assert "评价已提交" in page.locator("[role=status]").inner_text()
    shot(page, "library-patent")


def test_enterprise_cannot_open_an_unpublished_patent(server, sign_in):
    admin = sign_in("uni-admin")
    admin.goto(server + "/patents")
    hrefs = admin.eval_on_selector_all("table.list a", "els => els.map(e => e.getAttribute('href'))")
    unpublished = None
    for href in hrefs:
        admin.goto(server + href)
        if "未发布" in admin.content():
            unpublished = href
            break
    assert unpublished is not None
    page = sign_in("enterprise")
    response = page.goto(server + unpublished)
    assert response.status == 404
    assert "未找到" in page.content()
    response = page.goto(server + "/api/v1/patents" + unpublished.removeprefix("/patents"))
    assert response.status == 401  # the API needs a token; a browser session is not enough


def test_screenshots_of_main_pages(server, sign_in, shot):
    admin = sign_in("uni-admin")
    for path, name in [("/patents", "patents"), ("/campaigns/1", "campaign"), ("/dashboard", "dashboard-institution"),
                       ("/patents/1", "patent")]:
        admin.goto(server + path)
        shot(admin, name)
    operator = sign_in("operator")
    operator.goto(server + "/dashboard")
    shot(operator, "dashboard-operator")
    phone = sign_in("inventor", width=390)
    phone.goto(server + "/campaigns/1")
    shot(phone, "campaign-phone")
    login = sign_in("enterprise")
    login.goto(server + "/lang/en?next=/library")
    shot(login, "library-en")


def test_enterprise_posts_a_demand_and_sees_matches_then_university_answers(server, sign_in, shot):
    page = sign_in("enterprise")
    page.goto(server + "/demands")
    page.fill("#post-demand input[name=title]", "寻求锂离子电池正极材料技术")
    page.fill("#post-demand textarea[name=text]", "需要高能量密度锂离子电池正极材料的制备工艺，可许可或转让")
    page.fill("#post-demand input[name=budget_wan]", "80")
    page.click("#post-demand button")
    assert page.locator("#matches li a").count() >= 1
    assert "/library/" in page.locator("#matches li a >> nth=0").get_attribute("href")
    demand_url = page.url
    page.locator("#matches details >> nth=0").evaluate("d => d.open = true")
    shot(page, "demand-matches")

    admin = sign_in("uni-admin")
    admin.goto(demand_url)
    admin.fill("form[action*=answer] textarea[name=message]", "可提供中试样品，欢迎洽谈")
    admin.check("form[action*=answer] input[name=patent_ids] >> nth=0")
    admin.click("form[action*=answer] button[value=proposal]")
    assert "推荐专利" in admin.content()
    page.reload()
    assert "可提供中试样品" in page.content()
