"""AKMA-4: every AF session succeeds — the AF's AAnF knows the A-KID and the KAF it
returns equals the UE's (TS 33.535 6.3: Naanf_AKMA_ApplicationKey_Get; the desynchronised
KAKMA of docs/behaviour.md shows up here as ``unknown_a_kid`` or ``key_mismatch``)."""

from __future__ import annotations

from .base import Invariant, Record, Violation, short


class Akma4(Invariant):
    id = "AKMA-4"
    events = frozenset({"af_session"})

    def feed(self, record: Record) -> list[Violation]:
        if record.get("event") != "af_session":
            return []
        self.checked += 1
        result = record.get("result")
        if result == "ok":
            return []
        detail = ""
        if result == "key_mismatch":
            detail = (
                f": UE KAF fp {short(record.get('k_af_fp_ue'))}, "
                f"network KAF fp {short(record.get('k_af_fp_net'))}"
            )
        return [
            self.at(
                record,
                f"af_session of app {record.get('app')!r} with AF {record.get('af_id')!r} "
                f"for A-KID {record.get('a_kid')!r} ended {result!r}{detail}",
            )
        ]
