"""The licensing policy data (``licensing/data/*.yaml``), loaded once and handed to the pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


def _load(name: str) -> dict:
    text = resources.files("panhuo.licensing").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class OpenLicencePolicy:
    """Caps, term limits, recordal deadline and banned wording for open-licence declarations."""

    version: str
    payment_modes: dict[str, str]
    fixed_fee_max_yuan: int
    royalty_max_pct: dict[str, float]
    min_term_months: int
    not_beyond_expiry: bool
    recordal_deadline_months: int
    promotional_phrases: tuple[str, ...]
    sources: dict[str, str]


@dataclass(frozen=True)
class RewardPolicy:
    """Statutory and policy floors for the distribution of income."""

    version: str
    team_share_min: float
    equity_team_share_min: float
    staff_share_of_reward_min: float
    default_team_share: float
    default_staff_share: float
    default_source: str


@lru_cache(maxsize=1)
def open_licence_policy() -> OpenLicencePolicy:
    raw = _load("open_licence.yaml")
    return OpenLicencePolicy(
        version=str(raw["version"]), payment_modes=dict(raw["payment_modes"]),
        fixed_fee_max_yuan=int(raw["caps"]["fixed_fee_max_yuan"]),
        royalty_max_pct={k: float(v) for k, v in raw["caps"]["royalty_max_pct"].items()},
        min_term_months=int(raw["term"]["min_months"]), not_beyond_expiry=bool(raw["term"]["not_beyond_expiry"]),
        recordal_deadline_months=int(raw["recordal_deadline_months"]),
        promotional_phrases=tuple(str(p) for p in raw["promotional_phrases"]), sources=dict(raw["sources"]),
    )


@lru_cache(maxsize=1)
def reward_policy() -> RewardPolicy:
    raw = _load("rewards.yaml")
    return RewardPolicy(
        version=str(raw["version"]), team_share_min=float(raw["statutory_default"]["team_share_min"]),
        equity_team_share_min=float(raw["statutory_default"]["equity_team_share_min"]),
        staff_share_of_reward_min=float(raw["staff_share_of_reward_min"]),
        default_team_share=float(raw["default_rule"]["team_share"]),
        default_staff_share=float(raw["default_rule"]["staff_share_of_reward"]),
        default_source=str(raw["default_rule"]["source"]),
    )


@lru_cache(maxsize=1)
def pricing_table() -> dict:
    return _load("pricing.yaml")


@lru_cache(maxsize=1)
def contract_policy() -> dict:
    return _load("contracts.yaml")
