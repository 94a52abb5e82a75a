"""Pure 统计 rules: rate metrics from fact sets, figures, Art. 45 classes, and the definition file."""

from decimal import Decimal

import pytest

from panhuo.reports import definitions, rules

DEFN = definitions.Definition(id="implementation_rate", group="use", kind="rate", zh="实施率", en="Implementation",
                              label="U", source="s", numerator=("a", "b"), denominator=("valid",),
                              variants=("invention",))


@pytest.mark.parametrize("facts, reasons, expected", [
    ({"valid": {1, 2, 3, 4}, "invention": {1, 2}, "a": {1}, "b": {2, 9}}, {}, (True, 0.5, 2, 4, None)),
    ({"valid": {1, 2}, "invention": set(), "a": None, "b": {2}}, {"a": "x gone"},
     (True, 0.5, 1, 2, "partial (lower bound): a: x gone")),
    ({"valid": {1, 2}, "invention": set(), "a": None, "b": None}, {"a": "no A", "b": "no B"},
     (False, None, None, None, "a: no A; b: no B")),
    ({"valid": None, "invention": set(), "a": {1}, "b": {1}}, {"valid": "no patents"},
     (False, None, None, None, "valid: no patents")),
    ({"valid": set(), "invention": set(), "a": set(), "b": set()}, {},
     (False, None, 0, 0, "no patents in the denominator (valid) in this scope")),
])
def test_rate_metric(facts, reasons, expected):
    m = rules.rate_metric(DEFN, facts, reasons)
    assert (m.available, m.value, m.numerator, m.denominator, m.reason) == expected


def test_variant_restricts_the_denominator_and_is_named():
    facts = {"valid": {1, 2, 3, 4}, "invention": {1, 2}, "a": {1, 3}, "b": set()}
    whole, inv = rules.rate_metrics(DEFN, facts, {})
    assert (whole.numerator, whole.denominator) == (2, 4)
    assert inv.id == "implementation_rate.invention" and inv.name == "实施率(发明)"
    assert (inv.numerator, inv.denominator, inv.value) == (1, 2, 0.5)
    assert inv.breakdown == {"a": 1, "b": 0}


@pytest.mark.parametrize("num, den, expected", [(1, 3, 0.3333), (0, 5, 0.0), (1, 0, None), (None, 2, None),
                                                (Decimal("50"), Decimal("200"), 0.25)])
def test_ratio(num, den, expected):
    assert rules.ratio(num, den) == expected


@pytest.mark.parametrize("share, institution_rule, expected", [
    (0.5, False, "statutory"), (0.7, False, "statutory"), (0.3, True, "institution_rule"),
    (0.3, False, "below_floor"), (None, False, "no_income"), (0.4999999999, False, "statutory"),
])
def test_art45_class(share, institution_rule, expected):
    assert rules.art45_class(share, floor=0.5, institution_rule=institution_rule) == expected


@pytest.mark.parametrize("allocations, net, expected", [
    ([{"role": "inventor", "amount": "45000"}, {"role": "staff", "amount": "5000"},
      {"role": "institution", "amount": "50000"}], Decimal(100000), 0.5),
    # 赋权: the individual owner's share comes off before the institution's part is split
    ([{"role": "owner", "amount": "60000"}, {"role": "inventor", "amount": "20000"},
      {"role": "institution", "amount": "20000"}], Decimal(100000), 0.5),
    ([], Decimal(0), None),
])
def test_reward_share(allocations, net, expected):
    assert rules.reward_share(allocations, net) == expected


def test_art45_summary_ignores_no_income():
    assert rules.art45_summary(["statutory", "below_floor", "no_income", "institution_rule"]) == (
        2, 3, {"below_floor": 1, "institution_rule": 1, "no_income": 1, "statutory": 1})


def test_by_mode_and_contract_mode():
    deals = [(rules.contract_mode("licence", None), Decimal(10), True), (rules.contract_mode("transfer", None),
             None, False), ("licence:ordinary", Decimal("5.5"), False)]
    assert rules.by_mode(deals) == {"licence:ordinary": {"count": 2, "value": 15.5, "recorded": 1, "not_recorded": 1},
                                    "transfer": {"count": 1, "value": 0.0, "recorded": 0, "not_recorded": 1}}


def test_figure_rate_with_zero_denominator_is_unavailable():
    defn = definitions.load().get("art45_compliance")
    m = rules.figure_metric(defn, None, numerator=0, denominator=0)
    assert not m.available and "denominator is 0" in m.reason


def test_packaged_definitions_are_complete():
    mset = definitions.load()
    assert {m.label for m in mset.metrics} <= set(definitions.LABELS)
    unconfirmed = [m for m in mset.metrics if m.label == "U"]
    assert {m.id for m in unconfirmed} == {"implementation_rate", "industrialisation_rate"}
    assert all("UNCONFIRMED" in m.notes for m in unconfirmed)
    assert mset.get("inventory_rate.invention").id == "inventory_rate"


@pytest.mark.parametrize("raw, message", [
    ({"groups": [{"id": "g"}], "metrics": [{"id": "x", "group": "g", "kind": "rate", "zh": "x", "en": "x",
                                             "label": "Q", "source": "s", "figure": "f"}]}, "evidence label"),
    ({"groups": [{"id": "g"}], "metrics": [{"id": "x", "group": "h", "kind": "rate", "zh": "x", "en": "x",
                                             "label": "I", "source": "s", "figure": "f"}]}, "unknown group"),
    ({"groups": [{"id": "g"}], "metrics": [{"id": "x", "group": "g", "kind": "rate", "zh": "x", "en": "x",
                                             "label": "I", "source": "s"}]}, "numerator and denominator"),
    ({"groups": [{"id": "g"}], "metrics": [{"id": "x", "group": "g", "kind": "rate", "zh": "x", "en": "x",
                                             "label": "I"}]}, "'source' is required"),
])
def test_bad_definitions_are_refused(raw, message):
    with pytest.raises(definitions.DefinitionError, match=message):
        definitions.parse(raw)
