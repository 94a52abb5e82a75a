"""Input checks for the indicators people give (forms, imports, API)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

MODES = ("转让", "许可", "开放许可", "作价投资", "自行实施")
VALUE_GRADES = {5: "转化前景很好", 4: "转化前景较好", 3: "一般", 2: "较差", 1: "很差"}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SelfAssessmentIn(_In):
    """价值分级自评 by the inventor. All fields optional: what is not given stays unknown."""

    value_grade: int | None = Field(None, ge=1, le=5, description="1–5, 5 = 转化前景很好")
    trl: int | None = Field(None, ge=1, le=9, description="技术就绪水平 1–9")
    willing: bool | None = None
    modes: list[str] = Field(default_factory=list, description="转让 / 许可 / 开放许可 / 作价投资 / 自行实施")
    implemented: bool | None = None
    implementation_note: str | None = Field(None, max_length=2000)
    scenarios: list[str] = Field(default_factory=list, max_length=50)
    asking_price: float | None = Field(None, ge=0, description="意向价格, CNY")
    free_trial: bool | None = None
    funded_project: bool | None = None
    strategic_hold: bool | None = None
    assessed_on: date | None = None
    provenance: str | None = Field(None, max_length=300)

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, modes: list[str]) -> list[str]:
        bad = [m for m in modes if m not in MODES]
        if bad:
            raise ValueError(f"unknown 转化方式 {', '.join(bad)}; expected {', '.join(MODES)}")
        return modes


class EnterpriseFeedbackIn(_In):
    """One enterprise's evaluation: 产业化前景, 技术改进需求, 合作意愿."""

    enterprise_name: str = Field(min_length=1, max_length=300)
    organisation_id: int | None = None
    prospect: int | None = Field(None, ge=1, le=5, description="产业化前景 1–5")
    improvement_need: str | None = Field(None, max_length=2000)
    cooperation: int | None = Field(None, ge=1, le=5, description="合作意愿 1–5")
    given_on: date | None = None
    provenance: str | None = Field(None, max_length=300)


class ExpertScoreIn(_In):
    indicator: str = Field(min_length=1, max_length=60, pattern=r"^[a-z_]+$",
                           description="the key after 'expert.' in the tree, e.g. advancement")
    score: float = Field(ge=0, le=100)
    scored_on: date | None = None
    note: str | None = Field(None, max_length=2000)
    provenance: str | None = Field(None, max_length=300)
