"""SNOW 3G and the UMTS algorithms built on it, UEA2 (f8) and UIA2 (f9), written from
ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity Algorithms UEA2 & UIA2",
Document 2 (SNOW 3G Algorithm Specification, v1.1) and Document 1 (UEA2 and UIA2
Specifications, v1.1); 3GPP TS 35.215/35.216 carry the same documents.

LTE/5G reuse them unchanged (TS 33.401 Annex B.1.2/B.2.2; TS 33.501 D.2/D.3): 128-EEA1 =
128-NEA1 is UEA2 with the same inputs, 128-EIA1 = 128-NIA1 is UIA2 with FRESH = BEARER ||
0^27 (see ``nas_security``). Lengths are in bits, so messages that are not whole octets
work; bits past LENGTH in the last output octet are set to zero.

Pure Python: words are ints, the S-box tables are computed at import from their algebraic
definitions (Document 2 section 3.4), which the published test data pins.
"""

from __future__ import annotations

_M32 = 0xFFFFFFFF
_M64 = (1 << 64) - 1


# -- field arithmetic (Document 2 section 3.1) ----------------------------------------


def _mulx(v: int, c: int) -> int:
    """MULx(V, c): multiply the byte V by x modulo the polynomial whose low byte is c."""
    return ((v << 1) ^ c) & 0xFF if v & 0x80 else v << 1


def _mulxpow(v: int, i: int, c: int) -> int:
    """MULxPOW(V, i, c) = MULx applied i times."""
    for _ in range(i):
        v = _mulx(v, c)
    return v


