"""AUSF: the home network's authentication server for 5G AKA (TS 33.501 6.1.3.2) and the
AKMA anchor-key producer (TS 33.535 6.1).

For each SUPI it keeps the challenge in progress (XRES*, the candidate KAUSF) and the
KAUSF of the last successful authentication. When RES* equals XRES* it stores the new
KAUSF, and for an AKMA subscriber derives KAKMA, A-TID and A-KID and registers them at the
AAnF (Naanf_AKMA_AnchorKey_Register) — at RES* verification, i.e. before the UE takes the
new KAUSF into use at SMC. That gap is window W1 of BEHAVIOUR.md.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from ..crypto import akma
from ..crypto.aka import hxres_star, k_ausf, k_seaf, res_star
from ..crypto.milenage import milenage
from ..crypto.secret import Key
from .aanf import Aanf
from .udm import Udm

ABBA_DEFAULT = b"\x00\x00"  # TS 33.501 A.7.1: no anti-bidding-down features


@dataclass(frozen=True, slots=True)
class Challenge:
    """The 5G SE AV the AUSF hands to the SEAF (TS 33.501 6.1.3.2 step 6), plus ABBA."""

    rand: bytes
    autn: bytes
    hxres_star: bytes
    abba: bytes = ABBA_DEFAULT


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
        self._k_ausf: dict[str, Key] = {}

    def authenticate(self, supi: str, snn: str) -> Challenge:
        """Nausf_UEAuthentication_Authenticate (TS 33.501 6.1.3.2 steps 1-6): get a 5G HE
        AV from the UDM, keep XRES* and the candidate KAUSF, return RAND/AUTN/HXRES*."""
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
        self._k_ausf[supi] = pending.k_ausf
        sub = self.udm.subscriber(supi)
        if sub.akma:
            k_akma = akma.k_akma(pending.k_ausf, supi)
            a_tid = akma.a_tid(pending.k_ausf, supi)
            a_kid = akma.a_kid(sub.rid, a_tid, sub.home_mcc, sub.home_mnc)
            self.aanf.register(supi, a_kid, k_akma, now)
        return k_seaf(pending.k_ausf, pending.snn)

    def resynchronise(self, supi: str, rand: bytes, auts: bytes) -> bool:
        """Forward a synchronisation failure to the UDM (TS 33.501 6.1.3.3.2); the challenge
        that failed is dropped."""
        self._pending.pop(supi, None)
        return self.udm.resynchronise(supi, rand, auts)

    def abandon(self, supi: str) -> None:
        """Forget the challenge in progress (the SEAF gave up on it)."""
        self._pending.pop(supi, None)

    def pending_rand(self, supi: str) -> bytes | None:
        p = self._pending.get(supi)
        return p.rand if p is not None else None

    def k_ausf(self, supi: str) -> Key | None:
        """The KAUSF stored after the last successful authentication of ``supi``."""
        return self._k_ausf.get(supi)
