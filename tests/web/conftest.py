"""A running app on a fresh, seeded database (SQLite and PostgreSQL) and signed-in clients per demo role."""

from __future__ import annotations

import re
import warnings

import pytest
from sqlalchemy import select

from panhuo.config import get_settings
from panhuo.db import get_engine, session_scope
from panhuo.web.demo import DEMO_PASSWORD, seed_demo

warnings.filterwarnings("ignore", category=DeprecationWarning)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class World:
    """The app, ids of interesting records, and helpers to sign in."""

    def __init__(self, db_url: str, tmp_path):
        from fastapi.testclient import TestClient

        from panhuo.web.app import create_app

        self.engine = get_engine(db_url)
        with session_scope(self.engine) as db:
            self.accounts = seed_demo(db, patents=12)
            self.ids = _ids(db)
        settings = get_settings(workspace=tmp_path, db=db_url)
        settings.secret_key = "test-secret-key-" + "x" * 32
        self.app = create_app(settings)
        self._client = TestClient

    def client(self, username: str | None = None):
        client = self._client(self.app)
        if username:
            page = client.get("/login")
            r = client.post("/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                            "password": DEMO_PASSWORD, "next": "/"}, follow_redirects=False)
            assert r.status_code == 303, r.text
        return client

    @staticmethod
    def csrf(client) -> str:
        """The CSRF token of the client's session (from any page with a form)."""
        return csrf_of(client.get("/login").text)

    def token(self, username: str) -> dict:
        from panhuo.accounts import service as accounts_service

        with session_scope(self.engine) as db:
            user = accounts_service.get_user_by_username(db_session=db, username=username)
            _, clear = accounts_service.create_api_token(db_session=db, user=user, name="test")
        return {"Authorization": f"Bearer {clear}"}


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def _ids(db) -> dict:
    from panhuo.accounts.models import Organisation
    from panhuo.inventory.models import InventoryCampaign, InventoryItem, LibraryPublication
    from panhuo.patents.models import Patent

    uni = db.scalars(select(Organisation).where(Organisation.name == "示范大学")).one()
    inst = db.scalars(select(Organisation).where(Organisation.name == "示范研究院")).one()
    published = set(db.scalars(select(LibraryPublication.patent_id)))
    uni_patents = db.scalars(select(Patent.id).where(Patent.institution_id == uni.id).order_by(Patent.id)).all()
    campaign = db.scalars(select(InventoryCampaign)).one()
    item = db.scalars(select(InventoryItem).where(InventoryItem.inventor_user_id.is_not(None))
                      .order_by(InventoryItem.id)).first()
    return {"uni": uni.id, "inst": inst.id, "campaign": campaign.id, "item": item.id,
            "uni_pub": next(p for p in uni_patents if p in published),
            "uni_unpub": next(p for p in uni_patents if p not in published),
            "inst_patent": db.scalars(select(Patent.id).where(Patent.institution_id == inst.id)).first()}


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return World(db_url, tmp_path)
