"""Milenage, the 3GPP example authentication algorithm set (TS 35.206 clause 4.1).

``milenage()`` runs f1, f1*, f2, f3, f4, f5 and f5* for one RAND with a single AES key
schedule, because every 5G AKA run needs most of them and the key schedule dominates the
cost of a single block. Pinned to the TS 35.208 test sets in ``shared/vectors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .secret import Key

# c1..c5 (TS 35.206 4.1): zero except the last octet; r1..r5 are rotations in bits.
_C = (0, 1, 2, 4, 8)
_R = (64, 0, 32, 64, 96)


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _rot(x: bytes, bits: int) -> bytes:
    """Cyclic rotation of a 128-bit block towards the most significant bit (TS 35.206 4.1)."""
    n = bits // 8
    return x[n:] + x[:n]


def _with_c(x: bytes, c: int) -> bytes:
    return x[:15] + bytes((x[15] ^ c,))


def _aes(k: bytes):
    return Cipher(algorithms.AES(bytes(k)), modes.ECB()).encryptor()


def compute_opc(k: bytes, op: bytes) -> Key:
    """OPc = E_K(OP) xor OP (TS 35.206 4.1)."""
    _check(k=k, op=op)
    return Key(_xor(_aes(k).update(bytes(op)), op))


@dataclass(frozen=True, slots=True)
class MilenageOutput:
    """Outputs of f1..f5* for one (K, OPc, RAND, SQN, AMF). Secrets are ``Key``s."""

    mac_a: bytes | None  # f1, 8 octets (None when SQN/AMF were not given)
    mac_s: bytes | None  # f1*, 8 octets
    res: bytes  # f2, 8 octets
    ck: Key = field(repr=False)  # f3
    ik: Key = field(repr=False)  # f4
    ak: bytes = field(repr=False)  # f5, 6 octets
    ak_star: bytes = field(repr=False)  # f5*, 6 octets


def milenage(
    k: bytes, opc: bytes, rand: bytes, sqn: bytes | None = None, amf: bytes | None = None
) -> MilenageOutput:
    """All Milenage functions for one challenge (TS 35.206 4.1).

    f1/f1* need SQN and AMF; leave them out to get only f2..f5* (as a UE does before it
    knows SQN, which it recovers with AK).
    """
    _check(k=k, opc=opc, rand=rand)
    enc = _aes(k)
    opc = bytes(opc)
    temp = enc.update(_xor(rand, opc))
    mac_a = mac_s = None
    if sqn is not None and amf is not None:
        _check(sqn=sqn, amf=amf)
        in1 = bytes(sqn) + bytes(amf) + bytes(sqn) + bytes(amf)
        out1 = _xor(enc.update(_xor(_with_c(_rot(_xor(in1, opc), _R[0]), _C[0]), temp)), opc)
        mac_a, mac_s = out1[:8], out1[8:]
    temp_opc = _xor(temp, opc)
    outs = [
        _xor(enc.update(_with_c(_rot(temp_opc, _R[i]), _C[i])), opc) for i in range(1, 5)
    ]
    out2, out3, out4, out5 = outs
    return MilenageOutput(
        mac_a=mac_a,
        mac_s=mac_s,
        res=out2[8:16],
        ck=Key(out3),
        ik=Key(out4),
        ak=Key(out2[:6]),
        ak_star=Key(out5[:6]),
    )


_LENGTHS = {"k": 16, "op": 16, "opc": 16, "rand": 16, "sqn": 6, "amf": 2}


def _check(**values: bytes) -> None:
    for name, value in values.items():
        if len(value) != _LENGTHS[name]:
            raise ValueError(f"{name} must be {_LENGTHS[name]} octets, got {len(value)}")
