"""AKMA-1: every KAF comes from a fresh ObtainAkmaKeyConfirm (TS 24.501 4.21, as amended:
"when the upper layers need to derive KAF, they are required to request the UE NAS layer
to obtain KAKMA and A-KID").

Each ``kaf_derived`` must name (``corr``) an ``ObtainAkmaKeyConfirm`` sent earlier to
``app:<its app>``, not used by another derivation, whose ``k_akma_fp`` it repeats. A
``kaf_derived`` with ``corr`` null is a KAF from a cached KAKMA — the pre-CR behaviour.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .base import (
    AKMA_CONFIRM,
    Invariant,
    Record,
    Violation,
    app_of_dst,
    primitive_name,
    short,
    ue_of,
)

# Bounds on remembered confirms: unused ones (an app that never derived), per UE, and used
# ones (kept only to explain a reuse). corr is unique within a log (docs/exchange-log.md), so the
# oldest entries are the least likely to matter; evicting them keeps memory flat on long
# logs. The unused bound is per UE: a global one would evict confirms still legitimately
# in flight once more UEs than that wait at once (10,000 simulated UEs did).
MAX_UNUSED = 4096
MAX_USED = 4096


class Akma1(Invariant):
    id = "AKMA-1"
    events = frozenset({"primitive", "kaf_derived"})

    def __init__(self, input: str | None = None) -> None:
        super().__init__(input)
        # corr -> (app, k_akma_fp, ue) of each confirm not used yet; looked up by corr alone
        self._unused: dict[str, tuple[str | None, str | None, Any]] = {}
        # ue -> its unused corrs, oldest first (the eviction order)
        self._unused_of: dict[Any, OrderedDict[str, None]] = {}
        self._used: OrderedDict[str, int | None] = OrderedDict()

    def feed(self, record: Record) -> list[Violation]:
        if primitive_name(record) == AKMA_CONFIRM:
            corr = record.get("corr")
            if isinstance(corr, str):
                ue = ue_of(record)
                self._forget(corr)  # a repeated corr counts as the newest
                self._unused[corr] = (app_of_dst(record), record.get("k_akma_fp"), ue)
                order = self._unused_of.setdefault(ue, OrderedDict())
                order[corr] = None
                if len(order) > MAX_UNUSED:
                    self._forget(next(iter(order)))
            return []
        if record.get("event") != "kaf_derived":
            return []
        self.checked += 1
        return [v for v in [self._check_derivation(record)] if v is not None]

    def _check_derivation(self, record: Record) -> Violation | None:
        app, corr, fp = record.get("app"), record.get("corr"), record.get("k_akma_fp")
        if corr is None:
            return self.at(
                record,
                f"kaf_derived for app {app!r} used KAKMA fp {short(fp)} without a fresh "
                "ObtainAkmaKeyConfirm (corr null: a cached KAKMA)",
            )
        entry = self._forget(corr)
        if entry is None:
            if corr in self._used:
                return self.at(
                    record,
                    f"kaf_derived for app {app!r} reused ObtainAkmaKeyConfirm {corr!r}, "
                    f"already used by the derivation at seq {self._used[corr]}",
                )
            return self.at(
                record,
                f"kaf_derived for app {app!r} names corr {corr!r}, but no "
                "ObtainAkmaKeyConfirm with that corr came before",
            )
        self._used[corr] = record.get("seq")
        if len(self._used) > MAX_USED:
            self._used.popitem(last=False)
        confirm_app, confirm_fp, _ue = entry
        if confirm_app != app:
            return self.at(
                record,
                f"kaf_derived for app {app!r} used ObtainAkmaKeyConfirm {corr!r}, which went "
                f"to app {confirm_app!r}",
            )
        if confirm_fp != fp:
            return self.at(
                record,
                f"kaf_derived for app {app!r} used KAKMA fp {short(fp)}, but "
                f"ObtainAkmaKeyConfirm {corr!r} gave {short(confirm_fp)}",
            )
        return None

    def _forget(self, corr: Any) -> tuple[str | None, str | None, Any] | None:
        """Drop an unused confirm; return what was remembered of it."""
        entry = self._unused.pop(corr, None)
        if entry is not None:
            order = self._unused_of[entry[2]]
            del order[corr]
            if not order:
                del self._unused_of[entry[2]]
        return entry
