"""The USIM: subscriber credentials, the SQN state, validity, and the non-volatile store
of the valid KAUSF (the EF of TS 31.102 that holds the 5G authentication keys).

The USIM runs the AUTN checks of TS 33.102 6.3.3 (MAC, then SQN); the ME's separation-bit
check lives in ``ue_stack.crypto.aka.verify_autn`` right after them, in the same call.
Freshness rule (docs/trace-format.md, docs/keys.md): **the delta rule** by default, as replay
requires (fresh when SQN_MS < SQN <= SQN_MS + 2^28); TS 33.102 Annex C (SEQ/IND arrays) is
available for simulation with ``freshness="annex-c"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..crypto.aka import SQN_DELTA, AuthCheck, AutnVerification, sqn_is_fresh, verify_autn
from ..crypto.secret import Key
from ..limits import digits
from .codec import encode_plmn

if TYPE_CHECKING:  # the trace schema imports NAS messages; only the type is needed here
    from ..trace.schema import StoredContext, UeConfig

FRESHNESS_RULES = ("delta", "annex-c")

# TS 33.102 C.1.1/C.3.2: SQN = SEQ || IND with a 5-bit IND, i.e. an array of a = 32 SEQs.
IND_BITS = 5
IND_MASK = (1 << IND_BITS) - 1
SQN_MAX = (1 << 48) - 1


class AnnexCSqnState:
    """TS 33.102 Annex C.2.2: an SQN is fresh when SEQ > SEQ_MS(IND) and SEQ does not run
    more than delta ahead of the highest SEQ accepted so far (the optional age limit L is
    not applied). All array entries start at the SEQ of the initial SQN_MS."""

    __slots__ = ("highest", "seq_ms")

    def __init__(self, sqn_ms: bytes) -> None:
        self.highest = int.from_bytes(sqn_ms, "big")
        self.seq_ms = [self.highest >> IND_BITS] * (IND_MASK + 1)

    def is_fresh(self, sqn: bytes, _sqn_ms: bytes) -> bool:
        value = int.from_bytes(sqn, "big")
        seq, ind = value >> IND_BITS, value & IND_MASK
        return seq > self.seq_ms[ind] and seq - (self.highest >> IND_BITS) <= (
            SQN_DELTA >> IND_BITS
        )

    def accept(self, sqn: bytes) -> bytes:
        """Record an accepted SQN; return SQN_MS, the highest accepted SQN (used in AUTS)."""
        value = int.from_bytes(sqn, "big")
        self.seq_ms[value & IND_MASK] = value >> IND_BITS
        self.highest = max(self.highest, value)
        return self.highest.to_bytes(6, "big")


class Usim:
    """One USIM. ``kausf`` is its non-volatile store of the **valid** KAUSF (TS 33.501
    6.2.2.2): written only when NAS takes a new KAUSF into use, and it survives power-off.
    ``valid`` is False after AUTHENTICATION REJECT or a registration reject that
    invalidates the USIM, until switch-off or removal (TS 24.501 5.4.1.3.5).
    ``stored_ngksi`` is the ngKSI of the full native 5G NAS security context stored with
    this subscriber when the USIM is read (TS 24.501 Annex C.1 d; EF5GS3GPPNSC of
    TS 31.102), None if there is none; the NAS takes it as its current context when it
    reads the USIM and keeps its own copy from then on. ``stored`` (a trace's
    ``ue.stored``) is that context with its keys, and the valid KAUSF the USIM holds."""

    # True for a stand-in (replay of a trace without K/OPc): its keys are not the real
    # subscriber's, so nothing the network MACed with the real keys can be verified.
    stand_in = False

    def __init__(
        self,
        supi: str,
        k: bytes,
        opc: bytes,
        sqn_ms: bytes = bytes(6),
        rid: str = "0",
        *,
        freshness: str = "delta",
        stored_ngksi: int | None = None,
        stored: StoredContext | None = None,
    ) -> None:
        if len(k) != 16 or len(opc) != 16:
            raise ValueError("K and OPc must be 16 octets each")
        if len(sqn_ms) != 6:
            raise ValueError(f"sqn_ms must be 6 octets, got {len(sqn_ms)}")
        if stored_ngksi is not None and not 0 <= stored_ngksi <= 6:
            # "111" is "no key available" (TS 24.501 9.11.3.32), never a stored context
            raise ValueError(f"stored_ngksi must be 0..6 or None, got {stored_ngksi}")
        if stored is not None:
            stored_ngksi = stored.ngksi
        self.stored_ngksi = stored_ngksi
        self.stored = stored
        self.supi = supi
        self.rid = rid
        self._k = Key(k)
        self._opc = Key(opc)
        self.sqn_ms = bytes(sqn_ms)
        self.valid = True
        self.kausf: Key | None = stored.kausf if stored is not None else None
        self._annex_c: AnnexCSqnState | None = None
        self.freshness = freshness

    @property
    def freshness(self) -> str:
        return "annex-c" if self._annex_c is not None else "delta"

    @freshness.setter
    def freshness(self, rule: str) -> None:
        if rule not in FRESHNESS_RULES:
            raise ValueError(f"freshness must be one of {FRESHNESS_RULES}, got {rule!r}")
        if rule == "annex-c" and self._annex_c is None:
            self._annex_c = AnnexCSqnState(self.sqn_ms)
        elif rule == "delta":
            self._annex_c = None

    def verify(self, rand: bytes, autn: bytes) -> AutnVerification:
        """What ``authenticate`` would answer, without taking the SQN (the ME asking before
        it decides which check to report, nas/alternatives.py)."""
        annex_c = self._annex_c
        is_fresh = sqn_is_fresh if annex_c is None else annex_c.is_fresh
        return verify_autn(self._k, self._opc, rand, autn, self.sqn_ms, is_fresh=is_fresh)

    def authenticate(self, rand: bytes, autn: bytes) -> AutnVerification:
        """Check AUTN for RAND (TS 33.102 6.3.3; TS 33.501 6.1.3.2 for the separation bit).

        SQN_MS advances only when the USIM accepted the SQN: on success and on #26 (the ME
        refuses the AMF after the USIM took the SQN). #20 and #21 leave it untouched.
        """
        annex_c = self._annex_c
        result = self.verify(rand, autn)
        if result.outcome in (AuthCheck.OK, AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE):
            if annex_c is None:
                self.sqn_ms = result.sqn_ms
            else:
                assert result.sqn is not None  # set on OK and #26
                self.sqn_ms = annex_c.accept(result.sqn)
        return result

    def __repr__(self) -> str:
        # No key material: SUPI and status only.
        return (
            f"Usim(supi={self.supi!r}, rid={self.rid!r}, valid={self.valid}, "
            f"kausf={'stored' if self.kausf is not None else 'none'})"
        )


def _bcd(digits: str) -> bytes:
    """Telephony BCD, low nibble first, odd length padded with 0xF (TS 24.008 10.5.1.3)."""
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1], 16) << 4 | int(digits[i], 16) for i in range(0, len(digits), 2))


def split_imsi(supi: str, mnc_digits: int) -> tuple[str, str, str]:
    """MCC, MNC and MSIN of an IMSI-type SUPI (TS 23.003 2.2); ``mnc_digits`` says where
    the MSIN starts (the IMSI alone cannot)."""
    imsi = supi.removeprefix("imsi-")
    if not digits(imsi) or mnc_digits not in (2, 3) or len(imsi) <= 3 + mnc_digits:
        raise ValueError(f"cannot build a SUCI from SUPI {supi!r}")
    return imsi[:3], imsi[3 : 3 + mnc_digits], imsi[3 + mnc_digits :]


def msin_bcd(msin: str) -> bytes:
    """The scheme input of an IMSI-type SUPI: the MSIN in BCD (TS 33.501 C.3.2, C.4)."""
    return _bcd(msin)


def suci_value(supi: str, mnc_digits: int, rid: str, scheme: int, hn_key_id: int,
               scheme_output: bytes) -> bytes:
    """The 5GS mobile identity IE value of a SUCI (TS 24.501 9.11.3.4, TS 23.003 2.2B):
    SUPI format IMSI, type SUCI, MCC/MNC, routing indicator (unused digits 0xF),
    protection scheme id, home network public key id, scheme output."""
    mcc, mnc, _ = split_imsi(supi, mnc_digits)
    routing = _bcd((rid + "FFFF")[:4])
    return b"\x01" + encode_plmn(mcc, mnc) + routing + bytes((scheme, hn_key_id)) + scheme_output


def suci_null_scheme(supi: str, mnc_digits: int, rid: str = "0") -> bytes:
    """A SUCI with the null protection scheme: scheme 0, key id 0, the MSIN in BCD."""
    msin = split_imsi(supi, mnc_digits)[2]
    return suci_value(supi, mnc_digits, rid, 0, 0, _bcd(msin))


def usim_of(ue: UeConfig) -> Usim:
    """The USIM a trace header's (or scenario's) ``ue`` object describes (with K/OPc)."""
    if ue.k is None or ue.opc is None:
        raise ValueError(f"the USIM of {ue.supi} needs K and OPc")
    return Usim(ue.supi, ue.k, ue.opc, sqn_ms=ue.sqn_ms, rid=ue.rid, stored_ngksi=ue.ngksi,
                stored=ue.stored)
