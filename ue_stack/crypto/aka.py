"""5G AKA: AUTN/AUTS (TS 33.102 6.3), the separation bit, and the key chain of TS 33.501
Annex A from CK/IK down to the NAS keys.

The UE-side check ``verify_autn`` is pure: it returns the outcome and the SQN state the
USIM would hold afterwards, and never mutates anything — a MAC failure leaves SQN_MS
exactly as it was (TS 33.102 6.3.3).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from ..limits import digits
from .kdf import kdf, utf8
from .milenage import MilenageOutput, _xor, milenage, milenage_from_autn
from .secret import Key

AMF_SEPARATION_BIT = 0x80  # TS 33.501 Annex A.1: bit 0 (most significant) of the AMF
AMF_RESYNC = b"\x00\x00"  # AMF* used for MAC-S in AUTS (TS 33.102 6.3.3)
SQN_DELTA = 1 << 28  # the "delta" freshness rule's window (TS 33.102 Annex C.2.1 note)


def serving_network_name(mcc: str, mnc: str) -> str:
    """SNN = ``5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org``, MNC left-padded to 3 digits
    (TS 24.501 9.12.1, TS 33.501 6.1.1.4)."""
    if not (digits(mcc) and len(mcc) == 3):
        raise ValueError(f"MCC must be 3 digits, got {mcc!r}")
    if not (digits(mnc) and len(mnc) in (2, 3)):
        raise ValueError(f"MNC must be 2 or 3 digits, got {mnc!r}")
    return f"5G:mnc{mnc.zfill(3)}.mcc{mcc}.3gppnetwork.org"


def supi_for_kdf(supi: str) -> bytes:
    """The SUPI as a KDF input (TS 33.501 A.7.0): IMSI digits as ASCII, without the SBI
    ``imsi-`` prefix; an NAI-type SUPI (``nai-``) as its NAI string."""
    for prefix in ("imsi-", "nai-"):
        if supi.startswith(prefix):
            supi = supi[len(prefix) :]
            break
    return utf8(supi)


def build_autn(sqn: bytes, ak: bytes, amf: bytes, mac_a: bytes) -> bytes:
    """AUTN = (SQN xor AK) || AMF || MAC-A (TS 33.102 6.3.2)."""
    return _xor(sqn, ak) + bytes(amf) + bytes(mac_a)


def build_auts(k: bytes, opc: bytes, rand: bytes, sqn_ms: bytes) -> bytes:
    """AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(K, SQN_MS, RAND, AMF* = 0000)
    (TS 33.102 6.3.3)."""
    m = milenage(k, opc, rand, sqn_ms, AMF_RESYNC)
    assert m.mac_s is not None  # given SQN and AMF, f1* ran
    return _xor(sqn_ms, m.ak_star) + m.mac_s


@dataclass(frozen=True, slots=True)
class Resync:
    sqn_ms: bytes
    mac_s_ok: bool


def resync_from_auts(k: bytes, opc: bytes, rand: bytes, auts: bytes) -> Resync:
    """Network side of resynchronisation (TS 33.102 6.3.5): recover SQN_MS with AK* and
    verify MAC-S."""
    if len(auts) != 14:
        raise ValueError(f"auts must be 14 octets, got {len(auts)}")
    sqn_ms = _xor(auts[:6], milenage(k, opc, rand).ak_star)
    expected = milenage(k, opc, rand, sqn_ms, AMF_RESYNC).mac_s
    assert expected is not None  # given SQN and AMF, f1* ran
    return Resync(sqn_ms=sqn_ms, mac_s_ok=hmac.compare_digest(expected, auts[6:]))


def sqn_is_fresh(sqn: bytes, sqn_ms: bytes, delta: int = SQN_DELTA) -> bool:
    """The delta rule (docs/trace-format.md, docs/keys.md): fresh when
    SQN_MS < SQN <= SQN_MS + delta."""
    s, ms = int.from_bytes(sqn, "big"), int.from_bytes(sqn_ms, "big")
    return ms < s <= ms + delta


class AuthCheck(IntEnum):
    """Outcome of the UE's AUTN check; non-zero values are the 5GMM cause to send."""

    OK = 0
    MAC_FAILURE = 20  # TS 24.501 5.4.1.3.6 a)
    SYNCH_FAILURE = 21  # b)
    NON_5G_AUTHENTICATION_UNACCEPTABLE = 26  # c): separation bit is 0


@dataclass(frozen=True, slots=True)
class AutnVerification:
    """What the USIM and ME conclude about one AUTN.

    ``sqn_ms`` is the USIM's SQN state after the check: unchanged on #20 and #21, the
    received SQN on OK and on #26 (the USIM accepted it before the ME looked at the AMF).
    """

    outcome: AuthCheck
    sqn_ms: bytes
    sqn: bytes | None = None
    res: bytes | None = None
    ck: Key | None = field(default=None, repr=False)
    ik: Key | None = field(default=None, repr=False)
    auts: bytes | None = None

    @property
    def cause(self) -> int | None:
        return None if self.outcome is AuthCheck.OK else int(self.outcome)


