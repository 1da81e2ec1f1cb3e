"""NAS integrity and ciphering: 128-NIA1/NEA1 (SNOW 3G), 128-NIA2/NEA2 (AES) and
128-NIA3/NEA3 (ZUC) (TS 33.501 6.4, Annex D.2/D.3; TS 33.401 Annex B defines them as
128-EIA1..3/128-EEA1..3).

Inputs are the same for all three: COUNT (32 bits), BEARER (5 bits; 1 on 3GPP access for
NAS — 0 never verifies on real captures), DIRECTION (0 uplink, 1 downlink) and a 128-bit
key. The NAS MAC covers the sequence number octet and the plain (or ciphered) inner
message. NIA1/NEA1/NIA3/NEA3 take an optional ``length`` in bits (default: every octet of
the input), so messages that are not whole octets work; NIA2/NEA2 take whole octets.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

# snow3g and zuc build their tables when imported (a few hundred ms): they are imported
# where NIA1/NEA1/NIA3/NEA3 are used, so a NIA2-only run does not pay for them

NAS_BEARER = 1  # TS 33.501 6.4.3.1: NAS uses BEARER = 1 on 3GPP access
UPLINK, DOWNLINK = 0, 1


def _bits(data: bytes, length: int | None) -> int:
    return 8 * len(data) if length is None else length


def _prefix(count: int, bearer: int, direction: int) -> bytes:
    return count.to_bytes(4, "big") + bytes(((bearer & 0x1F) << 3 | (direction & 1) << 2, 0, 0, 0))


def nia1(
    key: bytes, count: int, bearer: int, direction: int, message: bytes, length: int | None = None
) -> bytes:
    """128-NIA1 MAC-I = 128-EIA1: UIA2 with COUNT-I = COUNT, FRESH = BEARER || 0^27 and
    IK = KEY (TS 33.401 B.2.2; ETSI/SAGE UEA2&UIA2 Document 1 chapter 4)."""
    from . import snow3g

    fresh = (bearer & 0x1F) << 27
    return snow3g.uia2(bytes(key), count, fresh, direction, bytes(message), _bits(message, length))


def nea1(
    key: bytes, count: int, bearer: int, direction: int, data: bytes, length: int | None = None
) -> bytes:
    """128-NEA1 = 128-EEA1: UEA2 with the same inputs (TS 33.401 B.1.2; UEA2&UIA2
    Document 1 chapter 3). Encryption and decryption are the same operation."""
    from . import snow3g

    return snow3g.uea2(bytes(key), count, bearer, direction, bytes(data), _bits(data, length))


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


def nia3(
    key: bytes, count: int, bearer: int, direction: int, message: bytes, length: int | None = None
) -> bytes:
    """128-NIA3 MAC = 128-EIA3 (TS 33.401 B.2.4; TS 35.221 chapter 4)."""
    from . import zuc

    return zuc.eia3(bytes(key), count, bearer, direction, bytes(message), _bits(message, length))


def nea3(
    key: bytes, count: int, bearer: int, direction: int, data: bytes, length: int | None = None
) -> bytes:
    """128-NEA3 = 128-EEA3 (TS 33.401 B.1.4; TS 35.221 chapter 3). Encryption and
    decryption are the same operation."""
    from . import zuc

    return zuc.eea3(bytes(key), count, bearer, direction, bytes(data), _bits(data, length))


# The algorithm identifiers of TS 24.501 9.11.3.34 (NAS security algorithms IE) -> function
# of (key, count, bearer, direction, octets); NIA0/NEA0 have no function.
Algorithm = Callable[[bytes, int, int, int, bytes], bytes]
INTEGRITY: dict[int, Algorithm] = {1: nia1, 2: nia2, 3: nia3}
CIPHERING: dict[int, Algorithm] = {1: nea1, 2: nea2, 3: nea3}
