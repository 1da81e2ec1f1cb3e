"""AUSF: the home network's authentication server for 5G AKA (TS 33.501 6.1.3.2) and
EAP-AKA' (6.1.3.1, RFC 9048; the EAP server), and the AKMA anchor-key producer (TS 33.535
6.1). The UDM's subscription says which method a subscriber gets (``auth_method``).

For each SUPI it keeps the challenge in progress (XRES*, the candidate KAUSF) and the
KAUSF of the last successful authentication. When RES* equals XRES* it stores the new
KAUSF, and for an AKMA subscriber derives KAKMA, A-TID and A-KID and registers them at the
AAnF (Naanf_AKMA_AnchorKey_Register) — at RES* verification, i.e. before the UE takes the
new KAUSF into use at SMC. That gap is window W1 of docs/behaviour.md. With EAP-AKA' the same
happens when the AUSF decides on EAP-Success (AT_RES and AT_MAC verified): KAUSF =
EMSK[0:32] is stored and registered at the AAnF as the EAP-Success leaves for the UE.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from ..crypto import akma
from ..crypto.aka import hxres_star, k_ausf, k_seaf, res_star, supi_for_kdf
from ..crypto.eap_aka_prime import challenge_keys
from ..crypto.milenage import milenage
from ..crypto.secret import Key
from ..nas import eap
from .aanf import Aanf, AkmaContext
from .udm import Udm

ABBA_DEFAULT = b"\x00\x00"  # TS 33.501 A.7.1: no anti-bidding-down features


@dataclass(frozen=True, slots=True)
class Challenge:
    """The 5G SE AV the AUSF hands to the SEAF (TS 33.501 6.1.3.2 step 6), plus ABBA."""

    rand: bytes
    autn: bytes
    hxres_star: bytes
    abba: bytes = ABBA_DEFAULT
    eap: bytes | None = None  # EAP-AKA': the EAP-Request/AKA'-Challenge to carry


@dataclass(frozen=True, slots=True)
class EapOutcome:
    """The AUSF's answer to an EAP-Response (TS 33.501 6.1.3.1 steps 7-10): ``success``
    (with the EAP-Success packet and KSEAF), ``resync`` (the UDM took AT_AUTS: send a new
    challenge) or ``failure`` (with the EAP-Failure packet)."""

    result: str
    eap: bytes | None = None
    k_seaf: Key | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class _EapPending:
    snn: str
    rand: bytes
    eap_id: int
    xres: bytes
    k_aut: Key = field(repr=False)
    k_ausf: Key = field(repr=False)


@dataclass(frozen=True, slots=True)
class _Pending:
    snn: str
    rand: bytes
    autn: bytes
    xres_star: bytes
    k_ausf: Key = field(repr=False)


class Ausf:
    def __init__(self, udm: Udm, aanf: Aanf) -> None:
        self.udm = udm
        self.aanf = aanf
        self._pending: dict[str, _Pending] = {}
        self._eap: dict[str, _EapPending] = {}
        self._eap_ids: dict[str, int] = {}
        self._k_ausf: dict[str, Key] = {}
        # Shadow mode: for a verified EAP answer whose outcome the recording has yet to
        # show, the KAUSF and AKMA context it replaced (TS 33.535 6.1: AKMA belongs to a
        # successful authentication only; ``eap_succeeded``)
        self._awaiting_success: dict[str, tuple[Key | None, AkmaContext | None]] = {}

    def authenticate(self, supi: str, snn: str) -> Challenge:
        """Nausf_UEAuthentication_Authenticate (TS 33.501 6.1.3.2 steps 1-6): get a 5G HE
        AV from the UDM, keep XRES* and the candidate KAUSF, return RAND/AUTN/HXRES*.
        An EAP-AKA' subscriber gets an EAP-Request/AKA'-Challenge instead (6.1.3.1)."""
        if self.udm.subscriber(supi).auth_method == "eap-aka-prime":
            return self._eap_challenge(supi, snn)
        av = self.udm.generate_av(supi, snn)
        self._pending[supi] = _Pending(snn, av.rand, av.autn, av.xres_star, av.k_ausf)
        return Challenge(av.rand, av.autn, hxres_star(av.rand, av.xres_star))

    def observe_challenge(
        self, supi: str, snn: str, rand: bytes, autn: bytes, now: float
    ) -> Challenge:
        """Shadow mode (replay): take a challenge seen in a trace as if this AUSF had made
        it, recomputing XRES* and KAUSF (TS 33.501 A.2, A.4) from K/OPc.

        One Milenage run without SQN suffices: RES, CK and IK do not depend on SQN, and
        KAUSF takes SQN xor AK as it stands in AUTN. A repeat of the same challenge (a
        retransmission, or #71's re-sent challenge) reuses the previous result.
        """
        prev = self._pending.get(supi)
        if prev is not None and prev.rand == rand and prev.autn == autn and prev.snn == snn:
            return Challenge(rand, autn, hxres_star(rand, prev.xres_star))
        sub = self.udm.subscriber(supi)
        m = milenage(sub.k, sub.opc, rand)
        xres = res_star(m.ck, m.ik, snn, rand, m.res)
        kausf = k_ausf(m.ck, m.ik, snn, autn[:6])
        self._pending[supi] = _Pending(snn, bytes(rand), bytes(autn), xres, kausf)
        return Challenge(rand, autn, hxres_star(rand, xres))

    def confirm(self, supi: str, res_star_value: bytes, now: float) -> Key | None:
        """Nausf_UEAuthentication_Authenticate confirmation (TS 33.501 6.1.3.2 steps
        10-12; TS 33.535 6.1): on RES* == XRES*, store KAUSF, register AKMA at the AAnF
        for an AKMA subscriber, and return KSEAF. None when authentication failed or no
        challenge is pending; the pending challenge is consumed either way."""
        pending = self._pending.pop(supi, None)
        if pending is None or not hmac.compare_digest(pending.xres_star, res_star_value):
            return None
        return self._anchor(supi, pending.k_ausf, pending.snn, now)

    def _anchor(self, supi: str, kausf: Key, snn: str, now: float) -> Key:
        """A primary authentication succeeded: store KAUSF, register KAKMA/A-KID at the
        AAnF for an AKMA subscriber (TS 33.535 6.1), return KSEAF (TS 33.501 A.6)."""
        self._k_ausf[supi] = kausf
        sub = self.udm.subscriber(supi)
        if sub.akma:
            k_akma = akma.k_akma(kausf, supi)
            a_tid = akma.a_tid(kausf, supi)
            a_kid = akma.a_kid(sub.rid, a_tid, sub.home_mcc, sub.home_mnc)
            self.aanf.register(supi, a_kid, k_akma, now)
        return k_seaf(kausf, snn)

    # -- EAP-AKA' (TS 33.501 6.1.3.1; RFC 9048) ------------------------------------------

    def _eap_challenge(self, supi: str, snn: str) -> Challenge:
        """EAP-Request/AKA'-Challenge with AT_RAND, AT_AUTN, AT_KDF_INPUT (the serving
        network name), AT_KDF 1 and AT_MAC (6.1.3.1 steps 2-5). The SEAF sees no HXRES*."""
        av = self.udm.generate_av(supi, snn)
        ident = self._eap_ids[supi] = (self._eap_ids.get(supi, 0) % 255) + 1
        assert av.ck is not None and av.ik is not None  # the UDM gives them with every AV
        request = self._keep_eap(supi, snn, av.rand, av.autn, ident, av.xres, av.ck, av.ik)
        return Challenge(av.rand, av.autn, b"", eap=request)

    def _keep_eap(self, supi: str, snn: str, rand: bytes, autn: bytes, ident: int,
                  xres: bytes, ck: bytes, ik: bytes) -> bytes:
        keys = challenge_keys(ck, ik, snn, autn[:6], supi_for_kdf(supi).decode())
        self._eap[supi] = _EapPending(snn, bytes(rand), ident, xres, keys.k_aut, keys.k_ausf)
        return eap.challenge_request(ident, rand, autn, snn, keys.k_aut)

    def observe_eap_challenge(self, supi: str, fields: dict[str, Any], now: float) -> None:
        """Shadow mode (replay): take an AKA'-Challenge seen in a trace as this AUSF's own,
        recomputing XRES, K_aut and KAUSF from K/OPc for its network name."""
        rand, autn, name = fields.get("at_rand"), fields.get("at_autn"), fields.get(
            "at_kdf_input")
        if rand is None or autn is None or name is None:
            return
        sub = self.udm.subscriber(supi)
        m = milenage(sub.k, sub.opc, rand)
        self._keep_eap(supi, name, rand, autn, fields.get("eap_id", 0), m.res, m.ck, m.ik)

    def eap_response(self, supi: str, packet: bytes, now: float, *,
                     await_success: bool = False) -> EapOutcome:
        """An EAP-Response from the UE (6.1.3.1 steps 7-10). AKA'-Challenge with the right
        AT_MAC and AT_RES -> EAP-Success, KAUSF = EMSK[0:32] stored and AKMA registered;
        AKA'-Synchronization-Failure -> resynchronise the UDM from AT_AUTS (6.1.3.3.2);
        anything else (Authentication-Reject, Client-Error, a wrong RES or MAC) ->
        EAP-Failure (RFC 4187 6.3). The pending challenge is consumed either way."""
        pending = self._eap.pop(supi, None)
        if pending is None:
            return EapOutcome("failure", eap.encode({"eap_code": "failure"}))
        failure = eap.encode({"eap_code": "failure", "eap_id": pending.eap_id})
        try:
            fields = eap.decode(packet)
        except eap.EapDecodeError:
            return EapOutcome("failure", failure)
        subtype = fields.get("eap_subtype")
        if subtype == "synchronization-failure" and fields.get("at_auts") is not None:
            if self.udm.resynchronise(supi, pending.rand, fields["at_auts"]):
                return EapOutcome("resync")
            return EapOutcome("failure", failure)
        res = fields.get("at_res")
        if (
            subtype != "challenge"
            or res is None
            or not eap.mac_ok(pending.k_aut, packet)
            or not hmac.compare_digest(res, pending.xres)
        ):
            return EapOutcome("failure", failure)
        if await_success:  # shadow mode: the recorded network has the last word
            self._awaiting_success[supi] = (self._k_ausf.get(supi), self.aanf.context(supi))
        kseaf = self._anchor(supi, pending.k_ausf, pending.snn, now)
        success = eap.encode({"eap_code": "success", "eap_id": pending.eap_id})
        return EapOutcome("success", success, kseaf)

    def eap_succeeded(self, supi: str, now: float, succeeded: bool) -> bool:
        """Shadow mode: the recording shows the EAP-Success (``succeeded``) or the
        EAP-Failure that answered a verified AT_RES. The AUSF of a network that follows
        the spec decides on EAP-Success when it verifies AT_RES, so the shadow anchored
        then (window W1 stays visible); a recorded EAP-Failure shows that network decided
        otherwise: its AUSF kept the old KAUSF and its AAnF the old AKMA context, which
        are put back (TS 33.535 6.1: only a successful authentication registers AKMA).
        True when a verified answer was waiting for its outcome."""
        waiting = self._awaiting_success.pop(supi, None)
        if waiting is None:
            return False
        if not succeeded:
            old_kausf, old_context = waiting
            if old_kausf is None:
                self._k_ausf.pop(supi, None)
            else:
                self._k_ausf[supi] = old_kausf
            if old_context is not None:
                self.aanf.register(supi, old_context.a_kid, old_context.k_akma, now)
            else:
                self.aanf.context_remove(supi, now)
        return True

    def resynchronise(self, supi: str, rand: bytes, auts: bytes) -> bool:
        """Forward a synchronisation failure to the UDM (TS 33.501 6.1.3.3.2); the challenge
        that failed is dropped."""
        self._pending.pop(supi, None)
        return self.udm.resynchronise(supi, rand, auts)

    def abandon(self, supi: str) -> None:
        """Forget the challenge in progress (the SEAF gave up on it)."""
        self._pending.pop(supi, None)
        self._eap.pop(supi, None)

    def pending_rand(self, supi: str) -> bytes | None:
        p = self._pending.get(supi) or self._eap.get(supi)
        return p.rand if p is not None else None

    def k_ausf(self, supi: str) -> Key | None:
        """The KAUSF stored after the last successful authentication of ``supi``."""
        return self._k_ausf.get(supi)
