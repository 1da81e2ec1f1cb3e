"""XL-1: every request primitive gets exactly one confirm or reject with its ``corr``, and
no answer arrives without a request (FORMATS.md 2; TS 24.501 4.21's request/provide pair).

State: the open requests only, removed when answered, so memory follows the number of
requests in flight.
"""

from __future__ import annotations

from .base import Invariant, Record, Violation, primitive_name

ANSWERS = ("Confirm", "Reject")


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
        # corr is unique within a log (FORMATS.md 2), so it alone keys an open request.
        self._open: dict[str, tuple[str, int | None, float | None]] = {}

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
            self._open[corr] = (name, record.get("seq"), record.get("t"))
            return []
        if not name.endswith(ANSWERS):
            return []  # an Indication is unsolicited
        self.checked += 1
        request = self._open.pop(corr, None) if isinstance(corr, str) else None
        if request is None:
            return [
                self.at(
                    record,
                    f"{name} with corr {corr!r} answers no open request (never requested, "
                    "or already answered)",
                )
            ]
        if _family(request[0]) != _family(name):
            return [self.at(record, f"{name} answers {request[0]} {corr!r}")]
        return []

    def finish(self) -> list[Violation]:
        out = []
        for corr, (name, seq, t) in self._open.items():
            self.checked += 1
            out.append(self.violation(seq, t, f"{name} {corr!r} was never answered"))
        self._open.clear()
        return out
