"""One ``transitions.Machine`` per transition table, shared by every instance of a core
(issue 12: building a Machine per UE was half of a 10,000-UE simulation and ~100 kB
each).

The table is built once, at import. Each core instance is a *model* of it: it keeps its
own state in the attribute ``MODEL_ATTRIBUTE``, and a trigger runs through the machine's
``Event.trigger(model)`` — the call transitions' own bound trigger methods make. The
instance is not registered with ``add_model``: that would keep every core alive as long
as the module, and bind a method per trigger and state onto each instance. The tables
carry no callbacks (a core's effects are its own code), so a model needs nothing but its
state attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from transitions import Machine

MODEL_ATTRIBUTE = "_machine_state"


class SharedMachine:
    """``machine.fire(core, trigger)`` moves ``core`` as the table says, or raises
    ``transitions.MachineError`` when the trigger is illegal in its state."""

    def __init__(self, states: type[Enum], transitions: Sequence[Any], initial: Enum) -> None:
        self.initial = initial
        self._machine = Machine(model=None, states=states, transitions=transitions,
                                initial=initial, auto_transitions=False,
                                model_attribute=MODEL_ATTRIBUTE)
        self._events = self._machine.events

    def fire(self, model: Any, trigger: str) -> None:
        self._events[trigger].trigger(model)
