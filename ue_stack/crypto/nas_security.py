"""128-NIA2 (AES-CMAC) and 128-NEA2 (AES-CTR) for NAS (TS 33.501 6.4, D.3;
TS 33.401 Annex B.1.3 / B.2.3 define the algorithms).

Inputs are COUNT (32 bits), BEARER (5 bits; 1 on 3GPP access for NAS — 0 never verifies
on real captures) and DIRECTION (0 uplink, 1 downlink). The NAS MAC covers the sequence
number octet and the plain (or ciphered) inner message.
NIA1/NEA1 (SNOW 3G) and NIA3/NEA3 (ZUC) are not implemented: no PyPI implementation
exists; callers count them as unsupported.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

NAS_BEARER = 1  # TS 33.501 6.4.3.1: NAS uses BEARER = 1 on 3GPP access
UPLINK, DOWNLINK = 0, 1


def _prefix(count: int, bearer: int, direction: int) -> bytes:
    return count.to_bytes(4, "big") + bytes(((bearer & 0x1F) << 3 | (direction & 1) << 2, 0, 0, 0))


def nia2(key: bytes, count: int, bearer: int, direction: int, message: bytes) -> bytes:
    """128-NIA2 MAC-I: the first 32 bits of AES-CMAC(K, COUNT|BEARER|DIRECTION|0^26|M)
    (TS 33.401 B.2.3)."""
    c = CMAC(algorithms.AES(bytes(key)))
    c.update(_prefix(count, bearer, direction) + bytes(message))
    return c.finalize()[:4]


def nea2(key: bytes, count: int, bearer: int, direction: int, data: bytes) -> bytes:
    """128-NEA2: AES-CTR with T1 = COUNT|BEARER|DIRECTION|0^26|0^64 (TS 33.401 B.1.3).
    Encryption and decryption are the same operation."""
    t1 = _prefix(count, bearer, direction) + bytes(8)
    d = Cipher(algorithms.AES(bytes(key)), modes.CTR(t1)).encryptor()
    return d.update(bytes(data)) + d.finalize()
