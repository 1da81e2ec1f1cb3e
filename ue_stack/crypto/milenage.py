"""Milenage, the 3GPP example authentication algorithm set (TS 35.206 clause 4.1).

``milenage()`` runs f1, f1*, f2, f3, f4, f5 and f5* for one RAND with a single AES key
schedule, because every 5G AKA run needs most of them and the key schedule dominates the
cost of a single block. Pinned to the TS 35.208 test sets in ``tests/data/vectors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from .secret import Key

# c1..c5 (TS 35.206 4.1): zero except the last octet; r1..r5 are rotations in bits.
_C = (0, 1, 2, 4, 8)
_R = (64, 0, 32, 64, 96)


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _aes(k: bytes) -> CipherContext:
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

    f1/f1* need SQN and AMF; leave them out to get only f2..f5*.
    """
    return _milenage(k, opc, rand, sqn, amf, None)


def milenage_from_autn(k: bytes, opc: bytes, rand: bytes, autn: bytes) -> tuple[
        MilenageOutput, bytes]:
    """The USIM's run (TS 33.102 6.3.3): f5 gives AK, SQN = (SQN xor AK) xor AK, then f1
    over the recovered SQN and the AUTN's AMF — one AES key schedule for all of it.
    Returns the outputs and the recovered SQN."""
    out = _milenage(k, opc, rand, None, bytes(autn[6:8]), bytes(autn[:6]))
    return out, _xor(autn[:6], out.ak)


def _milenage(k: bytes, opc: bytes, rand: bytes, sqn: bytes | None, amf: bytes | None,
              sqn_xor_ak: bytes | None) -> MilenageOutput:
    if len(k) != 16 or len(opc) != 16 or len(rand) != 16:
        _check(k=k, opc=opc, rand=rand)
    # The 128-bit blocks are handled as ints: XOR and rotation are then single operations,
    # which keeps the Python overhead below the cost of the AES key schedule.
    enc = _aes(k).update
    opc_i = int.from_bytes(opc, "big")
    temp = int.from_bytes(enc(_block(int.from_bytes(rand, "big") ^ opc_i)), "big")
    temp_opc = temp ^ opc_i
    out2, out3, out4, out5 = (
        _block(int.from_bytes(enc(_block(_rotl(temp_opc, _R[i]) ^ _C[i])), "big") ^ opc_i)
        for i in range(1, 5)
    )
    if sqn_xor_ak is not None:
        sqn = _xor(sqn_xor_ak, out2[:6])
    mac_a = mac_s = None
    if sqn is not None and amf is not None:
        if len(sqn) != 6 or len(amf) != 2:
            _check(sqn=sqn, amf=amf)
        in1 = int.from_bytes(bytes(sqn) + bytes(amf) + bytes(sqn) + bytes(amf), "big")
        x = _rotl(in1 ^ opc_i, _R[0]) ^ _C[0] ^ temp
        out1 = _block(int.from_bytes(enc(_block(x)), "big") ^ opc_i)
        mac_a, mac_s = out1[:8], out1[8:]
    return MilenageOutput(
        mac_a=mac_a,
        mac_s=mac_s,
        res=out2[8:16],
        ck=Key(out3),
        ik=Key(out4),
        ak=Key(out2[:6]),
        ak_star=Key(out5[:6]),
    )


_MASK128 = (1 << 128) - 1


def _rotl(x: int, bits: int) -> int:
    """``rot`` of TS 35.206 4.1 on a 128-bit int: towards the most significant bit."""
    return ((x << bits) | (x >> (128 - bits))) & _MASK128 if bits else x


def _block(x: int) -> bytes:
    return x.to_bytes(16, "big")


_LENGTHS = {"k": 16, "op": 16, "opc": 16, "rand": 16, "sqn": 6, "amf": 2}


def _check(**values: bytes) -> None:
    for name, value in values.items():
        if len(value) != _LENGTHS[name]:
            raise ValueError(f"{name} must be {_LENGTHS[name]} octets, got {len(value)}")
