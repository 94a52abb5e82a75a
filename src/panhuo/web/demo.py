"""Demo workspace: organisations, one account per role, a few synthetic patents, a campaign, publications.

Every record made here is marked synthetic (patents ``synthetic=True``, users ``synthetic=True``) and the
UI labels them. Titles are assembled from short technical fragments at run time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.accounts.enums import OrgKind, Role
from panhuo.accounts.models import User
from panhuo.inventory import access
from panhuo.inventory import service as inventory_service
from panhuo.patents.models import LegalEvent, Party, Patent, PatentParty

DEMO_PASSWORD = "panhuo-demo-2024"

_SUBJECTS = ["锂离子电池正极材料", "柔性传感器", "农作物病害图像识别", "中药有效成分提取", "污水脱氮",
             "钢结构焊缝检测", "茶叶采摘机械臂", "海水淡化膜", "光伏组件清洗", "肿瘤早筛标志物"]
_FORMS = ["一种{}的制备方法", "基于深度学习的{}系统", "{}装置及其使用方法", "用于{}的复合材料"]
_IPC = ["H01M4/36", "G01L1/18", "G06V20/10", "A61K36/00", "C02F3/30", "G01N29/04", "A01D46/30",
        "B01D69/12", "H02S40/10", "G01N33/574"]

ACCOUNTS = [  # username, display name, role, organisation key
    ("operator", "省知识产权运营中心 管理员", Role.OPERATOR_ADMIN, "operator"),
    ("uni-admin", "示范大学 科技处", Role.INSTITUTION_ADMIN, "university"),
    ("dept-reviewer", "材料学院 审核人", Role.DEPARTMENT_REVIEWER, "dept_materials"),
    ("inventor", "张教授 (发明人)", Role.INVENTOR, "dept_materials"),
    ("enterprise", "新能科技有限公司", Role.ENTERPRISE_USER, "enterprise"),
    ("uni2-admin", "示范研究院 管理员", Role.INSTITUTION_ADMIN, "institute"),
]


@lru_cache(maxsize=4)
def _password_hash(password: str) -> str:
    return accounts_service.hash_password(password)


def _organisations(db_session: Session) -> dict:
    get = accounts_service.get_or_create_organisation
    orgs = {"operator": get(db_session=db_session, name="示范省知识产权运营中心", kind=OrgKind.OPERATOR,
                            name_en="Demo Provincial IP Operations Centre", region_code="330000"),
            "university": get(db_session=db_session, name="示范大学", kind=OrgKind.UNIVERSITY,
                              name_en="Demo University", region_code="330100", fee_reduction_eligible=True),
            "institute": get(db_session=db_session, name="示范研究院", kind=OrgKind.INSTITUTE,
                             name_en="Demo Research Institute", region_code="330200"),
            "enterprise": get(db_session=db_session, name="新能科技有限公司", kind=OrgKind.ENTERPRISE,
                              name_en="Xinneng Technology Co.", region_code="330100")}
    uni = orgs["university"].id
    orgs["dept_materials"] = get(db_session=db_session, name="材料学院", kind=OrgKind.DEPARTMENT, parent_id=uni,
                                 name_en="School of Materials")
    orgs["dept_info"] = get(db_session=db_session, name="信息学院", kind=OrgKind.DEPARTMENT, parent_id=uni,
                            name_en="School of Information")
    return orgs


def _user(db_session: Session, username: str, display: str) -> User:
    user = accounts_service.get_user_by_username(db_session=db_session, username=username)
    if user is None:
        user = User(username=username, display_name=display, password_hash=_password_hash(DEMO_PASSWORD),
                    synthetic=True)
        db_session.add(user)
        db_session.flush()
    return user


def _patents(db_session: Session, orgs: dict, count: int, rng: random.Random) -> list[Patent]:
    depts = [orgs["dept_materials"].id, orgs["dept_info"].id]
    made = []
    for i in range(count):
        owner = orgs["institute"] if i % 5 == 4 else orgs["university"]
        app_no = f"CN2021{10000000 + i:08d}.X"
        patent = db_session.scalars(select(Patent).where(Patent.application_no == app_no)).first()
        if patent is None:
            subject = _SUBJECTS[i % len(_SUBJECTS)]
            filing = date(2015, 1, 1) + timedelta(days=rng.randint(0, 2900))
            pending = i % 7 == 0
            patent = Patent(application_no=app_no, patent_type="invention" if i % 3 else "utility_model",
                            title=rng.choice(_FORMS).format(subject),
                            legal_status="pending" if pending else "valid",
                            abstract=f"本发明公开了{subject}相关技术方案，(合成示例记录)。",
                            filing_date=filing, grant_date=None if pending else filing + timedelta(days=700),
                            ipc_main=_IPC[i % len(_IPC)], ipc_all=[_IPC[i % len(_IPC)]],
                            region_code=owner.region_code, institution_id=owner.id,
                            department_id=depts[i % 2] if owner is orgs["university"] else None,
                            synthetic=True)
            db_session.add(patent)
            db_session.flush()
            _parties(db_session, patent, owner.name, i)
        made.append(patent)
    return made


def _parties(db_session: Session, patent: Patent, owner: str, i: int) -> None:
    for role, name, pos in (("applicant", owner, 0), ("inventor", "张教授", 0), ("inventor", f"研究生{i}", 1)):
        key = f"demo:{name}"
        party = db_session.scalars(select(Party).where(Party.key == key)).first()
        if party is None:
            party = Party(name=name, key=key, kind="university" if role == "applicant" else "individual")
            db_session.add(party)
            db_session.flush()
        db_session.add(PatentParty(patent_id=patent.id, party_id=party.id, role=role, position=pos, raw_name=name))
    if patent.grant_date:
        db_session.add(LegalEvent(patent_id=patent.id, event_date=patent.grant_date, kind="grant",
                                  description="授权 (合成示例)"))
    db_session.flush()


def seed_demo(db_session: Session, *, patents: int = 24, seed: int = 7) -> list[dict]:
    """Create the demo organisations, one account per role, synthetic patents, a campaign and publications.

    Safe to run twice. Returns the accounts as ``[{"username", "password", "role", "organisation"}]``.
    """
    rng = random.Random(seed)
    orgs = _organisations(db_session)
    users = {}
    for username, display, role, org_key in ACCOUNTS:
        users[username] = _user(db_session, username, display)
        accounts_service.add_membership(db_session=db_session, user=users[username], organisation=orgs[org_key],
                                        role=role)
    made = _patents(db_session, orgs, patents, rng)
    admin = accounts_service.principal_for(db_session=db_session, user=users["uni-admin"])
    if not inventory_service.list_campaigns(db_session=db_session, principal=admin):
        campaign = inventory_service.create_campaign(
            db_session=db_session, principal=admin, institution_id=orgs["university"].id,
            name="2024年度存量专利盘点", deadline=date.today() + timedelta(days=5))
        inventory_service.add_scope(db_session=db_session, principal=admin, campaign=campaign)
        for item in campaign.items:
            if item.department_id == orgs["dept_materials"].id:
                item.inventor_user_id = users["inventor"].id
        for patent in made[:6]:
            if patent.institution_id == orgs["university"].id:
                access.publish(db_session=db_session, principal=admin, patent=patent, open_licence=patent.id % 2 == 0)
    db_session.flush()
    return [{"username": u, "password": DEMO_PASSWORD, "role": str(role), "organisation": orgs[k].name}
            for u, _, role, k in ACCOUNTS]
