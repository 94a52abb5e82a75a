"""Legal status strings and legal events (法律事件 text, INPADOC codes)."""

from datetime import date

import pytest

from panhuo.patents.enums import EventKind, LegalStatus
from panhuo.patents.legal import (
    CodeInfo,
    kind_for_code,
    normalise_legal_status,
    parse_cn_legal_events,
    parse_date,
)


@pytest.mark.parametrize(("raw", "status"), [
    ("有权-审定授权", LegalStatus.VALID), ("有权", LegalStatus.VALID), ("授权", LegalStatus.VALID),
    ("有权-部分无效", LegalStatus.VALID), ("专利权维持", LegalStatus.VALID),
    ("审中-实质审查", LegalStatus.PENDING), ("审中-公开", LegalStatus.PENDING), ("实质审查", LegalStatus.PENDING),
    ("无权-未缴年费", LegalStatus.LAPSED), ("失效", LegalStatus.LAPSED), ("无权-放弃", LegalStatus.LAPSED),
    ("无权", LegalStatus.LAPSED), ("无权-期限届满", LegalStatus.EXPIRED), ("专利权有效期届满", LegalStatus.EXPIRED),
    ("无权-视为撤回", LegalStatus.WITHDRAWN), ("发明专利申请公布后的视为撤回", LegalStatus.WITHDRAWN),
    ("无权-驳回", LegalStatus.REJECTED), ("无权-全部无效", LegalStatus.INVALIDATED),
    ("Active", LegalStatus.VALID), ("Granted", LegalStatus.VALID), ("Pending", LegalStatus.PENDING),
    ("Expired - Fee Related", LegalStatus.LAPSED), ("Expired - Lifetime", LegalStatus.EXPIRED),
    ("Expired", LegalStatus.EXPIRED), ("Abandoned", LegalStatus.WITHDRAWN), ("Withdrawn", LegalStatus.WITHDRAWN),
    ("Ceased", LegalStatus.LAPSED), ("Revoked", LegalStatus.INVALIDATED), ("ＡＣＴＩＶＥ", LegalStatus.VALID),
    ("", LegalStatus.UNKNOWN), (None, LegalStatus.UNKNOWN), ("???", LegalStatus.UNKNOWN),
])
def test_normalise_legal_status(raw, status):
    assert normalise_legal_status(raw) == status


@pytest.mark.parametrize(("text", "value"), [
    ("2019-03-25", date(2019, 3, 25)), ("2019.03.25", date(2019, 3, 25)), ("20190325", date(2019, 3, 25)),
    ("2019年3月5日", date(2019, 3, 5)), ("2019/3/5", date(2019, 3, 5)), ("公告日 20191345 20190101", date(2019, 1, 1)),
    ("no date", None),
])
def test_parse_date(text, value):
    assert parse_date(text) == value


EVENTS = """2019-03-25 授权
2020-05-12 专利权的转移 IPC(主分类):G06F 16/00 变更事项:专利权人 变更前权利人:浙江大学 变更后权利人:杭州甲科技有限公司 登记生效日:20200512
2021.01.05 EE01 专利实施许可合同备案的生效 IPC(主分类):G06F 16/00 合同备案号:X2021330000123 让与人:浙江大学 受让人:杭州乙有限公司 许可种类:独占许可 备案日期:20201230
2022-06-01 专利权质押合同登记的生效;出质人:杭州甲科技有限公司;质权人:中国银行股份有限公司杭州分行;登记号:Y2022330000456;登记生效日:20220520
2022-09-01 专利权质押合同登记的注销 出质人:杭州甲科技有限公司 质权人:中国银行股份有限公司杭州分行 解除日:20220825
2022-11-11 专利实施许可合同备案的生效 让与人:浙江大学 受让人:杭州丙有限公司
20230110 未缴年费专利权终止 IPC(主分类):G06F 16/00 申请日:20150106 授权公告日:20170105 终止日期:20220106
2023-05-06 RA01 权利的恢复
2024-02-02 专利权的无效宣告 无效宣告请求人:某某公司 决定号:56789 审查决定:宣告专利权部分无效"""


