"""AF: an application function that accepts AKMA sessions (TS 33.535 6.2).

The UE's application presents its A-KID and a key-confirmation value, ``fp(KAF)``; keys
never cross the Ua* interface. The AF asks the AAnF for KAF with
Naanf_AKMA_ApplicationKey_Get and compares confirmation values.

The AF keeps no KAF between sessions: TS 33.535 6.2 lets an AF with an active context for
the A-KID skip the AAnF, but a twin that did so would hide a stale A-KID behind its own
cache, which is exactly what ue_stack exists to expose.
"""

from __future__ import annotations

import hmac

from ..crypto.akma import af_id as build_af_id
from ..crypto.secret import fp
from ..events import AfSessionRequest, AfSessionResult, Outbox
from .aanf import Aanf

OK = "ok"
UNKNOWN_A_KID = "unknown_a_kid"
KEY_MISMATCH = "key_mismatch"


class Af:
    def __init__(self, aanf: Aanf, outbox: Outbox | None = None) -> None:
        self.aanf = aanf
        self.outbox = outbox if outbox is not None else Outbox()

    def session_request(
        self, req: AfSessionRequest, now: float, supi: str | None = None
    ) -> AfSessionResult:
        """Check a UE's AKMA session request (TS 33.535 6.2 steps 1-4) and record the
        outcome (log event ``af_session``)."""
        key = self.aanf.application_key_get(req.a_kid, build_af_id(req.af_fqdn, req.ua_id), now)
        if key is None:
            result, net_fp = UNKNOWN_A_KID, None
        else:
            net_fp = fp(key.k_af)
            result = OK if hmac.compare_digest(net_fp, req.k_af_fp) else KEY_MISMATCH
        event = AfSessionResult(
            app=req.app,
            af_id=req.af_id,
            a_kid=req.a_kid,
            result=result,
            k_af_fp_ue=req.k_af_fp,
            k_af_fp_net=net_fp,
            supi=supi,
        )
        self.outbox.put(event)
        return event
