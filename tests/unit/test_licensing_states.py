"""State machines: every legal move passes, every illegal move raises naming from and to."""

import pytest

from panhuo.licensing import states

LEGAL = [(m, a, b) for m, table in states.MACHINES.items() for a, targets in table.items() for b in targets]
ILLEGAL = [(m, a, b) for m in states.MACHINES for a, b in states.illegal_pairs(m)]


@pytest.mark.parametrize("machine, current, target", LEGAL)
def test_legal_transition(machine, current, target):
    assert states.check_transition(machine, current, target) == target


@pytest.mark.parametrize("machine, current, target", ILLEGAL)
def test_illegal_transition_names_from_and_to(machine, current, target):
    with pytest.raises(states.IllegalTransition) as info:
        states.check_transition(machine, current, target)
    assert f"'{current}'" in str(info.value) and f"'{target}'" in str(info.value) and machine in str(info.value)
    assert (info.value.current, info.value.target) == (current, target)


@pytest.mark.parametrize("machine, current, target, fragment", [
    ("declaration", "withdrawn", "published", "final state"),
    ("push_item", "pushed", "licensed", "allowed from 'pushed': interested, declined"),
    ("contract", "draft", "signed", "allowed from 'draft': publicity, approved"),
])
def test_illegal_transition_message_lists_what_is_allowed(machine, current, target, fragment):
    with pytest.raises(states.IllegalTransition, match=fragment):
        states.check_transition(machine, current, target)


def test_unknown_state_and_machine():
    with pytest.raises(states.LicensingError, match="unknown state 'lost'"):
        states.check_transition("contract", "draft", "lost")
    with pytest.raises(states.LicensingError, match="unknown state machine"):
        states.check_transition("boat", "a", "b")


def test_every_machine_has_an_initial_state_in_its_table():
    assert all(states.INITIAL[m] in table for m, table in states.MACHINES.items())
    assert set(states.INITIAL) == set(states.MACHINES)
