"""Organisation kinds (accounts' roles live beside them once the accounts feature adds users)."""

from enum import StrEnum


class OrgKind(StrEnum):
    OPERATOR = "operator"  # 平台运营方 (provincial or city IP office / operator)
    UNIVERSITY = "university"  # 高校
    INSTITUTE = "institute"  # 科研机构
    HOSPITAL = "hospital"  # 医院
    DEPARTMENT = "department"  # 学院 / 研究所 inside an institution
    ENTERPRISE = "enterprise"  # 企业


INSTITUTION_KINDS = frozenset({OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.HOSPITAL})


class Role(StrEnum):
    """What a member may do inside the organisation of the membership."""

    OPERATOR_ADMIN = "operator_admin"  # 平台运营方管理员
    INSTITUTION_ADMIN = "institution_admin"  # 学校/院所管理员 (学校审核)
    DEPARTMENT_REVIEWER = "department_reviewer"  # 学院审核人
    INVENTOR = "inventor"  # 发明人
    ENTERPRISE_USER = "enterprise_user"  # 企业用户


ROLE_ZH = {
    Role.OPERATOR_ADMIN: "运营方管理员",
    Role.INSTITUTION_ADMIN: "单位管理员",
    Role.DEPARTMENT_REVIEWER: "学院审核人",
    Role.INVENTOR: "发明人",
    Role.ENTERPRISE_USER: "企业用户",
}

# Which organisation kinds a role may be held in.
ROLE_ORG_KINDS = {
    Role.OPERATOR_ADMIN: frozenset({OrgKind.OPERATOR}),
    Role.INSTITUTION_ADMIN: INSTITUTION_KINDS,
    Role.DEPARTMENT_REVIEWER: frozenset({OrgKind.DEPARTMENT}),
    Role.INVENTOR: INSTITUTION_KINDS | {OrgKind.DEPARTMENT},
    Role.ENTERPRISE_USER: frozenset({OrgKind.ENTERPRISE}),
}
