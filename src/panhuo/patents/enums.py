"""Vocabularies of the patent record."""

from enum import StrEnum


class PatentType(StrEnum):
    INVENTION = "invention"  # 发明
    UTILITY_MODEL = "utility_model"  # 实用新型
    DESIGN = "design"  # 外观设计


PATENT_TYPE_ZH = {PatentType.INVENTION: "发明", PatentType.UTILITY_MODEL: "实用新型", PatentType.DESIGN: "外观设计"}

# Statutory terms from the filing date (专利法 Art. 42).
TERM_YEARS = {PatentType.INVENTION: 20, PatentType.UTILITY_MODEL: 10, PatentType.DESIGN: 15}


class LegalStatus(StrEnum):
    """Normalised legal status; the raw vendor string is kept beside it."""

    PENDING = "pending"  # 审中 (公开/实质审查)
    VALID = "valid"  # 有权
    LAPSED = "lapsed"  # 失效: 未缴年费终止 / 放弃
    EXPIRED = "expired"  # 期限届满
    WITHDRAWN = "withdrawn"  # 撤回 / 视为撤回
    REJECTED = "rejected"  # 驳回
    INVALIDATED = "invalidated"  # 全部无效
    UNKNOWN = "unknown"


class PartyRole(StrEnum):
    APPLICANT = "applicant"  # 申请人 (at filing)
    PATENTEE = "patentee"  # 当前权利人
    INVENTOR = "inventor"  # 发明人


class PartyKind(StrEnum):
    UNIVERSITY = "university"  # 高校
    INSTITUTE = "institute"  # 科研机构
    HOSPITAL = "hospital"  # 医院
    ENTERPRISE = "enterprise"  # 企业
    INDIVIDUAL = "individual"  # 个人
    GOVERNMENT = "government"  # 机关团体
    UNKNOWN = "unknown"


class EventKind(StrEnum):
    GRANT = "grant"
    TRANSFER = "transfer"  # 专利权的转移
    LICENCE = "licence"  # 专利实施许可合同备案
    OPEN_LICENCE = "open_licence"  # 开放许可声明
    PLEDGE = "pledge"  # 专利权质押
    PLEDGE_RELEASE = "pledge_release"
    INVALIDATION = "invalidation"  # 无效宣告
    REEXAMINATION = "reexamination"  # 复审
    LAPSE = "lapse"  # 未缴年费终止 / 放弃
    RESTORATION = "restoration"  # 权利恢复
    EXPIRY = "expiry"
    OTHER = "other"
