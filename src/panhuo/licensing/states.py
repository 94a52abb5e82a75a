"""State machines as transition tables (data), and the one function that applies them.

Each table maps a state to the states it may move to. Terminal states map to an empty tuple.
"""

from __future__ import annotations

from panhuo.licensing.rules import LicensingError

MACHINES: dict[str, dict[str, tuple[str, ...]]] = {
    # 开放许可声明: filed with CNIPA, published in the gazette, withdrawn (published; licences stay).
    "declaration": {
        "draft": ("filed",),
        "filed": ("published", "rejected"),
        "rejected": ("draft",),
        "published": ("withdrawn",),
        "withdrawn": (),
    },
    # One licence taken under a published declaration: written notice, payment, effective, recorded (备案).
    "open_licence": {
        "notified": ("paid", "cancelled"),
        "paid": ("effective",),
        "effective": ("recorded", "terminated"),
        "recorded": ("terminated",),
        "cancelled": (),
        "terminated": (),
    },
    # A patent pushed to an enterprise in a 区域定向许可 campaign.
    "push_item": {
        "pushed": ("interested", "declined"),
        "interested": ("trial", "licensed", "declined"),
        "trial": ("licensed", "declined"),
        "licensed": (),
        "declined": (),
    },
    # The free trial (先免费试用) of one push item.
    "trial": {
        "active": ("completed", "abandoned"),
        "completed": (),
        "abandoned": (),
    },
    # Licence, transfer and 作价投资 contracts; 协议定价 passes through the internal 公示. A draft made by
    # mistake is cancelled (kept, with its reason and audit trail), never deleted.
    "contract": {
        "draft": ("publicity", "approved", "cancelled"),
        "publicity": ("approved", "draft"),
        "approved": ("signed", "draft"),
        "signed": ("recorded", "terminated"),
        "recorded": ("terminated",),
        "terminated": (),
        "cancelled": (),
    },
    # One scheduled payment (lump sum, instalment, milestone, royalty period).
    "payment": {
        "scheduled": ("partial", "paid", "waived", "cancelled"),
        "partial": ("partial", "paid", "waived"),
        "paid": (),
        "waived": (),
        "cancelled": (),
    },
}

INITIAL = {"declaration": "draft", "open_licence": "notified", "push_item": "pushed", "trial": "active",
           "contract": "draft", "payment": "scheduled"}


class IllegalTransition(LicensingError):
    """A move the machine's table does not allow."""

    def __init__(self, machine: str, current: str, target: str):
        self.machine, self.current, self.target = machine, current, target
        allowed = MACHINES.get(machine, {}).get(current, ())
        hint = ", ".join(allowed) if allowed else "none: it is a final state"
        super().__init__(f"{machine}: cannot go from '{current}' to '{target}' (allowed from '{current}': {hint})")


def allowed(machine: str, current: str) -> tuple[str, ...]:
    """States reachable in one step from ``current``."""
    return MACHINES[machine].get(current, ())


def check_transition(machine: str, current: str, target: str) -> str:
    """Return ``target`` when the table allows the move, else raise :class:`IllegalTransition`."""
    if machine not in MACHINES:
        raise LicensingError(f"unknown state machine '{machine}'")
    if target not in MACHINES[machine]:
        raise LicensingError(f"{machine}: unknown state '{target}' (states: {', '.join(MACHINES[machine])})")
    if target not in allowed(machine, current):
        raise IllegalTransition(machine, current, target)
    return target


def illegal_pairs(machine: str) -> list[tuple[str, str]]:
    """Every (from, to) pair the table forbids: what the tests walk through."""
    states = list(MACHINES[machine])
    return [(a, b) for a in states for b in states if b not in MACHINES[machine][a]]
