"""AKMA-3: with no valid KAUSF, NAS answers ObtainAkmaKeyReject, never a confirm
(TS 24.501 4.21: "derive KAKMA ... from KAUSF if available"; docs/behaviour.md: no valid KAUSF
or an invalid USIM -> reject).

"No valid KAUSF": none announced yet, the valid one deleted, the USIM removed, or the USIM
invalid (see ``KausfView``). Checked: every AKMA confirm, and every AKMA reject given while
no KAUSF is valid (the decision this invariant is about).

Evidence: a log that never reports ``kausf``/``usim`` status (a foreign log) cannot say
whether a KAUSF was valid, so nothing is checked for a UE until its first such line. AKMA
answers before that line are held (bounded) and decided when it comes: up to then no
KAUSF had been announced, so a held confirm is a violation ("none yet"). If the line never
comes, they stay unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import AKMA_CONFIRM, AKMA_REJECT, Invariant, Record, Violation, primitive_name, ue_of
from .kausf_view import USABLE, KausfView

MAX_HELD = 100  # confirms remembered individually per UE before the first evidence


@dataclass(slots=True)
class _Held:
    confirms: list[tuple[int | None, float | None, Any]] = field(default_factory=list)
    extra_confirms: int = 0
    last: tuple[int | None, float | None] = (None, None)
    rejects: int = 0


class Akma3(Invariant):
    id = "AKMA-3"
    events = frozenset({"primitive", "kausf", "usim"})

    def __init__(self, input: str | None = None) -> None:
        super().__init__(input)
        self._view = KausfView()
        self._held: dict[Any, _Held] = {}

    def feed(self, record: Record) -> list[Violation]:
        ue = ue_of(record)
        if self._view.update(record):
            held = self._held.pop(ue, None)
            return self._decide_held(held, ue) if held is not None else []
        name = primitive_name(record)
        if name not in (AKMA_CONFIRM, AKMA_REJECT):
            return []
        if not self._view.has_evidence(ue):
            self._hold(ue, name, record)
            return []
        if self._view.valid_fp(ue) is not None:
            if name == AKMA_CONFIRM:
                self.checked += 1
            return []
        self.checked += 1
        if name == AKMA_REJECT:
            return []
        usim = self._view.usim_status(ue)
        why = "no KAUSF is valid" if usim in USABLE else f"the USIM is {usim}"
        return [
            self.at(
                record,
                f"ObtainAkmaKeyConfirm {record.get('corr')!r} while {why}: NAS must answer "
                "ObtainAkmaKeyReject",
            )
        ]

    def _hold(self, ue: Any, name: str, record: Record) -> None:
        held = self._held.setdefault(ue, _Held())
        if name == AKMA_REJECT:
            held.rejects += 1
        elif len(held.confirms) < MAX_HELD:
            held.confirms.append((record.get("seq"), record.get("t"), record.get("corr")))
        else:
            held.extra_confirms += 1
            held.last = (record.get("seq"), record.get("t"))

    def _decide_held(self, held: _Held, ue: Any) -> list[Violation]:
        self.checked += held.rejects + len(held.confirms) + held.extra_confirms
        out = [
            self.violation(
                seq,
                t,
                f"ObtainAkmaKeyConfirm {corr!r} before any KAUSF was valid: NAS must answer "
                "ObtainAkmaKeyReject",
                ue,
            )
            for seq, t, corr in held.confirms
        ]
        if held.extra_confirms:
            v = self.violation(
                *held.last,
                f"{held.extra_confirms} more ObtainAkmaKeyConfirm before any KAUSF was valid",
                ue,
            )
            self.violations += held.extra_confirms - 1
            out.append(v)
        return out
