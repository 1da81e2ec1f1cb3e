"""N1 link faults for simulation: lose, duplicate or delay the next message of a name, so
the UE's and the AMF's timers and retransmissions get exercised.

The bus asks ``apply(message)`` for every message it carries (either direction) and
delivers what comes back: ``[]`` (lost), ``[(0.0, m)]`` (untouched), ``[(0.0, m), (0.0,
m)]`` (duplicated) or ``[(seconds, m)]`` (delayed). Rules for one name are used up in the
order they were set. A recorded trace shows what crossed N1, not the faults; the optional
outbox gets a ``Note`` for each fault applied so the exchange log explains the gap.
"""

from __future__ import annotations

from collections import deque

from ..events import Note, Outbox
from ..nas.messages import MESSAGES, NasMessage

DROP = "drop"
DUPLICATE = "duplicate"
DELAY = "delay"


class LinkFaults:
    """``latency``: the one-way delay of every message on this link (seconds, default 0:
    scenarios run in zero time); faults add to it. The desync study sets it, since the
    window W1 lasts as long as the SECURITY MODE COMMAND takes to reach the UE."""

    __slots__ = ("_rules", "latency", "outbox", "ue")

    def __init__(self, outbox: Outbox | None = None, latency: float = 0.0,
                 ue: str | None = None) -> None:
        self._rules: dict[str, deque[tuple[str, float]]] = {}
        self.outbox = outbox
        self.latency = latency
        self.ue = ue  # named in each fault's note, so a UE's story shows its lost messages

    def _add(self, msg: str, action: str, seconds: float, count: int) -> None:
        if msg not in MESSAGES:
            raise ValueError(f"unknown NAS message {msg!r}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        self._rules.setdefault(msg, deque()).extend([(action, seconds)] * count)

    def drop_next(self, msg: str, count: int = 1) -> None:
        """Lose the next ``count`` messages named ``msg``."""
        self._add(msg, DROP, 0.0, count)

    def duplicate_next(self, msg: str, count: int = 1) -> None:
        """Deliver the next ``count`` messages named ``msg`` twice."""
        self._add(msg, DUPLICATE, 0.0, count)

    def delay_next(self, msg: str, seconds: float, count: int = 1) -> None:
        """Deliver the next ``count`` messages named ``msg`` ``seconds`` late."""
        if seconds < 0:
            raise ValueError(f"delay must not be negative, got {seconds}")
        self._add(msg, DELAY, float(seconds), count)

    def pending(self) -> int:
        """How many fault rules are still waiting for their message."""
        return sum(len(q) for q in self._rules.values())

    def apply(self, message: NasMessage) -> list[tuple[float, NasMessage]]:
        out = self._apply(message)
        return [(self.latency + d, m) for d, m in out] if self.latency else out

    def _apply(self, message: NasMessage) -> list[tuple[float, NasMessage]]:
        rules = self._rules.get(message.msg)
        if not rules:
            return [(0.0, message)]
        action, seconds = rules.popleft()
        if not rules:
            del self._rules[message.msg]
        if self.outbox is not None:
            fields: dict[str, object] = {"msg": message.msg, "fault": action}
            if self.ue is not None:
                fields["ue"] = self.ue
            if action == DELAY:
                fields["seconds"] = seconds
            self.outbox.put(Note("n1-link", f"{action} {message.msg}", fields))
        if action == DROP:
            return []
        if action == DUPLICATE:
            return [(0.0, message), (0.0, message)]
        return [(seconds, message)]