def _gf_mul(a: int, b: int, poly: int) -> int:
    """a * b in GF(2^8) modulo ``poly`` (9-bit)."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= poly
    return r


def _rijndael_sbox() -> list[int]:
    """SR (Document 2 section 3.4.2): the Rijndael S-box, inversion in GF(2^8) modulo
    x^8+x^4+x^3+x+1 followed by the affine map with constant 0x63 (FIPS 197 5.1.1)."""
    box = []
    for x in range(256):
        inv = next((y for y in range(1, 256) if _gf_mul(x, y, 0x11B) == 1), 0) if x else 0
        s = inv
        for r in (1, 2, 3, 4):
            s ^= ((inv << r) | (inv >> (8 - r))) & 0xFF
        box.append(s ^ 0x63)
    return box


def _sq_sbox() -> list[int]:
    """SQ (Document 2 section 3.4.3): the Dickson polynomial g49(x) = x + x^9 + x^13 +
    x^15 + x^33 + x^41 + x^45 + x^47 + x^49 over GF(2^8) modulo x^8+x^6+x^5+x^3+1,
    plus the constant 0x25."""
    out = []
    for x in range(256):
        powers = [1]
        for _ in range(49):
            powers.append(_gf_mul(powers[-1], x, 0x169))
        y = 0
        for e in (1, 9, 13, 15, 33, 41, 45, 47, 49):
            y ^= powers[e]
        out.append(y ^ 0x25)
    return out


def _column_tables(sbox: list[int], c: int) -> tuple[list[int], ...]:
    """The 32-bit S-box S1 (c = 0x1B, SR) or S2 (c = 0x69, SQ) of Document 2 sections
    3.4.4/3.4.5 split into one table per input byte: S(w) = T0[w0]^T1[w1]^T2[w2]^T3[w3].
    The byte w0 enters rows r0..r3 with coefficients (2, 3, 1, 1), and w_i the same
    column rotated down by i (the Rijndael MixColumn matrix)."""
    t: tuple[list[int], ...] = ([], [], [], [])
    for x in range(256):
        s = sbox[x]
        m = _mulx(s, c)
        col = (m, m ^ s, s, s)
        for i in range(4):
            word = 0
            for j in range(4):
                word = (word << 8) | col[(j - i) % 4]
            t[i].append(word)
    return t


_S1 = _column_tables(_rijndael_sbox(), 0x1B)
_S2 = _column_tables(_sq_sbox(), 0x69)


def _s(tables: tuple[list[int], ...], w: int) -> int:
    t0, t1, t2, t3 = tables
    return t0[w >> 24] ^ t1[(w >> 16) & 0xFF] ^ t2[(w >> 8) & 0xFF] ^ t3[w & 0xFF]


def _alpha_tables() -> tuple[list[int], list[int]]:
    """MULalpha and DIValpha (Document 2 sections 3.4.6/3.4.7), c = 0xA9."""
    mul, div = [], []
    for c in range(256):
        mul.append(
            _mulxpow(c, 23, 0xA9) << 24
            | _mulxpow(c, 245, 0xA9) << 16
            | _mulxpow(c, 48, 0xA9) << 8
            | _mulxpow(c, 239, 0xA9)
        )
        div.append(
            _mulxpow(c, 16, 0xA9) << 24
            | _mulxpow(c, 39, 0xA9) << 16
            | _mulxpow(c, 6, 0xA9) << 8
            | _mulxpow(c, 64, 0xA9)
        )
    return mul, div


_MUL_ALPHA, _DIV_ALPHA = _alpha_tables()


# -- the generator (Document 2 chapter 4) ---------------------------------------------


def keystream(key: bytes, iv: bytes, words: int) -> list[int]:
    """``words`` 32-bit keystream words z1, z2, ... of SNOW 3G for a 128-bit key and IV
    (Document 2 section 4.1-4.3). key = k3||k2||k1||k0 and iv = IV3||IV2||IV1||IV0, most
    significant word first, as UEA2/UIA2 load them (Document 1 sections 3.4 and 4.4)."""
    if len(key) != 16 or len(iv) != 16:
        raise ValueError("SNOW 3G takes a 128-bit key and a 128-bit IV")
    k3, k2, k1, k0 = (int.from_bytes(key[i : i + 4], "big") for i in range(0, 16, 4))
    iv3, iv2, iv1, iv0 = (int.from_bytes(iv[i : i + 4], "big") for i in range(0, 16, 4))
    one = _M32
    # Initialisation (section 4.1): s0 .. s15
    s = [
        k0 ^ one, k1 ^ one, k2 ^ one, k3 ^ one,
        k0, k1, k2, k3,
        k0 ^ one, k1 ^ one ^ iv3, k2 ^ one ^ iv2, k3 ^ one,
        k0 ^ iv1, k1, k2, k3 ^ iv0,
    ]  # fmt: skip
    r1 = r2 = r3 = 0
    mul_a, div_a, s1t, s2t = _MUL_ALPHA, _DIV_ALPHA, _S1, _S2

    def clock_fsm() -> int:
        nonlocal r1, r2, r3
        f = ((s[15] + r1) & _M32) ^ r2
        r = (r2 + (r3 ^ s[5])) & _M32
        r3 = _s(s2t, r2)
        r2 = _s(s1t, r1)
        r1 = r
        return f

    def feedback() -> int:
        s0, s11 = s[0], s[11]
        return (
            ((s0 << 8) & _M32) ^ mul_a[s0 >> 24] ^ s[2] ^ (s11 >> 8) ^ div_a[s11 & 0xFF]
        )

    for _ in range(32):  # initialisation mode: the FSM output enters the feedback
        f = clock_fsm()
        v = feedback() ^ f
        del s[0]
        s.append(v)
    clock_fsm()  # its output is discarded (section 4.2)
    v = feedback()
    del s[0]
    s.append(v)
    out = []
    for _ in range(words):  # keystream mode (section 4.2)
        out.append(clock_fsm() ^ s[0])
        v = feedback()
        del s[0]
        s.append(v)
    return out


def _words_to_bytes(words: list[int]) -> bytes:
    return b"".join(w.to_bytes(4, "big") for w in words)


def xor_bits(data: bytes, stream: bytes, length: int) -> bytes:
    """``data`` xor ``stream`` over the first ``length`` bits; the result has
    ceil(length/8) octets with the bits past ``length`` zero."""
    n = (length + 7) // 8
    if len(data) < n:
        raise ValueError(f"{length} bits need {n} octets, got {len(data)}")
    v = int.from_bytes(data[:n], "big") ^ int.from_bytes(stream[:n], "big")
    v &= ~((1 << (8 * n - length)) - 1)
    return v.to_bytes(n, "big")


def uea2(ck: bytes, count: int, bearer: int, direction: int, data: bytes, length: int) -> bytes:
    """UEA2 (f8), Document 1 section 3: IV = COUNT || BEARER|DIRECTION|0^26 || COUNT ||
    BEARER|DIRECTION|0^26; the output is ``data`` xor the keystream over ``length`` bits.
    Encryption and decryption are the same operation."""
    word = ((bearer & 0x1F) << 27) | ((direction & 1) << 26)
    iv = count.to_bytes(4, "big") + word.to_bytes(4, "big")
    ks = keystream(ck, iv + iv, (length + 31) // 32)
    return xor_bits(data, _words_to_bytes(ks), length)


def _mul64(v: int, p: int) -> int:
    """MUL64(V, P, c) with c = 0x1B: V * P in GF(2^64) modulo x^64+x^4+x^3+x+1
    (Document 1 section 4.3)."""
    r = 0
    while v:
        if v & 1:
            r ^= p
        v >>= 1
        p = ((p << 1) & _M64) ^ 0x1B if p >> 63 else p << 1
    return r


def uia2(
    ik: bytes, count: int, fresh: int, direction: int, message: bytes, length: int
) -> bytes:
    """UIA2 (f9) MAC-I, Document 1 section 4: five keystream words from IV = COUNT-I ||
    FRESH || (DIRECTION<<31)^COUNT-I || FRESH^(DIRECTION<<15); P = z1||z2, Q = z3||z4;
    EVAL over the 64-bit message blocks (zero-padded) by P, then LENGTH, then by Q;
    MAC-I = high half of EVAL xor z5."""
    n = (length + 7) // 8
    if len(message) < n:
        raise ValueError(f"{length} bits need {n} octets, got {len(message)}")
    iv = (
        count.to_bytes(4, "big")
        + fresh.to_bytes(4, "big")
        + (count ^ ((direction & 1) << 31)).to_bytes(4, "big")
        + (fresh ^ ((direction & 1) << 15)).to_bytes(4, "big")
    )
    z1, z2, z3, z4, z5 = keystream(ik, iv, 5)
    p, q = (z1 << 32) | z2, (z3 << 32) | z4
    blocks = (length + 63) // 64
    m = int.from_bytes(message[:n], "big") >> (8 * n - length) if length else 0
    m <<= 64 * blocks - length  # zero padding of the last block
    ev = 0
    for i in range(blocks - 1, -1, -1):
        ev = _mul64(ev ^ ((m >> (64 * i)) & _M64), p)
    ev = _mul64(ev ^ length, q)
    return ((ev >> 32) ^ z5).to_bytes(4, "big")
