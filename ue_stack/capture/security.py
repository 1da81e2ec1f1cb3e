"""NAS security of one captured UE, seen from outside: 5G AKA key chains, NAS COUNTs,
128-NIA1/2/3 verification and 128-NEA1/2/3 deciphering (TS 33.501 6.1.3.2, 6.4, Annex A,
Annex D; TS 24.501 4.4.3, 9.3).

The importer feeds every NAS PDU of a UE in capture order. With K/OPc it derives the key
chain of each AUTHENTICATION REQUEST, takes the partial context into use when a SECURITY
MODE COMMAND (security header type 3) names it, and from then on verifies MACs and
deciphers. Without keys it still tracks the selected algorithms (the SMC is integrity
protected only, so readable): NEA0 payloads are then passed through.
Only algorithm identifiers that name no algorithm (4-7 of TS 24.501 9.11.3.34) are counted
as unsupported.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from ..authkeys import AuthKeys
from ..crypto import aka
from ..crypto.eap_aka_prime import challenge_keys
from ..crypto.milenage import milenage
from ..crypto.nas_security import CIPHERING, DOWNLINK, INTEGRITY, NAS_BEARER, UPLINK
from ..crypto.secret import Key
from ..nas.codec import (
    SHT_INTEGRITY_CIPHERED_NEW_CONTEXT,
    SHT_INTEGRITY_NEW_CONTEXT,
    SHT_PLAIN,
    DecodedPdu,
    NasDecodeError,
    decode_plain,
)

ENC_NAMES = {0: "NEA0", 1: "128-NEA1", 2: "128-NEA2", 3: "128-NEA3"}


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the user told us about the UE's USIM (test credentials)."""

    k: Key = field(repr=False)
    opc: Key = field(repr=False)


@dataclass(slots=True)
class AuthEvidence:
    """One AUTHENTICATION REQUEST as the UE's USIM would see it (TS 33.102 6.3.3)."""

    rand: bytes
    autn: bytes
    ngksi: int
    abba: bytes
    sqn: bytes | None = None  # SQN = (SQN xor AK) xor AK
    mac_ok: bool | None = None
    res_star: bytes | None = None
    kamf: Key | None = field(default=None, repr=False)


class NasCount:
    """One direction's NAS COUNT: 16-bit overflow + 8-bit sequence number
    (TS 24.501 4.4.3.1). The receiver estimates the overflow from the sequence numbers it
    has seen; a smaller sequence number than the last one means the overflow grew."""

    __slots__ = ("last", "overflow")

    def __init__(self) -> None:
        self.overflow, self.last = 0, -1

    def candidates(self, seq: int) -> list[int]:
        """COUNT values to try, the estimate first (a retransmission keeps its COUNT; some
        UEs restart the sequence number on a header type 4, hence the plain ``seq``)."""
        ov = self.overflow + 1 if 0 <= seq < self.last else self.overflow
        out = [(ov << 8) | seq]
        for alt in ((self.overflow << 8) | seq, seq, ((self.overflow + 1) << 8) | seq):
            if alt not in out:
                out.append(alt)
        return out

    def commit(self, count: int) -> None:
        self.overflow, self.last = count >> 8, count & 0xFF


@dataclass(slots=True)
class SecurityContext:
    """A 5G NAS security context in use (TS 33.501 6.7.2)."""

    ngksi: int
    nea: int
    nia: int
    kamf: Key | None = field(default=None, repr=False)
    k_nas_int: Key | None = field(default=None, repr=False)
    k_nas_enc: Key | None = field(default=None, repr=False)
    ul: NasCount = field(default_factory=NasCount)
    dl: NasCount = field(default_factory=NasCount)


@dataclass(slots=True)
class Protection:
    """What security did to one PDU: ``plain`` is the plain message (None if unreadable);
    ``integrity`` is verified | failed | unsupported | unchecked | null | none."""

    plain: bytes | None
    integrity: str = "none"
    cipher: str | None = None  # nea0 | nea1 | nea2 | nea3 | None
    nia: str | None = None  # the integrity algorithm in use, e.g. NIA1
    nea: int | None = None  # the ciphering algorithm of a ciphered PDU, when an SMC named it
    count: int | None = None
    note: str | None = None


