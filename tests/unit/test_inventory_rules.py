"""The review chain, the self-assessment form coercion and 盘点率 (pure rules)."""

from datetime import date

import pytest

from panhuo.inventory import rules, vocabulary

FIELDS = vocabulary.fields()


@pytest.mark.parametrize("status,step,comment,target", [
    ("assigned", "submit", "", "submitted"),
    ("returned", "submit", "", "submitted"),
    ("submitted", "department_approve", "", "department_approved"),
    ("submitted", "department_return", "补充应用场景", "returned"),
    ("department_approved", "institution_approve", "", "accepted"),
    ("department_approved", "institution_return", "价格过高", "returned"),
])
def test_allowed_review_steps(status, step, comment, target):
    assert rules.check_transition(status, step, comment).target == target


@pytest.mark.parametrize("status,step,comment,message", [
    ("assigned", "department_approve", "", "cannot"),
    ("accepted", "submit", "", "cannot"),
    ("submitted", "institution_approve", "", "cannot"),
    ("submitted", "department_return", "  ", "needs a comment"),
    ("department_approved", "institution_return", "", "needs a comment"),
    ("assigned", "explode", "", "unknown"),
])
def test_refused_review_steps(status, step, comment, message):
    with pytest.raises(rules.TransitionError, match=message):
        rules.check_transition(status, step, comment)


@pytest.mark.parametrize("raw,expected", [
    ({"value_grade": "转化前景较好"}, {"value_grade": 4}),
    ({"value_grade": "3"}, {"value_grade": 3}), ({"value_grade": 5}, {"value_grade": 5}),
    ({"trl": "6"}, {"trl": 6}),
    ({"trl": 7.0}, {"trl": 7}),
    ({"willing": "是", "free_trial": "否"}, {"willing": True, "free_trial": False}),
    ({"modes": "转让、开放许可"}, {"modes": ["open_licence", "transfer"]}),
    ({"modes": ["licence_ordinary"]}, {"modes": ["licence_ordinary"]}),
    ({"asking_price": "12.5"}, {"asking_price": 12.5}),
    ({"scenarios": "  储能电站  ", "unknown": 1}, {"scenarios": "储能电站"}),
    ({"trl": "", "scenarios": None}, {}),
])
def test_clean_assessment_coerces(raw, expected):
    clean, errors = rules.clean_assessment(raw, FIELDS)
    assert errors == {} and clean == expected


@pytest.mark.parametrize("raw,field,message", [
    ({"trl": "10"}, "trl", "between"),
    ({"trl": "6.5"}, "trl", "whole"),
    ({"trl": "high"}, "trl", "number"),
    ({"value_grade": "excellent"}, "value_grade", "one of"),
    ({"willing": "maybe"}, "willing", "是 or 否"),
    ({"asking_price": "-1"}, "asking_price", "between"),
])
def test_clean_assessment_reports_each_bad_field(raw, field, message):
    clean, errors = rules.clean_assessment({**raw, "scenarios": "ok"}, FIELDS)
    assert message in errors[field]
    assert clean == {"scenarios": "ok"}  # the good field is kept


def test_missing_required_asks_for_modes_when_willing():
    values = {"value_grade": 4, "trl": 5, "willing": True, "implemented": False}
    assert rules.missing_required(values, FIELDS) == ["modes"]
    assert rules.missing_required({**values, "modes": ["transfer"]}, FIELDS) == []
    assert set(rules.missing_required({}, FIELDS)) == {"value_grade", "trl", "willing", "implemented"}


@pytest.mark.parametrize("accepted,total,rate", [(0, 0, None), (0, 4, 0.0), (3, 4, 0.75), (4, 4, 1.0)])
def test_inventory_rate(accepted, total, rate):
    assert rules.inventory_rate(accepted, total) == rate


@pytest.mark.parametrize("status,deadline,today,overdue,remind", [
    ("assigned", date(2024, 6, 30), date(2024, 7, 1), True, True),
    ("returned", date(2024, 6, 30), date(2024, 6, 25), False, True),
    ("assigned", date(2024, 6, 30), date(2024, 6, 1), False, False),
    ("submitted", date(2024, 6, 30), date(2024, 7, 1), False, False),
    ("assigned", None, date(2024, 7, 1), False, False),
])
def test_overdue_and_reminders(status, deadline, today, overdue, remind):
    assert rules.is_overdue(status, deadline, today) is overdue
    assert rules.needs_reminder(status, deadline, today) is remind
