"""NAS-1: a new KAUSF becomes valid only when the UE accepts the SECURITY MODE COMMAND
that takes the new context into use (5G AKA: TS 24.501 5.4.2.1 / TS 33.501 6.2.2.2, "the
UE does not store the new KAUSF until receiving the NAS SMC"), or on EAP-Success
(EAP-AKA': TS 24.501 5.4.1.2) — never at AUTHENTICATION RESPONSE.

How a log shows it. The NAS core handles one message at a time and queues its outputs,
so the ``kausf valid`` it emits for an accepted SMC comes after the ``n1`` line of that
SMC and before (or just after) the SECURITY MODE COMPLETE it sends; a ``kausf valid``
emitted while handling AUTHENTICATION REQUEST comes after the ``ul
authentication_response``. So the *last N1 message of that UE* decides:

- ``dl security_mode_command`` (without ``eap_code: failure``), or the ``ul
  security_mode_complete`` that accepted it -> the UE is taking a new context into use;
- ``dl authentication_result`` or ``dl security_mode_command`` with ``eap_code: success``
  (a foreign log's v1 shorthand ``eap: success`` counts the same);
- anything else (``ul authentication_response``, ``ul security_mode_reject``, no N1 line
  at all) -> a violation.

A ``kausf stored`` line before the UE's first N1 message is the KAUSF it held from before
the log began (a trace's ``ue.stored``): valid, not new. After an N1 message it counts as
a ``kausf valid``.

Only a *new* KAUSF is checked: a ``kausf valid`` that repeats the fingerprint already
valid (e.g. re-announced at power-on: KAUSF outlives power-off, TS 33.501 6.2.2.2) is not a
new key. A fingerprint that was deleted and comes back is new again (it must be re-taken
into use by an SMC).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Invariant, Record, Violation, short, ue_of


@dataclass(slots=True)
class _UeNas:
    valid: str | None = None
    accepting: bool = False  # the last N1 message takes a new context into use
    last_n1: str | None = None


class Nas1(Invariant):
    id = "NAS-1"
    events = frozenset({"n1", "kausf"})

    def __init__(self, input: str | None = None) -> None:
        super().__init__(input)
        self._ues: dict[Any, _UeNas] = {}
        self.new_kausf = 0  # for stats.kausf_updates

    def feed(self, record: Record) -> list[Violation]:
        event = record.get("event")
        if event == "n1":
            self._n1(self._ues.setdefault(ue_of(record), _UeNas()), record)
            return []
        if event != "kausf":
            return []
        st = self._ues.setdefault(ue_of(record), _UeNas())
        fp, action = record.get("k_ausf_fp"), record.get("action")
        if action == "deleted":
            if fp is None or fp == st.valid:
                st.valid = None
            return []
        if action == "stored" and st.last_n1 is None:
            st.valid = fp  # held from before the log: nothing on N1 could have made it
            return []
        if action not in ("valid", "stored") or fp == st.valid:
            return []  # pending, or a re-announce of the KAUSF already valid
        self.checked += 1
        self.new_kausf += 1
        st.valid = fp
        if st.accepting:
            return []
        after = st.last_n1 or "no N1 message"
        return [
            self.at(
                record,
                f"new KAUSF fp {short(fp)} became valid after {after}, not on an accepted "
                "SECURITY MODE COMMAND or EAP-Success",
            )
        ]

    @staticmethod
    def _n1(st: _UeNas, record: Record) -> None:
        direction, msg = record.get("dir"), record.get("msg")
        eap = record.get("eap_code") or record.get("eap")
        st.last_n1 = f"{direction} {msg}"
        if direction == "dl" and msg == "security_mode_command":
            st.accepting = eap != "failure"
        elif direction == "dl" and msg == "authentication_result":
            st.accepting = eap == "success"
        elif direction == "ul" and msg == "security_mode_complete":
            pass  # the answer that accepts the SMC: keeps the SMC's verdict
        else:
            st.accepting = False