def test_parses_every_event_kind_with_dates_and_counterparties():
    events = parse_cn_legal_events(EVENTS)
    got = [(e.kind, e.event_date, e.counterparty) for e in events]
    assert got == [
        ("grant", date(2019, 3, 25), None),
        ("transfer", date(2020, 5, 12), "杭州甲科技有限公司"),
        ("licence", date(2020, 12, 30), "杭州乙有限公司"),
        ("pledge", date(2022, 5, 20), "中国银行股份有限公司杭州分行"),
        ("pledge_release", date(2022, 9, 1), "中国银行股份有限公司杭州分行"),
        ("licence", date(2022, 11, 11), "杭州丙有限公司"),
        ("lapse", date(2022, 1, 6), None),
        ("restoration", date(2023, 5, 6), None),
        ("invalidation", date(2024, 2, 2), "某某公司"),
    ]
    transfer, licence, pledge, release, licence2 = events[1:6]
    assert transfer.details["from"] == "浙江大学"
    assert (licence.code, licence.details["licence_type"], licence.details["licensor"]) == ("EE01", "exclusive", "浙江大学")
    assert licence.details["contract_no"] == "X2021330000123"
    assert licence.details["announced"] == "2021-01-05"
    assert pledge.details["pledgor"] == "杭州甲科技有限公司"
    assert release.details["action"] == "cancelled"
    assert licence2.details["licence_type"] == "non_exclusive"  # unclear contract → 普通 (SPC Art. 25)
    assert licence2.details["licence_type_stated"] is False
    assert events[-1].details["result"] == "partial"


@pytest.mark.parametrize(("text", "kind"), [
    ("2020-01-01 专利申请权、专利权的转移", EventKind.TRANSFER),
    ("2020-01-01 专利实施许可合同备案的注销", EventKind.LICENCE),
    ("2024-03-01 专利开放许可声明", EventKind.OPEN_LICENCE),
    ("2020-01-01 专利权有效期届满", EventKind.EXPIRY),
    ("2020-01-01 专利权人放弃专利权", EventKind.LAPSE),
    ("2020-01-01 复审请求审查决定", EventKind.REEXAMINATION),
    ("2020-01-01 实质审查的生效", EventKind.OTHER),
    ("2020-01-01 CF01 Termination of patent right due to non-payment of annual fee", EventKind.LAPSE),
    ("2020-01-01 TR01 Transfer of patent right", EventKind.TRANSFER),
    ("2020-01-01 PC01 Cancellation of the registration of the contract for pledge", EventKind.PLEDGE_RELEASE),
])
def test_event_kind_from_title_or_code(text, kind):
    (event,) = parse_cn_legal_events(text)
    assert event.kind == kind


def test_empty_text_has_no_events():
    assert parse_cn_legal_events("") == []
    assert parse_cn_legal_events(None) == []


def test_code_table_extends_the_built_in_codes():
    table = {("DE", "R119"): CodeInfo("DE", "R119", "APPLICATION DEEMED WITHDRAWN, OR IP RIGHT LAPSED, DUE TO "
                                      "NON-PAYMENT OF RENEWAL FEE", "H"),
             ("EP", "26N"): CodeInfo("EP", "26N", "NO OPPOSITION FILED", "")}
    assert kind_for_code("CF01") == EventKind.LAPSE
    assert kind_for_code("R119", authority="DE", table=table) == EventKind.LAPSE
    assert kind_for_code("26N", authority="EP", table=table) == EventKind.OTHER
    assert kind_for_code("ZZ99") is None


def test_real_code_table_maps_the_common_cn_codes(require_data):
    require_data("epo-legal-event-codes")
    from panhuo.patents.legal_codes import load_code_table

    table = load_code_table()
    assert len(table) > 4000
    assert kind_for_code("AS", authority="US", table=table) == EventKind.TRANSFER
    assert kind_for_code("FP", authority="US", table=table) == EventKind.LAPSE
    assert {kind_for_code(c, table=table) for c in ("EE01", "PE01", "TR01", "C14")} == {
        EventKind.LICENCE, EventKind.PLEDGE, EventKind.TRANSFER, EventKind.GRANT}
