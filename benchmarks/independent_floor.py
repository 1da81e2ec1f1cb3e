"""An independent floor for replay (README.md "Benchmarks"): the least work any implementation must
do for a trace — parse every JSON line, and the cryptography the UE and the network must
both do — written here from the specifications with ``cryptography``/``hmac`` only. It
imports nothing from ue_stack and shares no code with the replay path, so a shortcut in
the model cannot make its own baseline faster.

Per authentication, on each side: Milenage f1-f5 (TS 35.206 4.1; the UE first f5 to
unmask SQN), the TS 33.501 Annex A chain RES*/XRES* (A.4), HXRES* (A.5, network), KAUSF
(A.2), KSEAF (A.6), KAMF (A.7), KNASint and KNASenc (A.8). Per KAF request, on each side:
KAKMA, A-TID (TS 33.535 A.2, A.3), the A-KID, KAF (A.4). Per NAS message under a
security context (from the first SECURITY MODE COMMAND on): one 128-NIA2 MAC (AES-CMAC,
TS 33.401 B.2.3) over the message — the MAC check or the MAC, whichever side.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

_C = [bytes(15) + bytes([c]) for c in (0, 1, 2, 4, 8)]  # c1..c5 of TS 35.206 4.1
_R = [8, 0, 4, 8, 12]  # r1..r5 in bytes (64, 0, 32, 64, 96 bits)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _rot(x: bytes, r: int) -> bytes:
    return x[r:] + x[:r]


class Milenage:
    """TS 35.206 4.1 with a known OPc."""

    def __init__(self, k: bytes, opc: bytes) -> None:
        self._enc = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
        self.opc = opc

    def _e(self, block: bytes) -> bytes:
        return self._enc.update(block)

    def _out(self, temp: bytes, i: int) -> bytes:
        return _xor(self._e(_xor(_rot(_xor(temp, self.opc), _R[i]), _C[i])), self.opc)

    def temp(self, rand: bytes) -> bytes:
        return self._e(_xor(rand, self.opc))

    def f1(self, temp: bytes, sqn: bytes, amf: bytes) -> bytes:
        in1 = sqn + amf + sqn + amf
        out1 = _xor(self._e(_xor(_xor(temp, _rot(_xor(in1, self.opc), _R[0])), _C[0])),
                    self.opc)
        return out1[:8]

    def f2345(self, temp: bytes) -> tuple[bytes, bytes, bytes, bytes]:
        out2 = self._out(temp, 1)
        return out2[8:], self._out(temp, 2), self._out(temp, 3), out2[:6]  # RES CK IK AK


def kdf(key: bytes, fc: int, *params: bytes) -> bytes:
    """TS 33.220 B.2.2: HMAC-SHA-256(key, FC || P0 || L0 || P1 || L1 ...)."""
    s = bytes([fc]) + b"".join(p + len(p).to_bytes(2, "big") for p in params)
    return hmac.digest(key, s, "sha256")


def _side_of_authentication(snn: bytes, supi: bytes, rand: bytes, sqn_xor_ak: bytes,
                            res: bytes, ck: bytes, ik: bytes) -> tuple[bytes, bytes, bytes]:
    """RES* (or XRES*), KAUSF, KSEAF, KAMF, the two NAS keys: (RES*, KAUSF, KNASint)."""
    res_star = kdf(ck + ik, 0x6B, snn, rand, res)[16:]  # A.4
    kausf = kdf(ck + ik, 0x6A, snn, sqn_xor_ak)  # A.2
    kseaf = kdf(kausf, 0x6C, snn)  # A.6
    kamf = kdf(kseaf, 0x6D, supi, b"\x00\x00")  # A.7, ABBA 0x0000
    kdf(kamf, 0x69, b"\x01", b"\x02")  # KNASenc for NEA2 (A.8)
    knas_int = kdf(kamf, 0x69, b"\x02", b"\x02")[16:]  # KNASint for NIA2
    return res_star, kausf, knas_int


def _akma(kausf: bytes, supi: bytes, af_id: bytes) -> tuple[str, bytes]:
    """KAKMA, A-TID, the A-KID, KAF (TS 33.535 A.2-A.4): (A-KID, KAF)."""
    kakma = kdf(kausf, 0x80, b"AKMA", supi)
    a_tid = kdf(kausf, 0x81, b"A-TID", supi)
    a_kid = f"rid0.{base64.urlsafe_b64encode(a_tid).decode()}@5gc.mnc001.mcc001.3gppnetwork.org"
    return a_kid, kdf(kakma, 0x82, af_id)


def floor(path: str | Path, k: bytes, opc: bytes, supi: str, snn: str) -> int:
    """Parse every line of a trace and do the work above; returns the records parsed."""
    m = Milenage(k, opc)
    snn_b, supi_b = snn.encode(), supi.encode()
    knas_int = bytes(16)
    protected = False
    kausf_ue = kausf_net = bytes(32)
    records = 0
    with open(path, "rb") as f:
        next(f)  # the header
        for line in f:
            rec = orjson.loads(line)
            records += 1
            kind = rec.get("kind")
            if kind == "app":
                af_id = rec["af_fqdn"].encode() + bytes.fromhex(rec["ua_id"])
                _akma(kausf_ue, supi_b, af_id)  # the UE's NAS and application
                _akma(kausf_net, supi_b, af_id)  # the AAnF and the AF
                continue
            if kind not in ("dl", "ul"):
                continue
            msg = rec.get("msg")
            if msg == "authentication_request":
                rand, autn = bytes.fromhex(rec["rand"]), bytes.fromhex(rec["autn"])
                # the network made the vector: f1-f5 with its SQN
                temp = m.temp(rand)
                res, ck, ik, ak = m.f2345(temp)
                sqn = _xor(autn[:6], ak)
                m.f1(temp, sqn, autn[6:8])
                xres_star, kausf_net, _ = _side_of_authentication(
                    snn_b, supi_b, rand, autn[:6], res, ck, ik)
                hashlib.sha256(rand + xres_star).digest()  # HXRES* (A.5)
                # the UE: f5 unmasks SQN, f1 checks MAC-A, f2-f4 answer
                temp = m.temp(rand)
                res, ck, ik, ak = m.f2345(temp)
                m.f1(temp, _xor(autn[:6], ak), autn[6:8])
                _, kausf_ue, knas_int = _side_of_authentication(
                    snn_b, supi_b, rand, autn[:6], res, ck, ik)
            if msg == "security_mode_command":
                protected = True
            if protected:  # one 128-NIA2 over the message (count, bearer, direction, PDU)
                mac = CMAC(algorithms.AES(knas_int))
                mac.update(bytes(8) + line[:64])
                mac.finalize()
    return records
