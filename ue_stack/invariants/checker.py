"""The online checker: runs every invariant of docs/invariants.md over one exchange log.

``feed(record)`` as records arrive (from a file or straight from the bus in replay),
``finish()`` at the end. Memory stays flat: each invariant keeps only what the next
record needs; violations are returned to the caller, not kept. APP-1 and NAS-3 are
decided by replay (which knows the trace) and recorded with ``record(...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from typing import Any

from .akma1 import Akma1
from .akma2 import Akma2
from .akma3 import Akma3
from .akma4 import Akma4
from .base import Invariant, Record, Violation
from .nas1 import Nas1
from .nas2 import Nas2, load_allowed_state_changes
from .nas45 import Nas4, Nas5
from .sec1 import Sec1
from .xl1 import Xl1

# docs/invariants.md, in its order: every report lists all of them.
INVARIANT_IDS: tuple[str, ...] = (
    "AKMA-1",
    "AKMA-2",
    "AKMA-3",
    "AKMA-4",
    "APP-1",
    "XL-1",
    "NAS-1",
    "NAS-2",
    "NAS-3",
    "NAS-4",
    "NAS-5",
    "SEC-1",
)
REPLAY_ONLY: tuple[str, ...] = ("APP-1", "NAS-3")
AKMA_IDS: tuple[str, ...] = ("AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4")
# Why an AKMA invariant was checked 0 (the report's not_checked): nobody asked, or what
# was asked never reached the point the invariant judges.
NO_AKMA_REQUEST = ("no AKMA key request in the log: nothing asked NAS for KAKMA (a capture "
                   "carries no AKMA traffic: import it with --akma-probe to check AKMA)")
AKMA_NOT_REACHED = {
    "AKMA-1": "no KAF derived: every AKMA key request was rejected",
    "AKMA-2": "no ObtainAkmaKeyConfirm while a KAUSF was valid: every AKMA key request was "
              "rejected, or answered before any KAUSF status",
    "AKMA-3": "no answer to an AKMA key request came after a KAUSF status to judge it by",
    "AKMA-4": "no AF session: no KAF reached an AF",
}
EXCHANGE_EVENTS = frozenset({"primitive", "n1", "kaf_derived", "af_session"})


class Checker:
    """Checks one exchange log.

    ``input`` names the log (or trace) in violations. ``secret_values``: keys known to
    the caller, as hex, for SEC-1's by-value check. ``allowed_state_changes``: the 5GMM
    transition table for NAS-2 (default: ``ue_stack.nas.states.ALLOWED_STATE_CHANGES``).
    """

    def __init__(
        self,
        *,
        input: str | None = None,
        secret_values: Iterable[str | bytes] = (),
        allowed_state_changes: Set[tuple[str, str]] | None = None,
        properties: Sequence[Any] = (),
    ) -> None:
        self.input = input
        if allowed_state_changes is None:
            allowed_state_changes = load_allowed_state_changes()
        self._nas1 = Nas1(input)
        self._nas2 = Nas2(input, allowed_state_changes)
        self._sec1 = Sec1(input, secret_values)
        nas5 = Nas5(input)
        self._invariants: list[Invariant] = [
            Akma1(input),
            Akma2(input),
            Akma3(input),
            Akma4(input),
            Xl1(input),
            self._nas1,
            self._nas2,
            Nas4(input, nas5),
            nas5,
            self._sec1,
        ]
        # Per event, the invariants that care about it, in the order above (violations are
        # reported in that order); any other event reaches only the catch-all ones. Saves
        # a call per invariant and record on the hot path (replay feeds every log line).
        self._catch_all = tuple(i for i in self._invariants if i.events is None)
        self._routes: dict[str, tuple[Invariant, ...]] = {
            event: tuple(i for i in self._invariants if i.events is None or event in i.events)
            for inv in self._invariants if inv.events is not None for event in inv.events
        }
        # --property (docs/properties.md): checked like the invariants, on every record,
        # and reported beside them in the same shape
        self.properties = tuple(properties)
        self._monitors: list[Any] = []
        if self.properties:  # lark is imported only when a property is given
            from ..properties import monitors

            self._monitors = monitors(self.properties, input)
        self._steps = [(m.step, m) for m in self._monitors]
        self._recorded: dict[str, list[int]] = {}  # id -> [checked, violations]
        self._finished = False
        self._records = 0
        self._exchanges = 0
        self._kaf_derivations = 0
        self._akma_requests = 0

    def feed(self, record: Record) -> list[Violation]:
        """Check one exchange-log record (a dict of docs/exchange-log.md)."""
        self._records += 1
        event: Any = record.get("event")
        if event in EXCHANGE_EVENTS:
            self._exchanges += 1
            if event == "kaf_derived":
                self._kaf_derivations += 1
            elif event == "primitive" and record.get("name") == "ObtainAkmaKeyRequest":
                self._akma_requests += 1
        out: list[Violation] = []
        for invariant in self._routes.get(event, self._catch_all):
            if found := invariant.feed(record):  # usually none: nothing to extend
                out.extend(found)
        for step, monitor in self._steps:
            if step(record):  # usually not: the violation is built only then
                out.append(monitor.violation(record))
        return out

    def finish(self) -> list[Violation]:
        """What only the end of the log reveals (XL-1: requests never answered)."""
        if self._finished:
            return []
        self._finished = True
        out: list[Violation] = []
        for invariant in self._invariants:
            out.extend(invariant.finish())
        return out

    def record(
        self, invariant: str, ok: bool, seq: int | None, t: float | None, message: str,
        ue: str | None = None,
    ) -> Violation | None:
        """Count a check decided outside the log (replay: APP-1, NAS-3)."""
        if invariant not in INVARIANT_IDS:
            raise ValueError(f"unknown invariant id {invariant!r}")
        counts = self._recorded.setdefault(invariant, [0, 0])
        counts[0] += 1
        if ok:
            return None
        counts[1] += 1
        return Violation(invariant, seq, t, message, self.input, ue=ue)

    def add_secret_values(self, values: Iterable[str | bytes]) -> None:
        """More keys for SEC-1's by-value check (replay learns them as it runs)."""
        self._sec1.add_secret_values(values)

    def results(self) -> dict[str, dict[str, int]]:
        """``{id: {"checked": n, "violations": m}}`` for every id of docs/invariants.md."""
        out = {i: {"checked": 0, "violations": 0} for i in INVARIANT_IDS}
        for invariant in self._invariants:
            out[invariant.id]["checked"] += invariant.checked
            out[invariant.id]["violations"] += invariant.violations
        for i, (checked, violations) in self._recorded.items():
            out[i]["checked"] += checked
            out[i]["violations"] += violations
        for monitor in self._monitors:
            out[monitor.id] = {"checked": monitor.checked, "violations": monitor.violations}
        return out

    def described_properties(self) -> dict[str, dict[str, Any]]:
        """The report's ``properties``: what each ``--property`` says (docs/report.md)."""
        return {p.id: p.describe() for p in self.properties}

    def not_checked(self) -> list[dict[str, str]]:
        """Invariants this checker could not check at all, with the reason: every AKMA
        invariant checked 0 says why (docs/invariants.md)."""
        out = []
        results = self.results()
        for i in AKMA_IDS:
            if not results[i]["checked"]:
                reason = AKMA_NOT_REACHED[i] if self._akma_requests else NO_AKMA_REQUEST
                out.append({"invariant": i, "reason": reason})
        if self._nas2.allowed is None:
            out.append({"invariant": "NAS-2", "reason": "no 5GMM transition table available"})
        return out

    def stats(self) -> dict[str, int]:
        return {
            "records": self._records,
            "exchanges": self._exchanges,
            "kaf_derivations": self._kaf_derivations,
            "kausf_updates": self._nas1.new_kausf,
        }


def merge_results(parts: Iterable[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Sum ``results()`` of several checkers (one per input)."""
    out = {i: {"checked": 0, "violations": 0} for i in INVARIANT_IDS}
    for part in parts:
        for i, counts in part.items():
            slot = out.setdefault(i, {"checked": 0, "violations": 0})
            slot["checked"] += counts.get("checked", 0)
            slot["violations"] += counts.get("violations", 0)
    return out


def check_records(records: Iterable[Record], **kwargs: Any) -> tuple[Checker, list[Violation]]:
    """Run a fresh ``Checker`` over records to the end (tests, small logs)."""
    checker = Checker(**kwargs)
    violations: list[Violation] = []
    for record in records:
        violations.extend(checker.feed(record))
    violations.extend(checker.finish())
    return checker, violations
