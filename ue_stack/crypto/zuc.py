"""ZUC and the LTE/5G algorithms built on it, 128-EEA3 and 128-EIA3, written from
ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity Algorithms 128-EEA3 &
128-EIA3", Document 2 (ZUC Specification, v1.6, the corrected initialisation: the FSM
output W enters the LFSR as W >> 1 added modulo 2^31 - 1) and Document 1 (128-EEA3 and
128-EIA3 Specification; the current 128-EIA3, whose last mask is keystream word L-1 with
L = ceil((LENGTH + 64) / 32)); 3GPP TS 35.221/35.222 carry them. The published test data
for the corrected algorithms (Document 3 v1.1) pins both.

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


# S = (S0, S1, S0, S1) on the four octets of a word (Document 2 section 3.4.1), as tables
# of the output octet already in place.
_SA = [b << 24 for b in _S0]
_SB = [b << 16 for b in _S1]
_SC = [b << 8 for b in _S0]


def keystream(key: bytes, iv: bytes, words: int) -> list[int]:
    """``words`` 32-bit keystream words Z1, Z2, ... of ZUC for a 128-bit key and IV
    (Document 2 sections 3.5-3.6). One loop with everything inline (speed): bit
    reorganisation (3.3), F with L1/L2 (3.4; a rotation is written as its two shifts, the
    left ones masked together) and the LFSR (3.2): 32 initialisation rounds that add
    W >> 1, one working round whose output is discarded, then one word per round."""
    if len(key) != 16 or len(iv) != 16:
        raise ValueError("ZUC takes a 128-bit key and a 128-bit IV")
    s = [(key[i] << 23) | (_D[i] << 8) | iv[i] for i in range(16)]  # key loading, 3.5
    r1 = r2 = 0
    sa, sb, sc, sd = _SA, _SB, _SC, _S1
    m32, p = _M32, _P
    out = []
    for step in range(33 + words):
        s0 = s[0]
        x0 = ((s[15] & 0x7FFF8000) << 1) | (s[14] & 0xFFFF)
        x1 = ((s[11] & 0xFFFF) << 16) | (s[9] >> 15)
        x2 = ((s[7] & 0xFFFF) << 16) | (s[5] >> 15)
        w = ((x0 ^ r1) + r2) & m32
        w1 = (r1 + x1) & m32
        w2 = r2 ^ x2
        u = ((w1 << 16) | (w2 >> 16)) & m32
        u = (u ^ u << 2 ^ u << 10 ^ u << 18 ^ u << 24) & m32 ^ u >> 30 ^ u >> 22 ^ u >> 14 ^ u >> 8
        r1 = sa[u >> 24] | sb[(u >> 16) & 0xFF] | sc[(u >> 8) & 0xFF] | sd[u & 0xFF]
        u = ((w2 << 16) | (w1 >> 16)) & m32
        u = (u ^ u << 8 ^ u << 14 ^ u << 22 ^ u << 30) & m32 ^ u >> 24 ^ u >> 18 ^ u >> 10 ^ u >> 2
        r2 = sa[u >> 24] | sb[(u >> 16) & 0xFF] | sc[(u >> 8) & 0xFF] | sd[u & 0xFF]
        if step < 32:  # LFSRWithInitialisationMode(W >> 1)
            fb = w >> 1
        else:  # LFSRWithWorkMode; from the second working round Z = W ^ X3
            fb = 0
            if step > 32:
                out.append(w ^ (((s[2] & 0xFFFF) << 16) | (s0 >> 15)))
        v = ((s[15] << 15) + (s[13] << 17) + (s[10] << 21) + (s[4] << 20) + (s0 << 8) + s0 + fb) % p
        del s[0]
        s.append(v or p)  # the cells hold 1 .. 2^31 - 1
    return out


def _iv_eea3(count: int, bearer: int, direction: int) -> bytes:
    """IV of 128-EEA3 (Document 1 chapter 3): COUNT || BEARER|DIRECTION|0^2 || 0^24, twice."""
    octet = ((bearer & 0x1F) << 3) | ((direction & 1) << 2)
    half = count.to_bytes(4, "big") + bytes((octet, 0, 0, 0))
    return half + half


def eea3(key: bytes, count: int, bearer: int, direction: int, data: bytes, length: int) -> bytes:
    """128-EEA3 (Document 1 chapter 3): ``data`` xor the ZUC keystream over ``length``
    bits. Encryption and decryption are the same operation."""
    ks = keystream(key, _iv_eea3(count, bearer, direction), (length + 31) // 32)
    return xor_bits(data, b"".join(w.to_bytes(4, "big") for w in ks), length)


def eia3(key: bytes, count: int, bearer: int, direction: int, message: bytes, length: int) -> bytes:
    """128-EIA3 MAC (Document 1 chapter 4): with N = LENGTH + 64 and L = ceil(N/32) keystream
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
    # Bit j of T (from the left) is the parity of the message AND the LENGTH keystream bits
    # that start at bit j: 32 big-integer steps instead of one per message bit.
    t = 0
    for j in range(32):
        t = t << 1 | ((z >> (total - j - length)) & m).bit_count() & 1
    t ^= (z >> (total - 32 - length)) & _M32  # z_LENGTH
    t ^= ks[-1]  # z_32(L-1)
    return t.to_bytes(4, "big")
