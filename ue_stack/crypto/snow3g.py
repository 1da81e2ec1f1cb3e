"""SNOW 3G and the UMTS algorithms built on it, UEA2 (f8) and UIA2 (f9), written from
ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity Algorithms UEA2 & UIA2",
Document 2 (SNOW 3G Algorithm Specification, v1.1 of 6 September 2006) and Document 1
(UEA2 and UIA2 Specifications); 3GPP TS 35.216/35.215 carry the same documents.

LTE/5G reuse them unchanged (TS 33.401 Annex B.1.2/B.2.2; TS 33.501 D.2/D.3): 128-EEA1 =
128-NEA1 is UEA2 with the same inputs, 128-EIA1 = 128-NIA1 is UIA2 with FRESH = BEARER ||
0^27 (see ``nas_security``). Lengths are in bits, so messages that are not whole octets
work; bits past LENGTH in the last output octet are set to zero.

Pure Python: words are ints, the S-box tables are computed at import from their algebraic
definitions in Document 2 chapter 3, which the published test data pins. Where this module
names no sub-clause it cites the chapter: components in Document 2 chapter 3, operation
in chapter 4; UEA2 in Document 1 chapter 3, UIA2 in chapter 4.
"""

from __future__ import annotations

_M32 = 0xFFFFFFFF
_M64 = (1 << 64) - 1


# -- field arithmetic (Document 2 chapter 3) -------------------------------------------


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
    """SR (Document 2 chapter 3): the Rijndael S-box, inversion in GF(2^8) modulo
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
    """SQ (Document 2 chapter 3): the Dickson polynomial g49(x) = x + x^9 + x^13 +
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
    """The 32-bit S-box S1 (c = 0x1B, SR) or S2 (c = 0x69, SQ) of Document 2 chapter 3
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


def _alpha_tables() -> tuple[list[int], list[int]]:
    """MULalpha and DIValpha of the LFSR feedback (Document 2 chapter 3), c = 0xA9."""
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
    (Document 2 chapter 4). key = k3||k2||k1||k0 and iv = IV3||IV2||IV1||IV0, most
    significant word first, as UEA2/UIA2 load them (Document 1 chapters 3 and 4)."""
    if len(key) != 16 or len(iv) != 16:
        raise ValueError("SNOW 3G takes a 128-bit key and a 128-bit IV")
    k3, k2, k1, k0 = (int.from_bytes(key[i : i + 4], "big") for i in range(0, 16, 4))
    iv3, iv2, iv1, iv0 = (int.from_bytes(iv[i : i + 4], "big") for i in range(0, 16, 4))
    one = _M32
    # Initialisation (chapter 4): s0 .. s15
    s = [
        k0 ^ one, k1 ^ one, k2 ^ one, k3 ^ one,
        k0, k1, k2, k3,
        k0 ^ one, k1 ^ one ^ iv3, k2 ^ one ^ iv2, k3 ^ one,
        k0 ^ iv1, k1, k2, k3 ^ iv0,
    ]  # fmt: skip
    r1 = r2 = r3 = 0
    mul_a, div_a, m32 = _MUL_ALPHA, _DIV_ALPHA, _M32
    a0, a1, a2, a3 = _S1
    b0, b1, b2, b3 = _S2
    out = []
    # One loop with the FSM (F, then R1, R2, R3 = r, S1(R1), S2(R2) from the old values)
    # and the LFSR feedback (chapter 3) inline for speed:
    # 32 initialisation clocks feed F back, the 33rd discards F, then one word per clock.
    for step in range(33 + words):
        s0, s11 = s[0], s[11]
        f = ((s[15] + r1) & m32) ^ r2
        r = (r2 + (r3 ^ s[5])) & m32
        r3 = b0[r2 >> 24] ^ b1[(r2 >> 16) & 0xFF] ^ b2[(r2 >> 8) & 0xFF] ^ b3[r2 & 0xFF]
        r2 = a0[r1 >> 24] ^ a1[(r1 >> 16) & 0xFF] ^ a2[(r1 >> 8) & 0xFF] ^ a3[r1 & 0xFF]
        r1 = r
        v = ((s0 << 8) & m32) ^ mul_a[s0 >> 24] ^ s[2] ^ (s11 >> 8) ^ div_a[s11 & 0xFF]
        if step < 32:
            v ^= f
        elif step > 32:
            out.append(f ^ s0)
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
    """UEA2 (f8), Document 1 chapter 3: IV = COUNT || BEARER|DIRECTION|0^26 || COUNT ||
    BEARER|DIRECTION|0^26; the output is ``data`` xor the keystream over ``length`` bits.
    Encryption and decryption are the same operation."""
    word = ((bearer & 0x1F) << 27) | ((direction & 1) << 26)
    iv = count.to_bytes(4, "big") + word.to_bytes(4, "big")
    ks = keystream(ck, iv + iv, (length + 31) // 32)
    return xor_bits(data, _words_to_bytes(ks), length)


# Carry-less multiplication through Python's integer multiply: spread each bit of a 64-bit
# polynomial into its own octet, multiply, and every octet of the product holds the number
# of terms of one coefficient (at most 64, so no carry crosses octets); its parity is the
# coefficient. A few C-level steps instead of 64 Python iterations per block.
_TO_OCTETS = str.maketrans("01", "\x00\x01")
_PARITY = bytes(0x30 | (b & 1) for b in range(256))


def _spread(v: int) -> int:
    return int.from_bytes(format(v, "064b").translate(_TO_OCTETS).encode("latin-1"), "big")


def _mul64(v: int, p_spread: int) -> int:
    """MUL64(V, P, c) with c = 0x1B: V * P in GF(2^64) modulo x^64+x^4+x^3+x+1
    (Document 1 chapter 4); ``p_spread`` is ``_spread(P)``."""
    prod = (_spread(v) * p_spread).to_bytes(128, "big").translate(_PARITY)
    r = int(prod, 2)
    for _ in range(2):  # fold x^64 = x^4+x^3+x+1 twice (the first fold leaves < 2^68)
        hi = r >> 64
        r = (r & _M64) ^ hi ^ (hi << 1) ^ (hi << 3) ^ (hi << 4)
    return r


def uia2(
    ik: bytes, count: int, fresh: int, direction: int, message: bytes, length: int
) -> bytes:
    """UIA2 (f9) MAC-I, Document 1 chapter 4: five keystream words from IV = COUNT-I ||
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
    p, q = _spread((z1 << 32) | z2), _spread((z3 << 32) | z4)
    blocks = (length + 63) // 64
    m = int.from_bytes(message[:n], "big") >> (8 * n - length) if length else 0
    m <<= 64 * blocks - length  # zero padding of the last block
    ev = 0
    for i in range(blocks - 1, -1, -1):
        ev = _mul64(ev ^ ((m >> (64 * i)) & _M64), p)
    ev = _mul64(ev ^ length, q)
    return ((ev >> 32) ^ z5).to_bytes(4, "big")
