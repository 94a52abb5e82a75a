"""Seed a demo workspace plus one 区域定向许可 campaign through the licensing services (web and browser tests)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from panhuo.accounts.models import Organisation
from panhuo.licensing import campaigns as campaign_service
from panhuo.patents.models import Patent
from panhuo.web.demo import seed_demo

CAMPAIGN = "示范省新能源定向许可"
ENTERPRISES = [
    {"name": "示范电池材料有限公司", "region_code": "330106", "industry_codes": "C3841",
     "needs": "锂离子电池正极材料 制备方法", "contact": "王经理"},
]


def seed_campaign(db, *, patents: int = 12) -> dict:
    """Demo accounts and patents, then a campaign of the demo university with one enterprise and its push list."""
    seed_demo(db, patents=patents)
    uni = db.scalars(select(Organisation).where(Organisation.name == "示范大学")).one()
    for patent in db.scalars(select(Patent).where(Patent.institution_id == uni.id)):
        if "电池" in patent.title:  # the demo has no industry library: the fallback reads patent.extra
            patent.extra = {**patent.extra, "industries": ["C3841"]}
    db.flush()
    campaign = campaign_service.create_campaign(db_session=db, name=CAMPAIGN, region_codes=["330100"],
                                                institution_ids=[uni.id], trial_months=3, push_size=3,
                                                actor="seed")
    campaign_service.add_enterprises(db_session=db, campaign_id=campaign.id, rows=ENTERPRISES, actor="seed")
    campaign_service.build_push_lists(db_session=db, campaign_id=campaign.id, on=date(2025, 3, 1), actor="seed")
    items = campaign_service.push_items(db_session=db, campaign_id=campaign.id)
    assert items, "the seeded campaign must push at least one patent"
    return {"campaign": campaign.id, "item": items[0].id, "items": [i.id for i in items], "uni": uni.id}
