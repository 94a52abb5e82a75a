"""Which evaluation results count as a change of grade or disposition (pure)."""

import pytest

from panhuo.valuation.audit import change

CASES = [
    # previous (hash, grade, disposition), new grade, new disposition, expected before or None (no change)
    (None, "三级", "转化运用", {"grade": None, "disposition": None}),
    (("h", "三级", "转化运用"), "三级", "转化运用", None),
    (("h", "三级", "转化运用"), "二级", "转化运用", {"grade": "三级", "disposition": "转化运用"}),
    (("h", "三级", "转化运用"), "三级", "开放许可", {"grade": "三级", "disposition": "转化运用"}),
    (("other-hash", "四级", "技术保护"), "四级", "技术保护", None),  # new inputs, same result: no event
]


@pytest.mark.parametrize(("previous", "grade", "disposition", "before"), CASES)
def test_change(previous, grade, disposition, before):
    found = change(previous, grade, disposition)
    if before is None:
        assert found is None
    else:
        assert found == {"before": before, "after": {"grade": grade, "disposition": disposition}}
