"""EAP-AKA' key derivation (RFC 9048 / RFC 5448 clause 3.3, TS 33.501 A.3 and 6.1.3.1).

KAUSF for EAP-AKA' is the first 256 bits of EMSK. Note the key order IK' || CK' in PRF'.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from .kdf import kdf, utf8
from .secret import Key

MK_LENGTH = 208  # K_encr 16 | K_aut 32 | K_re 32 | MSK 64 | EMSK 64 (RFC 9048 3.3)


def ck_ik_prime(ck: bytes, ik: bytes, network_name: str, sqn_xor_ak: bytes) -> tuple[Key, Key]:
    """CK' || IK' = KDF(CK||IK, 0x20, access network name, SQN xor AK) (TS 33.501 A.3)."""
    out = kdf(ck + ik, 0x20, utf8(network_name), sqn_xor_ak)
    return Key(out[:16]), Key(out[16:])


def prf_prime(key: bytes, s: bytes, length: int) -> bytes:
    """PRF'(K, S) = T1 | T2 | ..., T1 = HMAC(K, S | 0x01), Tn = HMAC(K, Tn-1 | S | n)
    (RFC 9048 3.4.1)."""
    out, t, n = bytearray(), b"", 1
    while len(out) < length:
        t = hmac.digest(key, t + s + bytes((n,)), hashlib.sha256)
        out += t
        n += 1
    return bytes(out[:length])


@dataclass(frozen=True, slots=True)
class EapAkaPrimeKeys:
    k_encr: Key = field(repr=False)
    k_aut: Key = field(repr=False)
    k_re: Key = field(repr=False)
    msk: Key = field(repr=False)
    emsk: Key = field(repr=False)

    @property
    def k_ausf(self) -> Key:
        """KAUSF = EMSK[0:32] (TS 33.501 6.1.3.1)."""
        return Key(self.emsk[:32])


def master_keys(ck_prime: bytes, ik_prime: bytes, identity: str) -> EapAkaPrimeKeys:
    """MK = PRF'(IK'|CK', "EAP-AKA'"|Identity), split per RFC 9048 3.3."""
    mk = prf_prime(ik_prime + ck_prime, b"EAP-AKA'" + utf8(identity), MK_LENGTH)
    return EapAkaPrimeKeys(
        k_encr=Key(mk[0:16]),
        k_aut=Key(mk[16:48]),
        k_re=Key(mk[48:80]),
        msk=Key(mk[80:144]),
        emsk=Key(mk[144:208]),
    )


def challenge_keys(
    ck: bytes, ik: bytes, network_name: str, sqn_xor_ak: bytes, identity: str
) -> EapAkaPrimeKeys:
    """The keys of one AKA'-Challenge, peer and server alike: CK'/IK' for the network
    name of AT_KDF_INPUT and SQN xor AK (the first 6 octets of AUTN), then MK for the
    identity (RFC 9048 3.3; TS 33.501 A.3, 6.1.3.1)."""
    ck_p, ik_p = ck_ik_prime(ck, ik, network_name, sqn_xor_ak)
    return master_keys(ck_p, ik_p, identity)


KDF_VALUE = 1  # AT_KDF value of the KDF of RFC 9048 3.3 (IANA), the only one defined
