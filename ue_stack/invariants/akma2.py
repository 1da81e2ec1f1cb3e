"""AKMA-2: every ObtainAkmaKeyConfirm is derived from the KAUSF valid at that moment
(TS 24.501 4.21: "derive KAKMA and A-TID from KAUSF"; TS 33.501 6.2.2.2: the new KAUSF
is not taken into use before the SECURITY MODE COMMAND, so never the pending one).

A confirm given while no KAUSF is valid is AKMA-3's business and is not counted here.
"""

from __future__ import annotations

from .base import AKMA_CONFIRM, Invariant, Record, Violation, primitive_name, short, ue_of
from .kausf_view import KausfView


class Akma2(Invariant):
    id = "AKMA-2"
    events = frozenset({"primitive", "kausf", "usim"})

    def __init__(self, input: str | None = None) -> None:
        super().__init__(input)
        self._view = KausfView()

    def feed(self, record: Record) -> list[Violation]:
        if self._view.update(record) or primitive_name(record) != AKMA_CONFIRM:
            return []
        ue = ue_of(record)
        valid = self._view.valid_fp(ue)
        if valid is None:
            return []
        self.checked += 1
        fp = record.get("k_ausf_fp")
        if fp == valid:
            return []
        which = " (the pending KAUSF)" if fp is not None and fp == self._view.pending_fp(ue) else ""
        return [
            self.at(
                record,
                f"ObtainAkmaKeyConfirm {record.get('corr')!r} derived from KAUSF fp "
                f"{short(fp)}{which}, but the valid KAUSF is {short(valid)}",
            )
        ]
