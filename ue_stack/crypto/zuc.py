"""ZUC and the LTE/5G algorithms built on it, 128-EEA3 and 128-EIA3, written from
ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity Algorithms 128-EEA3 &
128-EIA3", Document 2 (ZUC Specification, v1.6, the corrected initialisation: the FSM
output W enters the LFSR as W >> 1 added modulo 2^31 - 1) and Document 1 (128-EEA3 and
128-EIA3 Specification, v1.7, the corrected MAC); 3GPP TS 35.221/35.222 carry them.

TS 33.501 D.2/D.3 map 128-NEA3/128-NIA3 one-to-one onto 128-EEA3/128-EIA3 (see
``nas_security``). Lengths are in bits; bits past LENGTH in the last output octet are zero.
"""

from __future__ import annotations

from .snow3g import xor_bits

_M32 = 0xFFFFFFFF
_P = 0x7FFFFFFF  # 2^31 - 1

# Document 2 section 3.4.1, tables 3.1 (S0) and 3.2 (S1), row by row.
_S0 = bytes.fromhex(
    "3e725b47cae0003304d1549809b96dcb"
    "7b1bf932af9d6aa5b82dfc1d08530390"
    "4d4e8499e4ced991ddb685488b296eac"
    "cdc1f81e734369c6b5bdfd396320d438"
    "767db2a7cfed57c5f32cbb142106559b"
    "e3ef5e314f7f5aa40d8251495fba581c"
    "4a16d517a892241f8cffd8ae2e01d3ad"
    "3b4bda46ebc9de9a8f87d73a806f2fc8"
    "b1b437f70a2213287ccc3c89c7c39656"
    "07bf7ef00b2b975235417961a64c10fe"
    "bc2695888ab0a3fbc01894f2e1e5e95d"
    "d0dc1166645cec59427512f5749caa23"
    "0e86abbe2a02e767e644a26cc2939ff1"
    "f6fa36d250689e6271153dd640c4e20f"
    "8e83776b25053f0c30ea70b7a1e8a965"
    "8d271adb81b3a0f4457a19dfee783460"
)
_S1 = bytes.fromhex(
    "55c263713bc847869f3cda5b29aafd77"
    "8cc5940ca61a1300e3a8167240f9f842"
    "4426689681d9453e1076c6a78b3943e1"
    "3ab5562ac06db3052266bfdc0bfa6248"
    "dd20110636c9c1cff62752bb69f5d487"
    "7f844cd29c57a4bc4f9adffed68d7aeb"
    "2b53d85ca11417fb23d57d3067730809"
    "eeb7703f61b2198e4ee54b938f5ddba9"
    "adf1ae2ecb0dfcf42d466e1d97e8d1e9"
    "4d37a5755e839eab829db91ce0cd4989"
    "01b6bd5824a25f387899159050b895e4"
    "d091c7ceed0fb46fa0ccf0024a79c3de"
    "a3efea51e66b18ec1b2c80f774e7ff21"
    "5a6a541e41319235c433070aba7e0e34"
    "88b1987cf33d606c7bcad31f32650428"
    "64be859b2f598ad7b025acaf1203e2f2"
)

# Document 2 section 3.5: the 15-bit constants d0 .. d15 of key loading.
_D = (
    0x44D7, 0x26BC, 0x626B, 0x135E, 0x5789, 0x35E2, 0x7135, 0x09AF,
    0x4D78, 0x2F13, 0x6BC4, 0x1AF1, 0x5E26, 0x3C4D, 0x789A, 0x47AC,
)  # fmt: skip


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _M32


def _l1(x: int) -> int:
    """L1 (Document 2 section 3.4.2)."""
    return x ^ _rotl(x, 2) ^ _rotl(x, 10) ^ _rotl(x, 18) ^ _rotl(x, 24)


def _l2(x: int) -> int:
    """L2 (Document 2 section 3.4.2)."""
    return x ^ _rotl(x, 8) ^ _rotl(x, 14) ^ _rotl(x, 22) ^ _rotl(x, 30)


def _sbox(x: int) -> int:
    """S = (S0, S1, S0, S1) on the four bytes of x (Document 2 section 3.4.1)."""
    return (
        _S0[x >> 24] << 24 | _S1[(x >> 16) & 0xFF] << 16 | _S0[(x >> 8) & 0xFF] << 8 | _S1[x & 0xFF]
    )


