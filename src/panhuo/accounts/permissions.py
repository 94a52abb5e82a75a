"""Who may do what: every named permission in one place (pure: no session, no web).

A signed-in person is a :class:`Principal` (their memberships, resolved to institution ids at sign-in).
Resources are plain objects read through attributes:

- a patent or patent-like resource: ``institution_id``, ``department_id`` and, for the library,
  ``published`` (bool);
- a campaign item: ``institution_id``, ``department_id``, ``inventor_user_id``;
- an organisation scope (dashboards, campaigns, users): ``institution_id``.

Rules (issue 5): an institution's internal data is visible inside it and to the operator; an enterprise
sees only patents an institution published to the library; reviewers act on their department, institution
admins on their institution.

Usage: ``can(principal, "patent.view", patent)`` or ``require(...)`` which raises :class:`PermissionDenied`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from panhuo.accounts.enums import Role


class PermissionDenied(PermissionError):
    """The principal may not perform the action on the resource."""

    def __init__(self, action: str, principal: Principal | None = None):
        self.action = action
        who = principal.username if principal else "anonymous"
        super().__init__(f"{who} may not {action}")


@dataclass(frozen=True)
class Grant:
    """One membership: a role in an organisation, with the institution that organisation belongs to."""

    role: str
    organisation_id: int
    institution_id: int | None = None  # the institution (itself, or the parent of a department)
    department_id: int | None = None  # set when the organisation is a department


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str = ""
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    def has_role(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def is_operator(self) -> bool:
        return self.has_role(Role.OPERATOR_ADMIN)

    @property
    def is_enterprise(self) -> bool:
        return self.has_role(Role.ENTERPRISE_USER)

    def institution_ids(self, *roles: str) -> frozenset[int]:
        """Institutions this person belongs to (optionally only through the given roles)."""
        return frozenset(g.institution_id for g in self.grants
                         if g.institution_id is not None and (not roles or g.role in roles))

    def department_ids(self, *roles: str) -> frozenset[int]:
        return frozenset(g.department_id for g in self.grants
                         if g.department_id is not None and (not roles or g.role in roles))

    def enterprise_ids(self) -> frozenset[int]:
        return frozenset(g.organisation_id for g in self.grants if g.role == Role.ENTERPRISE_USER)

    @property
    def primary_role(self) -> str | None:
        order = list(Role)
        roles = sorted((g.role for g in self.grants), key=lambda r: order.index(r) if r in order else 99)
        return roles[0] if roles else None


def _attr(resource: Any, name: str) -> Any:
    return getattr(resource, name, None) if resource is not None else None


def _inside(p: Principal, resource: Any) -> bool:
    """The principal is a member of the resource's institution (any role)."""
    inst = _attr(resource, "institution_id")
    return inst is not None and inst in p.institution_ids()


def _inst_admin(p: Principal, resource: Any) -> bool:
    inst = _attr(resource, "institution_id")
    return inst is not None and inst in p.institution_ids(Role.INSTITUTION_ADMIN)


def _dept_reviewer(p: Principal, resource: Any) -> bool:
    dept = _attr(resource, "department_id")
    return dept is not None and dept in p.department_ids(Role.DEPARTMENT_REVIEWER)


def _assigned_inventor(p: Principal, resource: Any) -> bool:
    return _attr(resource, "inventor_user_id") == p.user_id and p.has_role(Role.INVENTOR)


def _demand_owner(p: Principal, r: Any) -> bool:
    """A demand (resource with ``enterprise_id``) posted by one of the principal's enterprises."""
    ent = _attr(r, "enterprise_id")
    return ent is not None and ent in p.enterprise_ids()


def _view_internal(p: Principal, r: Any) -> bool:
    return p.is_operator or _inside(p, r)


def _view_published(p: Principal, r: Any) -> bool:
    return _view_internal(p, r) or bool(_attr(r, "published"))


def _manage_institution(p: Principal, r: Any) -> bool:
    return p.is_operator or _inst_admin(p, r)


def _institution_staff(p: Principal, r: Any) -> bool:
    """Admins and reviewers of the institution (dashboards, progress, reminder lists)."""
    return p.is_operator or _inst_admin(p, r) or (
        _attr(r, "institution_id") in p.institution_ids(Role.DEPARTMENT_REVIEWER))


def _fill_assessment(p: Principal, r: Any) -> bool:
    """发明人/学院建档: the assigned inventor, the department's reviewer, or the institution admin."""
    return _assigned_inventor(p, r) or _dept_reviewer(p, r) or _inst_admin(p, r)


RULES: dict[str, Callable[[Principal, Any], bool]] = {
    # patents
    "patent.view": _view_internal,  # all internal fields: grades, dispositions, fee plans, self-assessment
    "patent.view_published": _view_published,  # the published fields of a library record
    "patent.grade": _manage_institution,  # change a grade
    "patent.dispose": _manage_institution,  # change a disposition (maintain / license / abandon …)
    "patent.publish": _manage_institution,  # publish to / withdraw from the library
    "patent.feedback": lambda p, r: p.is_enterprise and bool(_attr(r, "published")),  # 市场评价
    "patent.export": _view_internal,
    # the 盘点 campaign
    "campaign.create": _manage_institution,
    "campaign.view": _view_internal,
    "campaign.manage": _manage_institution,  # import scope, assign departments and inventors, close
    "campaign.progress": _institution_staff,
    "item.view": lambda p, r: _view_internal(p, r),
    "item.fill": _fill_assessment,
    "item.review_department": lambda p, r: _dept_reviewer(p, r) or _inst_admin(p, r),  # 学院审核
    "item.review_institution": _inst_admin,  # 学校审核 → 入库
    # library, demands, dashboards, administration
    "library.browse": lambda p, r: True,
    "demand.create": lambda p, r: p.is_enterprise,
    "demand.view": lambda p, r: p.is_operator or _demand_owner(p, r) or bool(
        set(_attr(r, "routed_institution_ids") or ()) & p.institution_ids()),
    "demand.manage": lambda p, r: p.is_operator or _demand_owner(p, r),  # refresh matches, route, close
    "demand.answer": lambda p, r: _inst_admin(p, r) or p.is_operator,  # resource: the route (institution_id)
    # licence contracts (resource: ``institution_id`` of the licensor, ``enterprise_id`` of the licensee)
    "contract.view": lambda p, r: _manage_institution(p, r) or _demand_owner(p, r),
    "contract.manage": _manage_institution,  # record payments, move through its states
    "contract.rewards": _manage_institution,  # the inventors' and staff's shares are internal
    "dashboard.operator": lambda p, r: p.is_operator,
    "dashboard.institution": _institution_staff,
    "audit.view": _manage_institution,
    "user.manage": _manage_institution,
}

ACTIONS = tuple(RULES)


def can(principal: Principal | None, action: str, resource: Any = None) -> bool:
    """Whether ``principal`` may perform ``action`` on ``resource`` (unknown actions are denied loudly)."""
    if action not in RULES:
        raise KeyError(f"unknown permission {action!r}")
    if principal is None:
        return False
    return bool(RULES[action](principal, resource))


def require(principal: Principal | None, action: str, resource: Any = None) -> None:
    """Raise :class:`PermissionDenied` unless :func:`can` allows it."""
    if not can(principal, action, resource):
        raise PermissionDenied(action, principal)


def patent_scope(principal: Principal) -> frozenset[int] | None:
    """Institutions whose internal patent records the principal may list; ``None`` means all (operator)."""
    if principal.is_operator:
        return None
    return principal.institution_ids()
