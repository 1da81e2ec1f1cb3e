"""What every invariant shares: the ``Violation`` value and the ``Invariant`` base class.

An invariant is a small online check over exchange-log records (docs/exchange-log.md
and docs/invariants.md): ``feed(record)`` returns the violations that record reveals,
``finish()`` those only the end of the log reveals. Each keeps bounded state — what it
needs to decide the next record, never the log itself — and counts ``checked`` (decisions made) and
``violations``. Records are plain dicts; unknown events and extra fields are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

Record = dict[str, Any]

AKMA_REQUEST = "ObtainAkmaKeyRequest"
AKMA_CONFIRM = "ObtainAkmaKeyConfirm"
AKMA_REJECT = "ObtainAkmaKeyReject"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken invariant at one log line (docs/report.md, ``violations``)."""

    invariant: str
    seq: int | None
    t: float | None
    message: str
    input: str | None = None
    line: int | None = None  # the trace line whose record led to it (replay)
    frame: int | None = None  # that record's capture frame
    ue: str | None = None  # the UE (SUPI or SUCI) whose log lines revealed it, where known
    log_line: int | None = None  # check: the exchange-log line that revealed it

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"invariant": self.invariant}
        if self.input is not None:
            out["input"] = self.input
        if self.ue is not None:
            out["ue"] = self.ue
        out.update(seq=self.seq, t=self.t, message=self.message)
        if self.line is not None:
            out["line"] = self.line
        if self.frame is not None:
            out["frame"] = self.frame
        if self.log_line is not None:
            out["log_line"] = self.log_line
        return out


class Invariant:
    """Base class: subclasses set ``id`` and implement ``feed``. ``events``: the log
    events whose records can change the invariant's state or verdict; the checker feeds
    it only those (every record when None)."""

    id: ClassVar[str]
    events: ClassVar[frozenset[str] | None] = None

    def __init__(self, input: str | None = None) -> None:
        self.input = input
        self.checked = 0
        self.violations = 0

    def feed(self, record: Record) -> list[Violation]:
        raise NotImplementedError

    def finish(self) -> list[Violation]:
        return []

    def violation(self, seq: int | None, t: float | None, message: str,
                  ue: Any = None) -> Violation:
        """Count and build a violation found at ``seq``/``t`` (of ``ue``, where known)."""
        self.violations += 1
        return Violation(self.id, seq, t, message, self.input,
                         ue=ue if isinstance(ue, str) else None)

    def at(self, record: Record, message: str) -> Violation:
        """A violation at this record, of the UE the record names."""
        return self.violation(record.get("seq"), record.get("t"), message, ue_of(record))


def ue_of(record: Record) -> Any:
    """The UE a record belongs to: logs of several UEs carry ``ue``; single-UE logs don't."""
    return record.get("ue")


def primitive_name(record: Record) -> str | None:
    """The primitive's name if this is a ``primitive`` line, else None."""
    if record.get("event") != "primitive":
        return None
    name = record.get("name")
    return name if isinstance(name, str) else None


def app_of_dst(record: Record) -> str | None:
    """``app:<name>`` -> ``name`` (docs/exchange-log.md: src/dst naming)."""
    dst = record.get("dst")
    if isinstance(dst, str) and dst.startswith("app:"):
        return dst[4:]
    return None


def short(fp: Any) -> str:
    """A fingerprint shortened for messages (fingerprints are not secret, just long)."""
    return f"{fp[:8]}.." if isinstance(fp, str) and len(fp) > 10 else repr(fp)
