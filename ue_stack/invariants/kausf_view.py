"""The UE's KAUSF status as a log tells it (events ``kausf`` and ``usim``, docs/exchange-log.md).

AKMA-2 and AKMA-3 each keep their own view (invariants share no mutable state). A KAUSF
counts as valid from ``kausf valid`` until ``kausf deleted`` of that fingerprint, USIM
removal or insertion (the KAUSF belongs to the USIM that was present, TS 33.501 6.2.2.2),
and it is unusable while the USIM is invalid (after AUTHENTICATION REJECT, TS 24.501
5.4.1.3.5) — NAS must then reject AKMA requests (docs/behaviour.md, AKMA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Record, ue_of

USABLE = ("valid", "inserted")  # USIM statuses under which a KAUSF can be used


@dataclass(slots=True)
class _UeKeys:
    valid: str | None = None
    pending: str | None = None
    usim: str = "valid"  # the last `usim` action
    evidence: bool = False  # the log reports this UE's KAUSF/USIM status at all


class KausfView:
    def __init__(self) -> None:
        self._ues: dict[Any, _UeKeys] = {}

    def update(self, record: Record) -> bool:
        """Apply a ``kausf``/``usim`` line; True if the record was one."""
        event = record.get("event")
        if event not in ("kausf", "usim"):
            return False
        st = self._ues.setdefault(ue_of(record), _UeKeys())
        st.evidence = True
        action = record.get("action")
        if event == "kausf":
            fp = record.get("k_ausf_fp")
            if action in ("valid", "stored"):  # stored: held from before the log
                st.valid, st.pending = fp, None
            elif action == "pending":
                st.pending = fp
            elif action == "deleted":
                # The old KAUSF may be deleted after the new one became valid (SMC): only
                # a deletion of the valid one (or an unnamed one) leaves none valid.
                if fp is None or fp == st.valid:
                    st.valid = None
                if fp is None or fp == st.pending:
                    st.pending = None
        elif action in ("valid", "inserted", "invalid", "removed"):
            st.usim = action
            if action in ("inserted", "removed"):
                st.valid = st.pending = None
        return True

    def valid_fp(self, ue: Any) -> str | None:
        """The fingerprint of the KAUSF usable for AKMA now, or None."""
        st = self._ues.get(ue)
        if st is None or st.usim not in USABLE:
            return None
        return st.valid

    def pending_fp(self, ue: Any) -> str | None:
        st = self._ues.get(ue)
        return st.pending if st is not None else None

    def usim_status(self, ue: Any) -> str:
        """The USIM's last reported status (``valid`` when none was reported)."""
        st = self._ues.get(ue)
        return st.usim if st is not None else "valid"

    def has_evidence(self, ue: Any) -> bool:
        st = self._ues.get(ue)
        return st is not None and st.evidence