def keystream(key: bytes, iv: bytes, words: int) -> list[int]:
    """``words`` 32-bit keystream words Z1, Z2, ... of ZUC for a 128-bit key and IV
    (Document 2 sections 3.5-3.6)."""
    if len(key) != 16 or len(iv) != 16:
        raise ValueError("ZUC takes a 128-bit key and a 128-bit IV")
    s = [(key[i] << 23) | (_D[i] << 8) | iv[i] for i in range(16)]  # key loading, 3.5
    r1 = r2 = 0

    def step() -> tuple[int, int]:
        """Bit reorganisation (3.3) and the nonlinear function F (3.4): (W, X3)."""
        nonlocal r1, r2
        x0 = ((s[15] & 0x7FFF8000) << 1) | (s[14] & 0xFFFF)
        x1 = ((s[11] & 0xFFFF) << 16) | (s[9] >> 15)
        x2 = ((s[7] & 0xFFFF) << 16) | (s[5] >> 15)
        x3 = ((s[2] & 0xFFFF) << 16) | (s[0] >> 15)
        w = ((x0 ^ r1) + r2) & _M32
        w1 = (r1 + x1) & _M32
        w2 = r2 ^ x2
        r1 = _sbox(_l1(((w1 << 16) | (w2 >> 16)) & _M32))
        r2 = _sbox(_l2(((w2 << 16) | (w1 >> 16)) & _M32))
        return w, x3

    def lfsr(u: int) -> None:
        """LFSRWithInitialisationMode(u) (3.2); u = 0 is LFSRWithWorkMode."""
        v = (
            (s[15] << 15) + (s[13] << 17) + (s[10] << 21) + (s[4] << 20) + (s[0] << 8) + s[0] + u
        ) % _P
        del s[0]
        s.append(v or _P)  # the cells hold 1 .. 2^31 - 1

    for _ in range(32):  # initialisation stage (3.6.1)
        w, _x3 = step()
        lfsr(w >> 1)
    step()  # working stage: the first output of F is discarded (3.6.2)
    lfsr(0)
    out = []
    for _ in range(words):
        w, x3 = step()
        out.append(w ^ x3)
        lfsr(0)
    return out


def _iv_eea3(count: int, bearer: int, direction: int) -> bytes:
    """IV of 128-EEA3 (Document 1 section 3.3): COUNT || BEARER|DIRECTION|0^2 || 0^24, twice."""
    octet = ((bearer & 0x1F) << 3) | ((direction & 1) << 2)
    half = count.to_bytes(4, "big") + bytes((octet, 0, 0, 0))
    return half + half


def eea3(key: bytes, count: int, bearer: int, direction: int, data: bytes, length: int) -> bytes:
    """128-EEA3 (Document 1 section 3): ``data`` xor the ZUC keystream over ``length``
    bits. Encryption and decryption are the same operation."""
    ks = keystream(key, _iv_eea3(count, bearer, direction), (length + 31) // 32)
    return xor_bits(data, b"".join(w.to_bytes(4, "big") for w in ks), length)


def eia3(key: bytes, count: int, bearer: int, direction: int, message: bytes, length: int) -> bytes:
    """128-EIA3 MAC (Document 1 section 4): with N = LENGTH + 64 and L = ceil(N/32) keystream
    words z, T = xor of the 32-bit windows z_i at every set message bit i, then
    T ^= z_LENGTH and MAC = T ^ z_32(L-1)."""
    n = (length + 7) // 8
    if len(message) < n:
        raise ValueError(f"{length} bits need {n} octets, got {len(message)}")
    d = (direction & 1) << 7
    iv = (
        count.to_bytes(4, "big")
        + bytes(((bearer & 0x1F) << 3, 0, 0, 0))
        + bytes((count >> 24 ^ d,))
        + count.to_bytes(4, "big")[1:]
        + bytes(((bearer & 0x1F) << 3, 0, d, 0))
    )
    words = (length + 64 + 31) // 32
    ks = keystream(key, iv, words)
    total = 32 * words
    z = int.from_bytes(b"".join(w.to_bytes(4, "big") for w in ks), "big")
    m = int.from_bytes(message[:n], "big") >> (8 * n - length) if length else 0
    t = 0
    while m:  # visit the set bits; bit i (from the first) sits at position length-1-i
        low = m & -m
        i = length - low.bit_length()
        t ^= (z >> (total - 32 - i)) & _M32
        m ^= low
    t ^= (z >> (total - 32 - length)) & _M32
    t ^= ks[-1]
    return t.to_bytes(4, "big")
