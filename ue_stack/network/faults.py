"""N1 link faults for simulation: lose, duplicate or delay the next message of a name, so
the UE's and the AMF's timers and retransmissions get exercised; and an attacker's
downlinks (TS 24.501 4.4.4.2, 4.4.3.1): the next one of a name sent plain, or with a MAC
that fails, or a protected downlink sent again (``last_protected``).

The bus asks ``apply(message)`` for every message it carries (either direction) and
delivers what comes back: ``[]`` (lost), ``[(0.0, m)]`` (untouched), ``[(0.0, m), (0.0,
m)]`` (duplicated) or ``[(seconds, m)]`` (delayed). Rules for one name are used up in the
order they were set. A recorded trace shows what crossed N1, not the faults; the optional
outbox gets a ``Note`` for each fault applied so the exchange log explains the gap.
"""

from __future__ import annotations

from collections import deque

from ..events import Note, Outbox
from ..nas.messages import (
    MESSAGES,
    SHT_CIPHERED,
    SHT_NEW_CONTEXT,
    SHT_PLAIN,
    NasMessage,
    Protection,
)

DROP = "drop"
DUPLICATE = "duplicate"
DELAY = "delay"
PLAIN = "plain"  # the attacker's copy without security protection (header type 0)
BAD_MAC = "bad_mac"  # the attacker's copy with a forged MAC
DOWNLINK_ONLY = frozenset({PLAIN, BAD_MAC})


class LinkFaults:
    """``latency``: the one-way delay of every message on this link (seconds, default 0:
    scenarios run in zero time); faults add to it. The desync study sets it, since the
    window W1 lasts as long as the SECURITY MODE COMMAND takes to reach the UE."""

    __slots__ = ("_protected", "_rules", "latency", "outbox", "ue")

    def __init__(self, outbox: Outbox | None = None, latency: float = 0.0,
                 ue: str | None = None) -> None:
        self._rules: dict[str, deque[tuple[str, float]]] = {}
        self.outbox = outbox
        self.latency = latency
        self.ue = ue  # named in each fault's note, so a UE's story shows its lost messages
        self._protected: dict[str, NasMessage] = {}  # last protected downlink per name

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

    def plain_next(self, msg: str, count: int = 1) -> None:
        """The next ``count`` downlinks named ``msg`` arrive without protection."""
        self._add(msg, PLAIN, 0.0, count)

    def bad_mac_next(self, msg: str, count: int = 1) -> None:
        """The next ``count`` downlinks named ``msg`` arrive with a MAC that fails."""
        self._add(msg, BAD_MAC, 0.0, count)

    def last_protected(self, msg: str) -> NasMessage | None:
        """The last protected downlink named ``msg`` this link carried (for a replay)."""
        return self._protected.get(msg)

    def pending(self) -> int:
        """How many fault rules are still waiting for their message."""
        return sum(len(q) for q in self._rules.values())

    def apply(self, message: NasMessage, *, downlink: bool = False,
              ) -> list[tuple[float, NasMessage]]:
        if downlink and message.protection is not None and message.protection.protected:
            self._protected[message.msg] = message
        out = self._apply(message, downlink)
        return [(self.latency + d, m) for d, m in out] if self.latency else out

    def _apply(self, message: NasMessage, downlink: bool) -> list[tuple[float, NasMessage]]:
        rules = self._rules.get(message.msg)
        if not rules or (rules[0][0] in DOWNLINK_ONLY and not downlink):
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
        if action == PLAIN:
            return [(0.0, NasMessage(message.msg, message.fields, Protection(SHT_PLAIN)))]
        if action == BAD_MAC:
            return [(0.0, _forged(message))]
        return [(seconds, message)]


def _forged(message: NasMessage) -> NasMessage:
    """``message`` with its MAC changed, as an attacker without the keys sends it: the
    octets (where built) carry a flipped MAC bit, and the record says ``mac: failed``."""
    p = message.protection
    if p is None or not p.protected:
        sht = SHT_NEW_CONTEXT if message.msg == "security_mode_command" else SHT_CIPHERED
        return NasMessage(message.msg, message.fields, Protection(sht, "failed"))
    pdu = p.pdu
    if pdu is not None and len(pdu) >= 6:
        pdu = pdu[:5] + bytes((pdu[5] ^ 0x01,)) + pdu[6:]
    return NasMessage(message.msg, message.fields, Protection(p.sht, "failed", p.count, pdu))