class UeSecurity:
    """NAS security state of one UE across its connections."""

    def __init__(self, credentials: Credentials | None,
                 auth_keys: AuthKeys | None = None) -> None:
        self.credentials = credentials
        # --keys rows per RAND (KAUSF, KSEAF or KAMF taken in the network), for UEs whose K
        # is unknown; ``keyed`` says whether one of them gave a KAMF.
        self.auth_keys = auth_keys if auth_keys is not None else {}
        self.keyed = False
        self.supi: str | None = None
        self.snn: str | None = None
        self.pending: dict[int, AuthEvidence] = {}  # partial contexts by ngKSI
        self.last_auth: AuthEvidence | None = None
        self.current: SecurityContext | None = None

    # -- 5G AKA (TS 33.501 6.1.3.2) ----------------------------------------------------

    def authentication_request(self, fields: dict[str, Any]) -> AuthEvidence | None:
        """Derive what the USIM/ME would from one AUTHENTICATION REQUEST (TS 33.102 6.3.3,
        TS 33.501 A.2-A.7): SQN, whether MAC-A verifies, RES*, and KAMF for the partial
        context named by the ngKSI. Where K is unknown, a key taken in the network for this
        RAND (``authkeys``) gives the KAMF alone, for 5G AKA and EAP-AKA' alike (KSEAF comes
        from KAUSF the same way for both, A.6). With K/OPc, EAP-AKA' gives KAUSF = EMSK[0:32]
        (TS 33.501 6.1.3.1, A.3; RFC 9048 3.3) and so KAMF as for 5G AKA."""
        rand: bytes | None = fields.get("rand")
        autn: bytes | None = fields.get("autn")
        eap = rand is None and fields.get("at_rand") is not None
        key = rand if rand is not None else fields.get("at_rand")
        row = self.auth_keys.get(key) if key is not None and self.credentials is None else None
        if eap:  # EAP-AKA' (RFC 9048): AT_RAND, AT_AUTN
            rand, autn = key, fields.get("at_autn") or b""
        if rand is None or autn is None or (row is None and len(autn) != 16):
            return None
        ev = AuthEvidence(rand, autn, fields.get("ngksi", 0), fields.get("abba", b"\x00\x00"))
        if row is not None:
            ev.kamf = row.kamf(self.snn, self.supi, ev.abba)
            self.keyed = self.keyed or ev.kamf is not None
        elif self.credentials is not None:
            k, opc = self.credentials.k, self.credentials.opc
            ak = milenage(k, opc, rand).ak
            ev.sqn = bytes(a ^ b for a, b in zip(autn[:6], ak, strict=True))
            m = milenage(k, opc, rand, ev.sqn, autn[6:8])
            ev.mac_ok = hmac.compare_digest(m.mac_a or b"", autn[8:])
            if self.snn is not None:
                if not eap:
                    ev.res_star = aka.res_star(m.ck, m.ik, self.snn, rand, m.res)
                if self.supi is not None:
                    if eap:  # KAUSF = EMSK[0:32] (TS 33.501 6.1.3.1, A.3; RFC 9048 3.3)
                        kausf = challenge_keys(
                            m.ck, m.ik, fields.get("at_kdf_input") or self.snn, autn[:6],
                            aka.supi_for_kdf(self.supi).decode()).k_ausf
                    else:
                        kausf = aka.k_ausf(m.ck, m.ik, self.snn, autn[:6])
                    ev.kamf = aka.k_amf(aka.k_seaf(kausf, self.snn), self.supi, ev.abba)
        self.pending[ev.ngksi] = ev
        self.last_auth = ev
        return ev

    def resync(self, auts: bytes) -> aka.Resync | None:
        """SQN_MS from an AUTS for the last challenge (TS 33.102 6.3.5)."""
        if self.credentials is None or self.last_auth is None or len(auts) != 14:
            return None
        k, opc = self.credentials.k, self.credentials.opc
        return aka.resync_from_auts(k, opc, self.last_auth.rand, auts)

    # -- security mode control and protected messages (TS 24.501 5.4.2, 4.4) ----------

    def _take_into_use(self, smc: DecodedPdu) -> None:
        """SECURITY MODE COMMAND: the partial context it names becomes current with fresh
        COUNTs (TS 24.501 5.4.2.2); an SMC for the current context only changes algorithms."""
        f = smc.fields
        ngksi, nea, nia = f.get("ngksi", 0), f.get("nea", 0), f.get("nia", 0)
        evidence = self.pending.pop(ngksi, None)
        if evidence is not None or self.current is None or self.current.ngksi != ngksi:
            kamf = evidence.kamf if evidence is not None else None
            self.current = SecurityContext(ngksi, nea, nia, kamf)
        else:
            self.current.nea, self.current.nia = nea, nia
        ctx = self.current
        if ctx.kamf is not None:
            ctx.k_nas_int = aka.k_nas_int(ctx.kamf, nia)
            ctx.k_nas_enc = aka.k_nas_enc(ctx.kamf, nea)

    def protect_in(self, direction: str, decoded: DecodedPdu) -> Protection:
        """Verify and (if needed) decipher one captured PDU; ``decoded`` is the keyless
        decode (``decode_pdu(..., null_cipher_guess=False)``)."""
        sht = decoded.security_header
        if sht == SHT_PLAIN:
            return Protection(plain=None)
        inner = decoded.inner or b""
        if (
            sht == SHT_INTEGRITY_NEW_CONTEXT
            and direction == "dl"
            and decoded.msg == ("security_mode_command")
        ):
            self._take_into_use(decoded)
        ctx = self.current
        if ctx is None:
            if decoded.ciphered:
                return Protection(
                    None,
                    "unchecked",
                    note="no SECURITY MODE COMMAND seen: ciphering algorithm unknown",
                )
            return Protection(inner, "unchecked", note="no security context seen")
        dir_bit = UPLINK if direction == "ul" else DOWNLINK
        counter = ctx.ul if direction == "ul" else ctx.dl
        seq = decoded.seq or 0
        if sht in (SHT_INTEGRITY_NEW_CONTEXT, SHT_INTEGRITY_CIPHERED_NEW_CONTEXT) and (
            counter.last < 0
        ):
            candidates = [seq]
        else:
            candidates = counter.candidates(seq)
        out = Protection(None, count=candidates[0], nia=f"NIA{ctx.nia}",
                         nea=ctx.nea if decoded.ciphered else None)
        nia = INTEGRITY.get(ctx.nia)
        if ctx.nia == 0:
            out.integrity = "null"
        elif nia is None:
            out.integrity = "unsupported"
        elif ctx.k_nas_int is None:
            out.integrity = "unchecked"
        else:
            message = bytes((seq,)) + inner
            out.integrity = "failed"
            for count in candidates:
                mac = nia(ctx.k_nas_int, count, NAS_BEARER, dir_bit, message)
                if hmac.compare_digest(mac, decoded.mac or b""):
                    out.integrity, out.count = "verified", count
                    break
        counter.commit(out.count or 0)
        if not decoded.ciphered:
            out.plain = inner
        elif ctx.nea == 0:
            out.plain, out.cipher = inner, "nea0"
        elif ctx.nea in CIPHERING and ctx.k_nas_enc is not None:
            nea = CIPHERING[ctx.nea]
            out.plain = nea(ctx.k_nas_enc, out.count or 0, NAS_BEARER, dir_bit, inner)
            out.cipher = f"nea{ctx.nea}"
            if out.integrity != "verified":
                try:  # without a verified MAC, only trust a COUNT whose output parses
                    decode_plain(out.plain, strict=True, inner=True)
                except NasDecodeError:
                    out.plain, out.cipher = None, None
                    out.note = f"{ENC_NAMES[ctx.nea]} output does not parse (COUNT or keys wrong?)"
        elif ctx.nea in CIPHERING:
            out.note = f"ciphered with {ENC_NAMES[ctx.nea]} and no keys for this UE"
        else:
            out.note = f"ciphered with NEA{ctx.nea}, an identifier that names no algorithm"
        return out
