"""Shape checks of the licensing forms (pure): each bad value is reported on its own field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from panhuo.licensing import webforms as wf
from panhuo.licensing.rules import FieldError, LicensingError, Problem, RuleViolation
from panhuo.web.deps import FormData


def form(**values) -> FormData:
    return FormData([(k, v) for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])])


@pytest.mark.parametrize("raw,value,error", [
    ("2026-03-01", date(2026, 3, 1), None),
    ("2026-02-31", None, "is not a date"),
    ("0001-01-01", None, "use a year from 1985 to 2200"),
    ("", None, "is required"),
])
def test_day(raw, value, error):
    errors = wf.FormErrors()
    assert wf.day(form(on=raw), "on", errors) == value
    assert (error in errors.get("on", "")) if error else not errors


@pytest.mark.parametrize("raw,value,error", [
    ("80,000.50", Decimal("80000.50"), None),
    ("", None, None),
    ("八万", None, "is not a number"),
    ("-1", None, "out of range"),
    ("NaN", None, "out of range"),
    ("1e15", None, "out of range"),
])
def test_amount(raw, value, error):
    errors = wf.FormErrors()
    assert wf.amount(form(price=raw), "price", errors) == value
    assert (error in errors.get("price", "")) if error else not errors


@pytest.mark.parametrize("raw,value,error", [
    ("王老师: 60\n李老师：40", {"王老师": 60.0, "李老师": 40.0}, None),
    ("王老师 3\nJohn Smith 2\n张三", {"王老师": 3.0, "John Smith": 2.0, "张三": 1.0}, None),
    ("王老师: lots", {}, "is not 'name: number'"),
    ("王老师: 1\n王老师: 2", {"王老师": 2.0}, "listed twice"),
])
def test_weights(raw, value, error):
    errors = wf.FormErrors()
    assert wf.weights(form(points=raw), "points", errors, label="积分") == value
    assert (error in errors.get("points", "")) if error else not errors


def test_fee_terms_and_whole_numbers():
    errors = wf.FormErrors()
    terms = wf.fee_terms(form(fee_mode="royalty", royalty_pct="3.5", royalty_basis="profit",
                              payable_after_months="x"), errors)
    assert terms["royalty_pct"] == Decimal("3.5") and terms["royalty_basis"] == "profit"
    assert "whole number" in errors["payable_after_months"]
    errors = wf.FormErrors()
    assert wf.fee_terms(form(fee_mode=""), errors) is None and "fee_mode" in errors
    assert wf.fee_terms(form(fee_mode=""), wf.FormErrors(), required=False) is None
    assert wf.ids(form(x=["3", "a", "0", "12"]), "x") == [3, 12]


def test_place_puts_refusals_on_their_fields():
    errors = wf.FormErrors()
    wf.place(RuleViolation("rule", [Problem("team_share_floor", "low"), Problem("fee_cap", "high"),
                                    Problem("something_new", "odd")]), errors)
    assert errors == {"team_share": "[team_share_floor] low", "fee_mode": "[fee_cap] high",
                      "form": "[something_new] odd"}
    errors = wf.FormErrors()
    wf.place(FieldError("licensee", "who?"), errors)
    wf.place(LicensingError("plain"), errors, default="distribution")
    assert errors == {"licensee": "who?", "distribution": "plain"}


def test_an_unknown_royalty_basis_is_placed_on_its_own_field():
    errors = wf.FormErrors()
    wf.place(RuleViolation("fee terms", [Problem("royalty_basis", "unknown royalty basis 'gmv'")]), errors)
    assert errors == {"royalty_basis": "[royalty_basis] unknown royalty basis 'gmv'"}
