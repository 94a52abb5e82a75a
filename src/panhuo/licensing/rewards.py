"""Pure income distribution: inventors, technology-transfer staff (贡献积分), the institution, and owners
under the 赋权 reform. Amounts are ``Decimal`` yuan, split to the fen so that the parts add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from panhuo.licensing.policy import RewardPolicy, reward_policy
from panhuo.licensing.rules import LicensingError, Problem, RuleViolation

FEN = Decimal("0.01")


@dataclass(frozen=True)
class DistributionRule:
    """How net income is shared. ``institution_rule`` is True when the institution's own rule (or an
    agreement with the team) sets ``team_share``; only then may it fall below the statutory 50 %."""

    team_share: Decimal
    staff_share_of_reward: Decimal
    source: str
    institution_rule: bool = False

    @classmethod
    def default(cls, policy: RewardPolicy | None = None) -> DistributionRule:
        pol = policy or reward_policy()
        return cls(Decimal(str(pol.default_team_share)), Decimal(str(pol.default_staff_share)), pol.default_source)

    def to_dict(self) -> dict:
        return {"team_share": str(self.team_share), "staff_share_of_reward": str(self.staff_share_of_reward),
                "source": self.source, "institution_rule": self.institution_rule}


@dataclass(frozen=True)
class Allocation:
    role: str  # inventor | staff | institution | owner
    name: str
    amount: Decimal
    basis: str

    def to_dict(self) -> dict:
        return {"role": self.role, "name": self.name, "amount": str(self.amount), "basis": self.basis}


def check_rule(rule: DistributionRule, *, kind: str = "licence", policy: RewardPolicy | None = None) -> list[Problem]:
    """The rule against the floors: team ≥ 50 % (unless the institution's rule says otherwise), staff ≥ 5 %."""
    pol = policy or reward_policy()
    problems = []
    if not Decimal(0) < rule.team_share <= 1:
        problems.append(Problem("team_share", f"team share {rule.team_share} must be above 0 and at most 1"))
    floor = Decimal(str(pol.equity_team_share_min if kind == "equity" else pol.team_share_min))
    if not rule.institution_rule and rule.team_share < floor:
        problems.append(Problem("team_share_floor", f"team share {rule.team_share} is below the statutory "
                                                    f"{floor} of net income (促进科技成果转化法 Art. 45); only the "
                                                    f"institution's own rule may set less"))
    staff_floor = Decimal(str(pol.staff_share_of_reward_min))
    if not staff_floor <= rule.staff_share_of_reward <= 1:
        problems.append(Problem("staff_share_floor", f"staff share {rule.staff_share_of_reward} of the reward "
                                                     f"must be at least {staff_floor} and at most 1"))
    return problems


def split(amount: Decimal, weights: dict[str, float | Decimal]) -> dict[str, Decimal]:
    """``amount`` shared by ``weights`` to the fen; leftover fen go to the largest remainders."""
    total = sum(Decimal(str(w)) for w in weights.values())
    if total <= 0:
        raise LicensingError("weights must add up to more than zero")
    if any(Decimal(str(w)) < 0 for w in weights.values()):
        raise LicensingError("weights cannot be negative")
    exact = {k: amount * Decimal(str(w)) / total for k, w in weights.items()}
    parts = {k: v.quantize(FEN, rounding=ROUND_DOWN) for k, v in exact.items()}
    leftover = int((amount.quantize(FEN) - sum(parts.values())) / FEN)
    for key in sorted(exact, key=lambda k: (parts[k] - exact[k], k))[:max(leftover, 0)]:
        parts[key] += FEN
    return parts


def distribute(net_income: Decimal, *, rule: DistributionRule, institution: str, inventors: dict[str, float],
               staff_points: dict[str, float], owners: dict[str, float] | None = None,
               kind: str = "licence") -> list[Allocation]:
    """Share ``net_income``. With ``owners`` (赋权: e.g. {"浙大": 0.3, "张三": 0.7}), each individual owner first
    takes their ownership share; the institution's share is then split by ``rule``."""
    problems = check_rule(rule, kind=kind)
    if problems:
        raise RuleViolation("distribution rule", problems)
    if net_income < 0:
        raise LicensingError(f"net income cannot be negative ({net_income})")
    if not inventors:
        raise LicensingError("the inventing team is empty: list at least one inventor")
    net = net_income.quantize(FEN)
    out: list[Allocation] = []
    institution_part = net
    if owners:
        shares = {k: Decimal(str(v)) for k, v in owners.items()}
        if abs(sum(shares.values()) - 1) > Decimal("0.0001"):
            raise LicensingError(f"ownership shares add up to {sum(shares.values())}, not 1")
        if institution not in shares:
            shares[institution] = Decimal(0)
        parts = split(net, {k: v for k, v in shares.items()}) if net else {k: Decimal(0) for k in shares}
        institution_part = parts.pop(institution)
        out += [Allocation("owner", name, amt, f"ownership share {shares[name]} (赋权)") for name, amt in parts.items()]
    reward_total = (institution_part * rule.team_share).quantize(FEN, rounding=ROUND_DOWN)
    staff_pool = (reward_total * rule.staff_share_of_reward).quantize(FEN, rounding=ROUND_DOWN)
    kept = institution_part - reward_total
    if staff_points and sum(staff_points.values()) > 0:
        for name, amt in split(staff_pool, staff_points).items():
            out.append(Allocation("staff", name, amt, f"{staff_points[name]} 贡献积分 of "
                                                      f"{sum(staff_points.values())}"))
    else:
        kept += staff_pool  # nobody to pay: the staff share stays with the institution, and the basis says so
    for name, amt in split(reward_total - staff_pool, inventors).items():
        out.append(Allocation("inventor", name, amt, f"contribution weight {inventors[name]}"))
    basis = f"remainder after team share {rule.team_share}"
    if not staff_points:
        basis += " (no technology-transfer staff listed: their share is kept)"
    out.append(Allocation("institution", institution, kept, basis))
    return out
