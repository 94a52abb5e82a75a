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
