"""The shadow network for replay: the twin's AUSF, AAnF and AF, driven by a trace.

A trace supplies the network's downlink; the shadow watches it (``observe_dl``) to know
each challenge, and follows the **model's** uplink (``handle_ul``): when the model's
AUTHENTICATION RESPONSE carries the right RES* for the last challenge (EAP-AKA': the right
AT_RES and AT_MAC), the AUSF stores KAUSF and registers the AKMA context at the AAnF, as
the real network would have
(docs/behaviour.md, "shadow network"). It never sends anything on N1.

Replay always gives it K/OPc: the trace's, or for a trace without them the stand-in
credentials the model's USIM uses too (``trace.replay.stand_in_credentials``), so both
sides' keys stay consistent. Built without K/OPc it cannot recompute XRES*:
``can_verify`` is False, no AKMA context is registered, and AF sessions get a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..crypto.secret import Key
from ..errors import InputError
from ..events import AfFailureIndication, AfSessionRequest, AfSessionResult, Note, Outbox
from ..nas.messages import NasMessage
from .aanf import KAF_LIFETIME, Aanf
from .af import Af
from .ausf import Ausf
from .udm import Subscriber, Udm

LAYER = "shadow"
_SNN = re.compile(r"5G:mnc([0-9]{3})\.mcc([0-9]{3})\.3gppnetwork\.org")


class ShadowNetwork:
    def __init__(
        self,
        supi: str,
        snn: str,
        *,
        k: bytes | None = None,
        opc: bytes | None = None,
        rid: str = "0",
        home_mcc: str | None = None,
        home_mnc: str | None = None,
        akma: bool = True,
        kaf_lifetime: float = KAF_LIFETIME,
        af_failure_indication: bool = False,
    ) -> None:
        self.supi = supi
        self.snn = snn
        self.outbox = Outbox()
        self.can_verify = k is not None and opc is not None
        if self.can_verify and (home_mcc is None or home_mnc is None):
            home_mcc, home_mnc = plmn_of_snn(snn)
        self.udm = Udm()
        if k is not None and opc is not None:  # self.can_verify
            self.udm.add(Subscriber(supi, Key(k), Key(opc), akma=akma, rid=rid,
                                    home_mcc=str(home_mcc), home_mnc=str(home_mnc)))
        self.aanf = Aanf(self.outbox, kaf_lifetime)
        self.ausf = Ausf(self.udm, self.aanf)
        self.af = Af(self.aanf, self.outbox, failure_indication=af_failure_indication)
        self._challenge_rand: bytes | None = None
        self._confirmed_rand: bytes | None = None

    # -- N1, as the trace and the model see it -----------------------------------------

    def observe_dl(self, message: NasMessage, now: float) -> None:
        """A downlink the trace feeds the UE. On AUTHENTICATION REQUEST the AUSF prepares
        XRES*/KAUSF for its RAND (one Milenage run; repeats of a RAND cost nothing)."""
        if not self.can_verify:
            return
        code = message.get("eap_code")
        if code in ("success", "failure") and message.msg != "authentication_request":
            # EAP-Success in SMC or AUTHENTICATION RESULT, EAP-Failure in RESULT or
            # AUTHENTICATION REJECT: only now does a verified EAP answer register AKMA
            if self.ausf.eap_succeeded(self.supi, now, code == "success") and (
                    code == "failure"):
                self._note("EAP-Failure answers a verified AT_RES: the network kept its "
                           "KAUSF and AKMA context", clause="TS 33.535 6.1")
                self._confirmed_rand = None
            return
        if message.msg != "authentication_request":
            return
        if message.get("eap") is not None:  # EAP-AKA': the AUSF's AKA'-Challenge
            rand = message.get("at_rand")
            if rand is not None and rand != self._confirmed_rand:
                self.ausf.observe_eap_challenge(self.supi, dict(message.fields), now)
            self._challenge_rand = rand
            return
        rand, autn = message.get("rand"), message.get("autn")
        if rand is None or autn is None:
            return
        self._challenge_rand = rand
        if rand == self._confirmed_rand:
            return  # a retransmission of a challenge already answered correctly
        self.ausf.observe_challenge(self.supi, self.snn, rand, autn, now)

    def handle_ul(self, message: NasMessage, now: float) -> None:
        """The model's uplink. A correct RES* for the last challenge makes the AUSF store
        KAUSF and register AKMA at the AAnF (TS 33.501 6.1.3.2, TS 33.535 6.1)."""
        if message.msg != "authentication_response" or not self.can_verify:
            return
        if self._challenge_rand is not None and self._challenge_rand == self._confirmed_rand:
            self._note("RES* for a challenge already answered: no new KAUSF")
            return
        if message.get("eap") is not None:
            # EAP-AKA': AKMA is registered when the AUSF decides on EAP-Success, undone if
            # the recording shows EAP-Failure instead (TS 33.535 6.1; observe_dl)
            outcome = self.ausf.eap_response(self.supi, message["eap"], now,
                                             await_success=True)
            if outcome.result == "success":
                self._confirmed_rand = self._challenge_rand
            else:
                self._note("EAP-Response is no valid AKA'-Challenge answer: no new KAUSF")
            return
        if self.ausf.confirm(self.supi, message.get("res_star", b""), now) is None:
            self._note("RES* does not match the last challenge: no new KAUSF")
            return
        self._confirmed_rand = self._challenge_rand

    def handle_af_session(self, req: AfSessionRequest,
                          now: float) -> AfSessionResult | AfFailureIndication | None:
        if not self.can_verify:
            self._note("AF session not checked: the trace has no K/OPc", app=req.app)
            return None
        return self.af.session_request(req, now, self.supi)

    def handle_op(self, op: str, fields: Mapping[str, Any], now: float) -> None:
        """A trace ``net`` record: ``aanf_context_remove`` acts; the simulation-only ops
        (``reauthenticate``, ``drop_next``...) leave a note (docs/trace-format.md)."""
        if op == "aanf_context_remove":
            self.aanf.context_remove(self.supi, now)
        else:
            self._note(f"net op {op!r} is simulation only: ignored in replay", op=op)

    def _note(self, text: str, **fields: Any) -> None:
        self.outbox.put(Note(LAYER, text, fields))


def plmn_of_snn(snn: str) -> tuple[str, str]:
    """MCC and MNC of a serving network name (TS 24.501 9.12.1). An odd name a real core
    sent gives an InputError naming ``snn``: the A-KID realm then needs ``home_plmn``."""
    m = _SNN.fullmatch(snn)
    if m is None:
        raise InputError(f"cannot read a PLMN from snn {snn!r}; give ue.home_plmn", field="snn")
    mnc, mcc = m.groups()
    return mcc, mnc
