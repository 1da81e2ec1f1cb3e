"""XL-1: every request primitive gets exactly one confirm or reject with its ``corr``, and
no answer arrives without a request (docs/exchange-log.md; TS 24.501 4.21's request/provide pair).

State: the open requests, removed when answered, so memory follows the number of
requests in flight; and, per UE, the corrs of its last ``MAX_ANSWERED`` answered
requests: corr is unique within a log, so a request that repeats one of them (an
application whose corr counter never advances) is a violation too. Bounded per UE: a
stuck counter repeats at that UE's very next request, whatever other UEs do meanwhile.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .base import Invariant, Record, Violation, primitive_name, ue_of

ANSWERS = ("Confirm", "Reject")
MAX_ANSWERED = 8  # answered corrs remembered per UE


def _family(name: str) -> str:
    for suffix in ("Request", *ANSWERS):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class Xl1(Invariant):
    id = "XL-1"
    events = frozenset({"primitive"})

    def __init__(self, input: str | None = None) -> None:
        super().__init__(input)
        # corr is unique within a log (docs/exchange-log.md), so it alone keys an open request.
        self._open: dict[str, tuple[str, int | None, float | None, Any]] = {}
        # ue -> corr -> seq of the answer, the UE's last MAX_ANSWERED answered requests
        self._answered: dict[Any, OrderedDict[str, int | None]] = {}

    def feed(self, record: Record) -> list[Violation]:
        name = primitive_name(record)
        if name is None:
            return []
        corr = record.get("corr")
        if name.endswith("Request"):
            if not isinstance(corr, str):
                self.checked += 1
                return [self.at(record, f"{name} without a corr: it can never be answered")]
            if corr in self._open:
                self.checked += 1
                return [
                    self.at(
                        record,
                        f"{name} reuses corr {corr!r} of the unanswered request at seq "
                        f"{self._open[corr][1]}",
                    )
                ]
            self._open[corr] = (name, record.get("seq"), record.get("t"), ue_of(record))
            answered = self._answered.get(ue_of(record))
            if answered is not None and corr in answered:
                # still open: its own answer is not a second violation
                self.checked += 1
                return [
                    self.at(
                        record,
                        f"{name} reuses corr {corr!r} of the request answered at seq "
                        f"{answered[corr]}: corr must be unique within a log",
                    )
                ]
            return []
        if not name.endswith(ANSWERS):
            return []  # an Indication is unsolicited
        self.checked += 1
        if not isinstance(corr, str) or (request := self._open.pop(corr, None)) is None:
            return [
                self.at(
                    record,
                    f"{name} with corr {corr!r} answers no open request (never requested, "
                    "or already answered)",
                )
            ]
        answered = self._answered.setdefault(ue_of(record), OrderedDict())
        answered[corr] = record.get("seq")
        if len(answered) > MAX_ANSWERED:
            answered.popitem(last=False)
        if _family(request[0]) != _family(name):
            return [self.at(record, f"{name} answers {request[0]} {corr!r}")]
        return []

    def finish(self) -> list[Violation]:
        out = []
        for corr, (name, seq, t, ue) in self._open.items():
            self.checked += 1
            out.append(self.violation(seq, t, f"{name} {corr!r} was never answered", ue))
        self._open.clear()
        return out