def verify_autn(
    k: bytes,
    opc: bytes,
    rand: bytes,
    autn: bytes,
    sqn_ms: bytes,
    *,
    is_fresh: Callable[[bytes, bytes], bool] = sqn_is_fresh,
) -> AutnVerification:
    """USIM then ME checks of AUTN, in the order of TS 33.102 6.3.3 and TS 33.501 6.1.3.2:
    MAC-A (else #20, SQN state untouched), SQN freshness (else #21 with AUTS), then the
    separation bit of the AMF (else #26).

    ``is_fresh(sqn, sqn_ms)`` is the freshness rule; the default is the delta rule.
    """
    if len(autn) != 16:
        raise ValueError(f"autn must be 16 octets, got {len(autn)}")
    amf, mac_a = autn[6:8], autn[8:]
    m, sqn = milenage_from_autn(k, opc, rand, autn)
    assert m.mac_a is not None  # the AUTN's AMF and recovered SQN went into f1
    if not hmac.compare_digest(m.mac_a, mac_a):
        return AutnVerification(AuthCheck.MAC_FAILURE, sqn_ms=sqn_ms)
    if not is_fresh(sqn, sqn_ms):
        auts = build_auts(k, opc, rand, sqn_ms)
        return AutnVerification(AuthCheck.SYNCH_FAILURE, sqn_ms=sqn_ms, sqn=sqn, auts=auts)
    if not amf[0] & AMF_SEPARATION_BIT:
        return AutnVerification(
            AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE, sqn_ms=sqn, sqn=sqn
        )
    return AutnVerification(AuthCheck.OK, sqn_ms=sqn, sqn=sqn, res=m.res, ck=m.ck, ik=m.ik)


# --- TS 33.501 Annex A key chain -----------------------------------------------------


def res_star(ck: bytes, ik: bytes, snn: str, rand: bytes, res: bytes) -> bytes:
    """RES* / XRES* = last 16 octets of KDF(CK||IK, 0x6B, SNN, RAND, RES) (TS 33.501 A.4)."""
    return bytes(kdf(ck + ik, 0x6B, utf8(snn), rand, res)[16:])


def hxres_star(rand: bytes, xres_star: bytes) -> bytes:
    """HXRES* = last 16 octets of SHA-256(RAND || XRES*) (TS 33.501 A.5)."""
    return hashlib.sha256(bytes(rand) + bytes(xres_star)).digest()[16:]


def k_ausf(ck: bytes, ik: bytes, snn: str, sqn_xor_ak: bytes) -> Key:
    """KAUSF = KDF(CK||IK, 0x6A, SNN, SQN xor AK) for 5G AKA (TS 33.501 A.2)."""
    return kdf(ck + ik, 0x6A, utf8(snn), sqn_xor_ak)


def k_seaf(kausf: bytes, snn: str) -> Key:
    """KSEAF = KDF(KAUSF, 0x6C, SNN) (TS 33.501 A.6)."""
    return kdf(kausf, 0x6C, utf8(snn))


def k_amf(kseaf: bytes, supi: str, abba: bytes) -> Key:
    """KAMF = KDF(KSEAF, 0x6D, SUPI, ABBA) (TS 33.501 A.7.1)."""
    return kdf(kseaf, 0x6D, supi_for_kdf(supi), abba)


ALG_TYPE_NAS_ENC = 0x01  # TS 33.501 A.8, table A.8-1
ALG_TYPE_NAS_INT = 0x02


def k_nas(kamf: bytes, alg_type: int, alg_id: int) -> Key:
    """K_NASint / K_NASenc = last 16 octets of KDF(KAMF, 0x69, type, id) (TS 33.501 A.8)."""
    return Key(kdf(kamf, 0x69, bytes((alg_type,)), bytes((alg_id,)))[16:])


def k_nas_enc(kamf: bytes, nea: int) -> Key:
    return k_nas(kamf, ALG_TYPE_NAS_ENC, nea)


def k_nas_int(kamf: bytes, nia: int) -> Key:
    return k_nas(kamf, ALG_TYPE_NAS_INT, nia)


@dataclass(frozen=True, slots=True)
class AkaChain:
    """One 5G AKA run's values, as the home network computes them (5G HE AV + keys)."""

    rand: bytes
    autn: bytes
    res: bytes
    res_star: bytes
    hxres_star: bytes
    milenage: MilenageOutput = field(repr=False)
    k_ausf: Key = field(repr=False)
    k_seaf: Key = field(repr=False)


def aka_chain(
    k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes, snn: str
) -> AkaChain:
    """The home network's side of 5G AKA (TS 33.501 6.1.3.2): AUTN, XRES*, HXRES*,
    KAUSF and KSEAF for one RAND/SQN."""
    m = milenage(k, opc, rand, sqn, amf)
    assert m.mac_a is not None  # given SQN and AMF, f1 ran
    autn = build_autn(sqn, m.ak, amf, m.mac_a)
    xres_star = res_star(m.ck, m.ik, snn, rand, m.res)
    kausf = k_ausf(m.ck, m.ik, snn, autn[:6])
    return AkaChain(
        rand=bytes(rand),
        autn=autn,
        res=m.res,
        res_star=xres_star,
        hxres_star=hxres_star(rand, xres_star),
        milenage=m,
        k_ausf=kausf,
        k_seaf=k_seaf(kausf, snn),
    )
