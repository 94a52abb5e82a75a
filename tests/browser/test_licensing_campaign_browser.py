"""The operator runs one 区域定向许可 item through the campaign page in a real browser:
pushed → interested → free trial → licensed, and the funnel counts the licence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "licensing"))
from webseed import CAMPAIGN, seed_campaign

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, serve):
    """A demo workspace with a campaign seeded through the licensing services, served by uvicorn."""
    from panhuo.db import get_engine, migrate, session_scope

    workspace = tmp_path_factory.mktemp("licensing-ws")
    url = f"sqlite:///{workspace / 'panhuo.db'}"
    engine = get_engine(url)
    migrate(engine)
    with session_scope(engine) as db:
        ids = seed_campaign(db, patents=24)
    with serve(workspace, url) as base:
        yield base, ids


@pytest.fixture
def server(seeded):
    """Overrides the shared server for this module (``sign_in`` then signs in here)."""
    return seeded[0]


def test_operator_moves_item_to_licence(server, seeded, sign_in, shot):
    ids = seeded[1]
    page = sign_in("operator")
    page.goto(server + "/licensing/campaigns")
    with page.expect_navigation():
        page.click(f"text={CAMPAIGN}")
    row = f"#item-{ids['item']}"
    assert page.get_attribute(row, "data-status") == "pushed"
    with page.expect_navigation():
        page.click(f"{row} >> text=标记有意向")
    assert page.get_attribute(row, "data-status") == "interested"
    with page.expect_navigation():
        page.click(f"{row} >> text=开始免费试用")
    assert page.get_attribute(row, "data-status") == "trial"
    page.fill(f"{row} input[name=note]", "企业中试线试用两周，效果良好")
    with page.expect_navigation():
        page.click(f"{row} >> text=试用回访")
    page.fill(f"{row} input[name=price]", "80000")
    with page.expect_navigation():
        page.click(f"{row} >> button:has-text('达成许可')")
    assert page.get_attribute(row, "data-status") == "licensed"
    assert page.locator("[role=alert]").count() == 0
    overall = page.locator("#funnel tr[data-group=all]").first
    assert overall.locator(".n-licensed").inner_text() == "1"
    assert "企业中试线试用两周" in page.locator(row).inner_text()
    shot(page, "licensing-campaign")
