"""NAS-4 and NAS-5: the UE acts on no downlink that TS 24.501 4.4.4.2 says it must not
process, and on no protected downlink twice (4.4.3.1).

How a log shows it. A ``dl`` ``n1`` line carrying ``sht`` (docs/exchange-log.md: a line
without it was protected as the spec says, and is not checked) opens a window for its UE.
The window closes *not acted on* at a ``discarded`` line, at the next ``dl`` or ``input``
line, or at the end of the log; it closes *acted on* at the first line the message
caused: an ``ul`` N1 message, a 5GMM ``state`` change, a ``kausf`` or ``usim`` change, or
a primitive from NAS. Only then does a forbidden message count as a violation — a UE may
always discard.

What is forbidden, in the order a receiving UE decides (the list of messages processed
before secure exchange is ``nas.protection.UNPROTECTED``, the one table):

- NAS-4: a SECURITY MODE COMMAND whose security header type is not 3 or whose MAC failed;
  any other message that is plain or whose MAC failed, once secure exchange is
  established (the UE sent SECURITY MODE COMPLETE, or acted on a verified protected
  message, on this connection), or before it unless the table lets it through.
- NAS-5: a protected message whose ``count`` is at or below the last one acted on in the
  same context (a SECURITY MODE COMMAND naming a new ngKSI starts a new context).

Secure exchange ends with the connection: 5GMM-NULL or DEREGISTERED, a lower layer
failure (``input`` ``lower_layer_failure``). The context (and its COUNTs) ends where the
UE deletes it: a ``usim`` invalid/removed/inserted line, or a DEREGISTERED substate only a
reject leads to (``CONTEXT_DELETED_IN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..nas.protection import UNPROTECTED
from .base import Invariant, Record, Violation, ue_of

SMC = "security_mode_command"
ACTION_EVENTS = frozenset({"kausf", "usim"})
RELEASED_PREFIXES = ("5GMM-NULL", "5GMM-DEREGISTERED")  # not DEREGISTERED-INITIATED
# States a UE enters only by deleting its ngKSI and 5G NAS security context with it (a
# reject, a lost USIM: TS 24.501 5.4.1.3.5, 5.5.1.2.5, 5.5.2.3.2): later COUNTs are new.
CONTEXT_DELETED_IN = frozenset({"5GMM-DEREGISTERED.NO-SUPI", "5GMM-DEREGISTERED.LIMITED-SERVICE"})


@dataclass(slots=True)
class _Pending:
    record: Record
    forbidden: str | None
    replay: str | None
    count: int | None
    smc_ngksi: int | None
    default: bool = False  # no sht: the next COUNT of its context


@dataclass(slots=True)
class _Ue:
    secure: bool = False
    state: str = "5GMM-NULL"
    ngksi: int | None = None  # of the context the counts belong to
    last: int = -1
    pending: _Pending | None = None
    smc: tuple[int, int] | None = None  # (ngKSI, COUNT) of an SMC acted on, until COMPLETE


class Nas5(Invariant):
    """Counted and reported by ``Nas4``, which watches the same windows."""

    id = "NAS-5"
    events = frozenset()

    def feed(self, record: Record) -> list[Violation]:
        return []


class Nas4(Invariant):
    id = "NAS-4"
    events = frozenset({"n1", "discarded", "state", "kausf", "usim", "primitive", "input"})

    def __init__(self, input: str | None = None, nas5: Nas5 | None = None) -> None:
        super().__init__(input)
        self.nas5 = nas5 if nas5 is not None else Nas5(input)
        self._ues: dict[Any, _Ue] = {}

    def feed(self, record: Record) -> list[Violation]:
        event = record.get("event")
        ue = self._ues.get(ue_of(record))
        if ue is None:
            if event != "n1" and event != "state":
                return []
            ue = self._ues.setdefault(ue_of(record), _Ue())
        if event == "n1":
            if record.get("dir") == "dl":
                ue.pending = None  # the previous one caused nothing
                self._open(ue, record)
                return []
            out = self._acted(ue)
            if record.get("msg") == "security_mode_complete":
                ue.secure = True
                if ue.smc is not None:  # the SMC's context is taken into use
                    ngksi, count = ue.smc
                    if ngksi != ue.ngksi:
                        ue.ngksi, ue.last = ngksi, count
                    ue.last = max(ue.last, count)
                    ue.smc = None
            return out
        if event == "discarded" or event == "input":
            ue.pending = None
            if event == "input" and record.get("action") in ("lower_layer_failure",
                                                             "power_off"):
                ue.secure = False
            return []
        if event == "state":
            if record.get("layer") != "5gmm":
                return []
            out = self._acted(ue)
            to = record.get("to")
            if isinstance(to, str):
                ue.state = to
                if to.startswith(RELEASED_PREFIXES) and to != "5GMM-DEREGISTERED-INITIATED":
                    ue.secure = False
                if to in CONTEXT_DELETED_IN:
                    ue.ngksi, ue.last = None, -1
            return out
        if event == "primitive" and record.get("src") != "nas":
            return []
        out = self._acted(ue)
        if event == "usim" and record.get("action") in ("invalid", "removed", "inserted"):
            ue.ngksi, ue.last = None, -1  # the ngKSI and its context are deleted with it
        return out

    def _open(self, ue: _Ue, record: Record) -> None:
        sht = record.get("sht")
        if not isinstance(sht, int):
            # Protected as the spec says (the v1 default): nothing to check, but acted on
            # it takes the next downlink COUNT of its context (an SMC: of the one it names)
            smc = record.get("ngksi") if record.get("msg") == SMC else None
            if smc is not None or ue.ngksi is not None:
                ue.pending = _Pending(record, None, None, None, smc, default=True)
            return
        msg, mac, count = record.get("msg"), record.get("mac"), record.get("count")
        self.checked += 1
        forbidden: str | None = None
        smc_ngksi = None
        if msg == SMC:
            smc_ngksi = record.get("ngksi")
            if sht != 3:
                forbidden = f"a SECURITY MODE COMMAND with security header type {sht}, not 3"
            elif mac == "failed":
                forbidden = "a SECURITY MODE COMMAND whose MAC failed"
        elif sht == 0 or mac == "failed":
            what = "plain" if sht == 0 else "MAC failed"
            rule = UNPROTECTED.get(msg) if isinstance(msg, str) else None
            if ue.secure:
                forbidden = f"{msg} ({what}) after secure exchange of NAS messages"
            elif rule is None:
                forbidden = f"{msg} ({what}) is not processed before secure exchange"
            elif rule.condition is not None and not rule.condition(_Fields(record), ue.state):
                forbidden = f"{msg} ({what}) before secure exchange, but {rule.unless}"
        replay = None
        if sht != 0 and isinstance(count, int):
            self.nas5.checked += 1
            same_context = smc_ngksi is None or smc_ngksi == ue.ngksi
            if same_context and count <= ue.last:
                replay = f"{msg} with NAS COUNT {count}, not above {ue.last} acted on before"
        ue.pending = _Pending(record, forbidden, replay,
                              count if sht != 0 and isinstance(count, int) else None, smc_ngksi)

    def _acted(self, ue: _Ue) -> list[Violation]:
        pending = ue.pending
        if pending is None:
            return []
        ue.pending = None
        out: list[Violation] = []
        record = pending.record
        if pending.forbidden is not None:
            out.append(self.at(record, f"acted on {pending.forbidden} (TS 24.501 4.4.4.2)"))
        if pending.replay is not None:
            out.append(self.nas5.at(record, f"acted on {pending.replay} "
                                            "(a replay, TS 24.501 4.4.3.1)"))
        if pending.smc_ngksi is not None:
            # its context counts from it once the UE completes it
            same = pending.smc_ngksi == ue.ngksi
            count = pending.count if pending.count is not None else (
                ue.last + 1 if same else 0)
            ue.smc = (pending.smc_ngksi, count)
        elif pending.default:
            ue.last += 1
        elif pending.count is not None and pending.count > ue.last:
            ue.last = pending.count
        if record.get("sht") in (1, 2) and record.get("mac") != "failed" and ue.ngksi is not None:
            ue.secure = True  # a verified protected message establishes it
        return out


class _Fields:
    """A log line read as a message (``get``), for the conditions of the table."""

    __slots__ = ("record",)

    def __init__(self, record: Record) -> None:
        self.record = record

    def get(self, name: str, default: Any = None) -> Any:
        return self.record.get(name, default)
