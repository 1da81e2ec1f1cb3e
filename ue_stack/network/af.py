"""AF: an application function that accepts AKMA sessions (TS 33.535 6.2).

The UE's application presents its A-KID and a key-confirmation value, ``fp(KAF)``; keys
never cross the Ua* interface. The AF asks the AAnF for KAF with
Naanf_AKMA_ApplicationKey_Get and compares confirmation values.

The AF keeps no KAF between sessions: TS 33.535 6.2 lets an AF with an active context for
the A-KID skip the AAnF, but a twin that did so would hide a stale A-KID behind its own
cache, which is exactly what ue_stack exists to expose.

An AF asks an AAnF directly (in the home network) or through the NEF (outside it, e.g. in
the visited network of a roaming UE: ``network/nef.py``); both answer
``application_key_get``. Each AF gives a Service Disable URI with its requests, so the
AAnF can tell it when AKMA service is disabled for an A-KID (Rel-18, ``ue_stack.rel18``).
"""

from __future__ import annotations

import hmac
from typing import Protocol

from ..crypto.akma import af_id as build_af_id
from ..crypto.secret import fp
from ..events import AfFailureIndication, AfSessionRequest, AfSessionResult, Note, Outbox
from ..rel18 import MAX_RETRIES, SERVICE_DISABLE_CLAUSE
from .aanf import ApplicationKey

OK = "ok"
UNKNOWN_A_KID = "unknown_a_kid"
KEY_MISMATCH = "key_mismatch"


class KeyProvider(Protocol):
    """Where an AF gets KAF: the AAnF itself, or the NEF in front of it."""

    def application_key_get(self, a_kid: str, af_id: bytes, now: float,
                            disable_uri: str | None = None) -> ApplicationKey | None: ...


class Af:
    def __init__(self, aanf: KeyProvider, outbox: Outbox | None = None, *,
                 name: str = "af", failure_indication: bool = False) -> None:
        self.aanf = aanf
        # pass the AAnF's failure indication on to the UE (rel18 choice 3), at most
        # MAX_RETRIES times per session, rather than fail the session at once
        self.failure_indication = failure_indication
        self.outbox = outbox if outbox is not None else Outbox()
        self.name = name
        # The Service Disable URI this AF gives the AAnF (the twin routes notifications
        # to it by this string; nothing is fetched)
        self.disable_uri = f"urn:ue-stack:{name}:akma-service-disable"

    def session_request(
        self, req: AfSessionRequest, now: float, supi: str | None = None
    ) -> AfSessionResult | AfFailureIndication:
        """Check a UE's AKMA session request (TS 33.535 6.2 steps 1-4) and record the
        outcome (log event ``af_session``), or answer a failure indication the UE may
        recover from."""
        key = self.aanf.application_key_get(req.a_kid, build_af_id(req.af_fqdn, req.ua_id), now,
                                            self.disable_uri)
        if key is None and self.failure_indication and req.attempt < MAX_RETRIES:
            indication = AfFailureIndication(req.app, req.af_fqdn, req.ua_id, req.a_kid,
                                             req.attempt, supi)
            self.outbox.put(indication)
            return indication
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

    def service_disabled(self, a_kid: str, now: float) -> None:
        """Naanf_AKMA_ServiceDisableNotification for ``a_kid`` (Rel-18): the sessions keyed
        from it end (this AF keeps no KAF, so there is nothing else to release)."""
        self.outbox.put(Note(self.name, "AKMA service disabled: sessions of the A-KID end",
                             {"a_kid": a_kid, "clause": SERVICE_DISABLE_CLAUSE}))
