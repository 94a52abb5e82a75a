"""Income distribution: floors, points, 赋权 ownership, exact sums."""

from decimal import Decimal

import pytest

from panhuo.licensing import rewards
from panhuo.licensing.rewards import DistributionRule
from panhuo.licensing.rules import LicensingError, RuleViolation

D = Decimal
DEFAULT = DistributionRule(D("0.7"), D("0.05"), "test")


def _by(allocs, role):
    return {a.name: a.amount for a in allocs if a.role == role}


def test_default_split_inventors_staff_institution():
    allocs = rewards.distribute(D(100000), rule=DEFAULT, institution="U", inventors={"甲": 1, "乙": 1},
                                staff_points={"转移员": 10})
    assert _by(allocs, "staff") == {"转移员": D("3500.00")}  # 5 % of the 70,000 reward
    assert _by(allocs, "inventor") == {"甲": D("33250.00"), "乙": D("33250.00")}
    assert _by(allocs, "institution") == {"U": D("30000.00")}


def test_staff_share_follows_contribution_points():
    allocs = rewards.distribute(D(10000), rule=DEFAULT, institution="U", inventors={"甲": 1},
                                staff_points={"a": 3, "b": 1})
    assert _by(allocs, "staff") == {"a": D("262.50"), "b": D("87.50")}


@pytest.mark.parametrize("net", [D("0"), D("0.01"), D("100.03"), D("99999.99"), D("1234567.89")])
def test_parts_add_up_to_the_fen(net):
    allocs = rewards.distribute(net, rule=DEFAULT, institution="U", inventors={"a": 1, "b": 1, "c": 1},
                                staff_points={"x": 1, "y": 2}, owners=None)
    assert sum(a.amount for a in allocs) == net


def test_ownership_shares_under_the_empowerment_reform():
    allocs = rewards.distribute(D(100000), rule=DEFAULT, institution="U", inventors={"甲": 1},
                                staff_points={"s": 1}, owners={"U": 0.3, "甲": 0.7})
    assert _by(allocs, "owner") == {"甲": D("70000.00")}
    assert _by(allocs, "institution") == {"U": D("9000.00")}  # 30 % of the institution's 30,000
    assert sum(a.amount for a in allocs) == D(100000)


@pytest.mark.parametrize("rule, checks", [
    (DistributionRule(D("0.5"), D("0.05"), "s"), []),
    (DistributionRule(D("0.4"), D("0.05"), "s"), ["team_share_floor"]),
    (DistributionRule(D("0.4"), D("0.05"), "institution rule", institution_rule=True), []),
    (DistributionRule(D("0.7"), D("0.04"), "s"), ["staff_share_floor"]),
    (DistributionRule(D("0"), D("0.05"), "s", institution_rule=True), ["team_share"]),
    (DistributionRule(D("1.2"), D("0.05"), "s"), ["team_share"]),
])
def test_rule_floors(rule, checks):
    assert [p.check for p in rewards.check_rule(rule)] == checks


def test_floor_violations_refuse_to_distribute():
    with pytest.raises(RuleViolation, match="team_share_floor"):
        rewards.distribute(D(100), rule=DistributionRule(D("0.3"), D("0.05"), "s"), institution="U",
                           inventors={"a": 1}, staff_points={})


@pytest.mark.parametrize("kwargs, error", [
    ({"net_income": D(-1)}, "cannot be negative"),
    ({"inventors": {}}, "inventing team is empty"),
    ({"owners": {"U": 0.5, "甲": 0.4}}, "add up to"),
])
def test_distribution_input_errors(kwargs, error):
    base = dict(net_income=D(100), rule=DEFAULT, institution="U", inventors={"a": 1}, staff_points={"s": 1})
    base.update(kwargs)
    net = base.pop("net_income")
    with pytest.raises(LicensingError, match=error):
        rewards.distribute(net, **base)


def test_no_staff_listed_keeps_their_share_with_a_reason():
    allocs = rewards.distribute(D(1000), rule=DEFAULT, institution="U", inventors={"a": 1}, staff_points={})
    inst = [a for a in allocs if a.role == "institution"][0]
    assert inst.amount == D("335.00") and "no technology-transfer staff" in inst.basis


def test_default_rule_comes_from_data_and_meets_floors():
    rule = DistributionRule.default()
    assert rewards.check_rule(rule) == [] and rule.team_share >= D("0.5")
