"""API schemas of the inventory feature."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    institution_id: int
    name: str
    deadline: date | None
    status: str
    scope: dict


class DepartmentProgress(BaseModel):
    department_id: int | None
    department: str | None
    total: int
    accepted: int
    rate: float | None
    by_status: dict[str, int]


class ProgressRead(BaseModel):
    campaign_id: int
    total: int
    accepted: int
    rate: float | None
    departments: list[DepartmentProgress]


class CommentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    author: str
    action: str
    from_status: str
    to_status: str
    comment: str


class ItemRead(BaseModel):
    id: int
    campaign_id: int
    patent_id: int
    application_no: str
    title: str
    department_id: int | None
    inventor_user_id: int | None
    status: str
    assessment: dict[str, Any]
    synthetic: bool = False


class ItemDetail(ItemRead):
    comments: list[CommentRead] = []


class AssessmentIn(BaseModel):
    """Self-assessment values (names and allowed values: ``inventory/data/self_assessment.yaml``)."""

    value_grade: int | str | None = Field(None, description="1–5 (5 = 转化前景很好) or its Chinese label")
    trl: int | str | None = Field(None, description="1–9")
    willing: bool | str | None = None
    modes: list[str] | str | None = None
    implemented: bool | str | None = None
    implementation_note: str | None = Field(None, max_length=500)
    scenarios: str | None = Field(None, max_length=1000)
    asking_price: float | str | None = Field(None, description="万元")
    free_trial: bool | str | None = None


class AssessmentResult(BaseModel):
    item: ItemRead
    errors: dict[str, str]


class TransitionIn(BaseModel):
    step: str = Field(description="submit, department_approve, department_return, institution_approve, "
                                  "institution_return")
    comment: str = Field("", max_length=4000)


class CampaignCreate(BaseModel):
    institution_id: int = Field(ge=1, le=2_147_483_647)
    name: str = Field(min_length=1, max_length=200)
    deadline: date | None = None
    legal_status: list[str] = Field(default_factory=lambda: ["valid"], max_length=10)


class AssignmentIn(BaseModel):
    department_id: int | None = Field(None, ge=1, le=2_147_483_647)
    inventor_user_id: int | None = Field(None, ge=1, le=2_147_483_647)
