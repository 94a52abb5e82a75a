"""The named permissions (pure): role × resource × action on hand-made principals and resources."""

from types import SimpleNamespace as R

import pytest

from panhuo.accounts.permissions import ACTIONS, Grant, PermissionDenied, Principal, can, require

UNI, INST, DEPT, OTHER_DEPT, ENT = 10, 20, 11, 12, 30
P = {
    "operator": Principal(1, "operator", grants=(Grant("operator_admin", 1),)),
    "uni-admin": Principal(2, "uni-admin", grants=(Grant("institution_admin", UNI, UNI),)),
    "reviewer": Principal(3, "reviewer", grants=(Grant("department_reviewer", DEPT, UNI, DEPT),)),
    "inventor": Principal(4, "inventor", grants=(Grant("inventor", DEPT, UNI, DEPT),)),
    "enterprise": Principal(5, "enterprise", grants=(Grant("enterprise_user", ENT),)),
    "inst-admin": Principal(6, "inst-admin", grants=(Grant("institution_admin", INST, INST),)),
}
unpublished = R(institution_id=UNI, department_id=DEPT, published=False)
published = R(institution_id=UNI, department_id=DEPT, published=True)
item_mine = R(institution_id=UNI, department_id=DEPT, inventor_user_id=4)
item_other_dept = R(institution_id=UNI, department_id=OTHER_DEPT, inventor_user_id=None)
demand = R(enterprise_id=ENT, routed_institution_ids=(UNI,))
contract = R(institution_id=UNI, enterprise_id=ENT)
contract_other = R(institution_id=INST, enterprise_id=99)

#                                       operator uni-admin reviewer inventor enterprise inst-admin
CASES = [
    ("patent.view", unpublished, (1, 1, 1, 1, 0, 0)),
    ("patent.view_published", unpublished, (1, 1, 1, 1, 0, 0)),
    ("patent.view_published", published, (1, 1, 1, 1, 1, 1)),
    ("patent.publish", unpublished, (1, 1, 0, 0, 0, 0)),
    ("patent.grade", unpublished, (1, 1, 0, 0, 0, 0)),
    ("patent.dispose", unpublished, (1, 1, 0, 0, 0, 0)),
    ("patent.feedback", published, (0, 0, 0, 0, 1, 0)),
    ("patent.feedback", unpublished, (0, 0, 0, 0, 0, 0)),
    ("campaign.create", R(institution_id=UNI), (1, 1, 0, 0, 0, 0)),
    ("campaign.progress", R(institution_id=UNI), (1, 1, 1, 0, 0, 0)),
    ("item.fill", item_mine, (0, 1, 1, 1, 0, 0)),
    ("item.fill", item_other_dept, (0, 1, 0, 0, 0, 0)),
    ("item.review_department", item_mine, (0, 1, 1, 0, 0, 0)),
    ("item.review_department", item_other_dept, (0, 1, 0, 0, 0, 0)),
    ("item.review_institution", item_mine, (0, 1, 0, 0, 0, 0)),
    ("demand.create", None, (0, 0, 0, 0, 1, 0)),
    ("demand.view", demand, (1, 1, 1, 1, 1, 0)),
    ("demand.manage", demand, (1, 0, 0, 0, 1, 0)),
    ("demand.answer", R(institution_id=UNI), (1, 1, 0, 0, 0, 0)),
    ("dashboard.operator", None, (1, 0, 0, 0, 0, 0)),
    ("dashboard.institution", R(institution_id=UNI), (1, 1, 1, 0, 0, 0)),
    ("user.manage", R(institution_id=INST), (1, 0, 0, 0, 0, 1)),
    ("contract.view", contract, (1, 1, 0, 0, 1, 0)),
    ("contract.view", contract_other, (1, 0, 0, 0, 0, 1)),
    ("contract.manage", contract, (1, 1, 0, 0, 0, 0)),
    ("contract.rewards", contract, (1, 1, 0, 0, 0, 0)),
    ("contract.rewards", contract_other, (1, 0, 0, 0, 0, 1)),
]
NAMES = list(P)


@pytest.mark.parametrize("action,resource,expected", CASES, ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(CASES)])
@pytest.mark.parametrize("who", NAMES)
def test_permission(action, resource, expected, who):
    assert can(P[who], action, resource) is bool(expected[NAMES.index(who)])


def test_anonymous_may_do_nothing():
    assert not any(can(None, action, published) for action in ACTIONS)


def test_unknown_action_is_an_error_not_a_silent_no():
    with pytest.raises(KeyError):
        can(P["operator"], "patent.teleport", published)


def test_require_raises_with_the_action_name():
    with pytest.raises(PermissionDenied, match="enterprise may not patent.view"):
        require(P["enterprise"], "patent.view", unpublished)
