"""NAS-2: 5GMM state changes follow TS 24.501's state machine (clause 5.1.3.2, figures
5.1.3.2.1.1.1 and 5.1.3.2.2.1.1).

Each ``state`` line of layer ``5gmm`` must be an allowed (from, to) pair, and its
``from`` must be the ``to`` of the previous change of that UE (no state change unlogged).
The allowed pairs come from ``ue_stack.nas.states.ALLOWED_STATE_CHANGES`` (the NAS
model's one transition table), or are injected; without a table nothing is checked.
"""

from __future__ import annotations

import importlib
from collections.abc import Set
from typing import Any

from .base import Invariant, Record, Violation, ue_of

STATES_MODULE = "ue_stack.nas.states"


def load_allowed_state_changes() -> frozenset[tuple[str, str]] | None:
    """The NAS model's transition table, or None while it does not exist."""
    try:
        module = importlib.import_module(STATES_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == STATES_MODULE:
            return None
        raise
    table = getattr(module, "ALLOWED_STATE_CHANGES", None)
    return frozenset(table) if table is not None else None


class Nas2(Invariant):
    id = "NAS-2"
    events = frozenset({"state"})

    def __init__(
        self, input: str | None = None, allowed: Set[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(input)
        self.allowed = allowed
        self._current: dict[Any, Any] = {}

    def feed(self, record: Record) -> list[Violation]:
        if (
            self.allowed is None
            or record.get("event") != "state"
            or record.get("layer") != "5gmm"
        ):
            return []
        self.checked += 1
        ue, from_, to = ue_of(record), record.get("from"), record.get("to")
        problems = []
        if ue in self._current and self._current[ue] != from_:
            problems.append(
                f"starts from {from_!r}, but the previous change went to {self._current[ue]!r}"
            )
        if (from_, to) not in self.allowed:
            problems.append("is not a transition of the TS 24.501 5GMM state machine")
        self._current[ue] = to
        if not problems:
            return []
        return [self.at(record, f"5GMM {from_} -> {to} " + "; ".join(problems))]
