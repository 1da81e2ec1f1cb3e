"""NAS-5GS PDU codec: the octets of TS 24.501 clause 8/9 <-> the trace vocabulary
(docs/trace-format.md).

Owns one job: turn a NAS PDU as captured (security header included) into the message name
and the fields of docs/trace-format.md, typed as ``messages.FIELD_TYPES`` says, and back
for the plain 5GMM messages the model implements. The capture importer and the trace
loader share it, so a trace's ``pdu`` and its explicit fields are read the same way.

Why a small own decoder and not pycrate's NAS5G: the fields the model needs sit in the
first few IEs of a dozen 5GMM messages, the general IE rules of TS 24.007 11.2.4 cover the
rest, and a direct decoder is ~75x faster than building pycrate's object tree
(measured: ~100,000 vs ~1,400 messages/s on the gnbsim messages; pycrate
stays in use for NGAP's ASN.1, where a hand decoder would be the wrong trade). Pure: no
I/O, no keys; deciphering is the caller's job (``ue_stack.capture.security``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import eap as eap_packet
from .messages import SERVICE_TYPES, NasMessage

EPD_5GMM = 0x7E  # extended protocol discriminator, TS 24.007 11.2.3.1.1A
EPD_5GSM = 0x2E

# Security header types (TS 24.501 9.3.1).
SHT_PLAIN = 0
SHT_INTEGRITY = 1
SHT_INTEGRITY_CIPHERED = 2
SHT_INTEGRITY_NEW_CONTEXT = 3
SHT_INTEGRITY_CIPHERED_NEW_CONTEXT = 4
CIPHERED_HEADERS = frozenset({SHT_INTEGRITY_CIPHERED, SHT_INTEGRITY_CIPHERED_NEW_CONTEXT})

# 5GMM message types (TS 24.501 table 9.7.1) -> snake_case names; the trace-format names
# where docs/trace-format.md has one.
MM_TYPES: dict[int, str] = {
    0x41: "registration_request",
    0x42: "registration_accept",
    0x43: "registration_complete",
    0x44: "registration_reject",
    0x45: "deregistration_request",  # UE originating
    0x46: "deregistration_accept",  # UE originating (sent by the network)
    0x47: "deregistration_request",  # UE terminated (sent by the network)
    0x48: "deregistration_accept",  # UE terminated (sent by the UE)
    0x4C: "service_request",
    0x4D: "service_reject",
    0x4E: "service_accept",
    0x4F: "control_plane_service_request",
    0x50: "network_slice_specific_authentication_command",
    0x51: "network_slice_specific_authentication_complete",
    0x52: "network_slice_specific_authentication_result",
    0x54: "configuration_update_command",
    0x55: "configuration_update_complete",
    0x56: "authentication_request",
    0x57: "authentication_response",
    0x58: "authentication_reject",
    0x59: "authentication_failure",
    0x5A: "authentication_result",
    0x5B: "identity_request",
    0x5C: "identity_response",
    0x5D: "security_mode_command",
    0x5E: "security_mode_complete",
    0x5F: "security_mode_reject",
    0x64: "status",
    0x65: "notification",
    0x66: "notification_response",
    0x67: "ul_nas_transport",
    0x68: "dl_nas_transport",
}

# 5GSM message types (TS 24.501 table 9.7.2).
SM_TYPES: dict[int, str] = {
    0xC1: "pdu_session_establishment_request",
    0xC2: "pdu_session_establishment_accept",
    0xC3: "pdu_session_establishment_reject",
    0xC5: "pdu_session_authentication_command",
    0xC6: "pdu_session_authentication_complete",
    0xC7: "pdu_session_authentication_result",
    0xC9: "pdu_session_modification_request",
    0xCA: "pdu_session_modification_reject",
    0xCB: "pdu_session_modification_command",
    0xCC: "pdu_session_modification_complete",
    0xCD: "pdu_session_modification_command_reject",
    0xD1: "pdu_session_release_request",
    0xD2: "pdu_session_release_reject",
    0xD3: "pdu_session_release_command",
    0xD4: "pdu_session_release_complete",
    0xD6: "5gsm_status",
}

# Optional IEs whose IEI has bit 8 = 0 but that are TV with a fixed length (total octets,
# IEI included). TS 24.007 11.2.4 lets every other IEI be read by its format alone.
_TV_FIXED: dict[int, dict[int, int]] = {
    0x41: {0x52: 7},  # last visited registered TAI
    0x47: {0x58: 2},  # 5GMM cause
    0x54: {0x46: 2, 0x47: 8},  # local time zone, universal time and local time zone
    0x56: {0x21: 17},  # RAND
    0x5D: {0x57: 2},  # selected EPS NAS security algorithms
    0x67: {0x12: 2, 0x59: 2},  # PDU session ID, old PDU session ID
    0x68: {0x12: 2, 0x58: 2},  # PDU session ID, 5GMM cause
}

_REGISTRATION_TYPES = {1: "initial", 2: "mobility", 3: "periodic"}  # 9.11.3.7
IEI_EAP_MESSAGE = 0x78  # EAP message IE, TLV-E (TS 24.501 9.11.2.2)
PAYLOAD_N1_SM = 1  # payload container type "N1 SM information" (9.11.3.40)

# Mobile identity types (9.11.3.4).
ID_NONE, ID_SUCI, ID_GUTI, ID_IMEI, ID_S_TMSI, ID_IMEISV = 0, 1, 2, 3, 4, 5


class NasDecodeError(ValueError):
    """The octets do not form the message their header announces."""


@dataclass(slots=True)
class DecodedPdu:
    """One NAS PDU, decoded as far as the octets allow without keys.

    ``msg``/``fields``: the trace-format name and fields of the plain message (``msg`` is
    None when the message is ciphered and does not read as null-ciphered, or is not
    NAS-5GS at all). ``inner``: the plain inner message for headers 1/3, the ciphered
    payload for 2/4. ``null_ciphered``: ``msg`` was read from a header-2/4 payload as
    NEA0 output (TS 33.501 D.1) — only claimed when the whole payload parses cleanly.
    ``extra``: what the trace format does not name but importers need (mobile identity, GUTI,
    5GSM inner message, PDU session id, EAP payload, ...).
    """

    msg: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    security_header: int = SHT_PLAIN
    mac: bytes | None = None
    seq: int | None = None
    inner: bytes | None = None
    null_ciphered: bool = False
    message_type: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ciphered(self) -> bool:
        return self.security_header in CIPHERED_HEADERS


# --- decoding ------------------------------------------------------------------------


def decode_pdu(pdu: bytes, *, null_cipher_guess: bool = True) -> DecodedPdu | None:
    """Decode a NAS PDU as captured (TS 24.501 9.1, 9.3). None when it is not NAS-5GS.

    For security header types 2/4 the payload is read as NEA0 output when
    ``null_cipher_guess`` is set and it parses completely as a plain 5GMM message;
    otherwise ``msg`` is None and ``inner`` holds the ciphered octets.
    """
    pdu = bytes(pdu)
    if len(pdu) < 3:
        return None
    if pdu[0] == EPD_5GSM:
        try:
            return _decode_sm(pdu)
        except NasDecodeError:
            return None
    if pdu[0] != EPD_5GMM:
        return None
    sht = pdu[1] & 0x0F
    if sht == SHT_PLAIN:
        try:
            return decode_plain(pdu)
        except NasDecodeError:
            return DecodedPdu(None, message_type=pdu[2])
    if sht > SHT_INTEGRITY_CIPHERED_NEW_CONTEXT or len(pdu) < 7:
        return None
    mac, seq, inner = pdu[2:6], pdu[6], pdu[7:]
    out = DecodedPdu(None, security_header=sht, mac=mac, seq=seq, inner=inner)
    if sht in CIPHERED_HEADERS:
        if not null_cipher_guess:
            return out
        try:
            plain = decode_plain(inner, strict=True, inner=True)
        except NasDecodeError:
            return out
        plain.null_ciphered = True
    else:
        try:
            plain = decode_plain(inner, inner=True)
        except NasDecodeError:
            out.extra["note"] = "inner message does not decode"
            return out
    plain.security_header, plain.mac, plain.seq, plain.inner = sht, mac, seq, inner
    return plain


def decode_plain(msg: bytes, *, strict: bool = False, inner: bool = False) -> DecodedPdu:
    """Decode a plain 5GMM (or 5GSM) message (security header type 0).

    ``strict``: the optional part must parse to the last octet (used where a wrong guess
    is costly, e.g. reading a ciphered payload as NEA0 output). ``inner``: the message was
    inside a security protected one; its header octet should say "plain" but some cores
    (free5GC) copy the outer type there, and receivers ignore it, so we do too.
    """
    msg = bytes(msg)
    if len(msg) < 3:
        raise NasDecodeError("shorter than a NAS header")
    if msg[0] == EPD_5GSM:
        return _decode_sm(msg)
    if msg[0] != EPD_5GMM or (msg[1] & 0x0F != SHT_PLAIN and not inner):
        raise NasDecodeError("not a plain 5GMM message")
    mtype = msg[2]
    name = MM_TYPES.get(mtype)
    if name is None:
        raise NasDecodeError(f"unknown 5GMM message type 0x{mtype:02x}")
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    r = _Reader(msg, 3)
    _MANDATORY.get(mtype, _no_mandatory)(r, fields, extra)
    try:
        opts = r.optional(_TV_FIXED.get(mtype, {}))
    except NasDecodeError:
        if strict:
            raise
        opts = r.partial
        extra["note"] = "optional IEs do not parse to the end"
    _OPTIONAL.get(mtype, _no_optional)(opts, fields, extra)
    return DecodedPdu(name, fields, message_type=mtype, extra=extra)


def _decode_sm(msg: bytes) -> DecodedPdu:
    """5GSM header (TS 24.501 9.1.1): EPD, PDU session id, PTI, message type."""
    if len(msg) < 4:
        raise NasDecodeError("shorter than a 5GSM header")
    name = SM_TYPES.get(msg[3])
    if name is None:
        raise NasDecodeError(f"unknown 5GSM message type 0x{msg[3]:02x}")
    return DecodedPdu(name, message_type=msg[3], extra={"pdu_session_id": msg[1]})


class _Reader:
    """Cursor over a message with the IE formats of TS 24.007 11.2.1."""

    __slots__ = ("buf", "i", "partial")

    def __init__(self, buf: bytes, i: int) -> None:
        self.buf, self.i = buf, i
        self.partial: dict[int, Any] = {}

    def take(self, n: int) -> bytes:
        if self.i + n > len(self.buf):
            raise NasDecodeError("message ends inside an IE")
        out = self.buf[self.i : self.i + n]
        self.i += n
        return out

    def octet(self) -> int:
        return self.take(1)[0]

    def lv(self) -> bytes:
        return self.take(self.octet())

    def lv_e(self) -> bytes:
        return self.take(int.from_bytes(self.take(2), "big"))

    def optional(self, tv_fixed: dict[int, int]) -> dict[int, Any]:
        """Optional IEs by IEI (TS 24.007 11.2.4): bit 8 set -> one octet (a type-1 IE is
        keyed by its high nibble and carries its low nibble); 0x7X -> TLV-E; else TLV,
        unless the message lists the IEI as fixed-length TV."""
        out = self.partial
        while self.i < len(self.buf):
            iei = self.octet()
            if iei & 0x80:
                out[iei & 0xF0] = iei & 0x0F
            elif iei in tv_fixed:
                out[iei] = self.take(tv_fixed[iei] - 1)
            elif iei & 0xF0 == 0x70:
                out[iei] = self.lv_e()
            else:
                out[iei] = self.lv()
        return out


# What the per-message readers fill: message fields / importer extras by name, and the
# optional IEs by IEI (bytes; a type-1 IE's value is its low nibble, an int).
_Fields = dict[str, Any]
_Opts = dict[int, Any]


def _no_mandatory(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    return None


def _no_optional(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    return None


def _m_registration_request(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.6: ngKSI (high half) + 5GS registration type (low half), 5GS mobile identity."""
    o = r.octet()
    fields["ngksi"] = (o >> 4) & 0x07
    kind = _REGISTRATION_TYPES.get(o & 0x07)
    if kind is not None:
        fields["registration_type"] = kind
    extra["registration_type_value"] = o & 0x07
    extra["follow_on_request"] = bool(o & 0x08)
    extra["mobile_identity"] = r.lv_e()


def _m_registration_accept(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    extra["registration_result"] = r.lv()  # 8.2.7: 5GS registration result


def _o_guti(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    """5G-GUTI IE (IEI 0x77) of REGISTRATION ACCEPT 8.2.7 / CONFIGURATION UPDATE COMMAND
    8.2.19: ``guti`` is the value without its type octet (PLMN, AMF region, AMF set and
    pointer, 5G-TMSI: 10 octets)."""
    ident = opts.get(0x77)
    if ident and ident[0] & 0x07 == ID_GUTI and len(ident) == 11:
        fields["guti"] = ident[1:]
        extra["guti"] = ident[1:]


_TIMER2_UNITS = {0: 2, 1: 60, 2: 360}  # TS 24.008 10.5.7.4 (111: deactivated)
_TIMER3_UNITS = {0: 600, 1: 3600, 2: 36000, 3: 2, 4: 30, 5: 60, 6: 1152000}  # 10.5.7.4a


def _timer_seconds(value: bytes | None, units: dict[int, int]) -> int | None:
    if not value or (value[0] >> 5) not in units:
        return None
    return units[value[0] >> 5] * (value[0] & 0x1F)


def _o_t3346(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    """T3346 value IE (IEI 0x5F, GPRS timer 2) of REGISTRATION/SERVICE REJECT and the
    network's DEREGISTRATION REQUEST, in seconds."""
    seconds = _timer_seconds(opts.get(0x5F), _TIMER2_UNITS)
    if seconds is not None:
        fields["t3346"] = seconds


def _o_registration_accept(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    _o_guti(opts, fields, extra)
    seconds = _timer_seconds(opts.get(0x5E), _TIMER3_UNITS)  # T3512 value (9.11.2.5)
    if seconds is not None:
        fields["t3512"] = seconds


def _m_cause(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    fields["cause"] = r.octet()


def _m_deregistration_request_ue(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.12: ngKSI + de-registration type (bit 4 switch off), 5GS mobile identity."""
    o = r.octet()
    extra["ngksi"] = (o >> 4) & 0x07
    fields["switch_off"] = bool(o & 0x08)
    extra["mobile_identity"] = r.lv_e()


def _m_deregistration_request_nw(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.14: spare + de-registration type; the network never sets switch off."""
    o = r.octet()
    fields["switch_off"] = bool(o & 0x08)
    fields["re_registration_required"] = bool(o & 0x04)


def _m_service_request(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.16: ngKSI (high half) + service type (low half), 5G-S-TMSI."""
    o = r.octet()
    extra["ngksi"] = fields["ngksi"] = (o >> 4) & 0x07
    extra["service_type"] = o & 0x0F
    if (o & 0x0F) < len(SERVICE_TYPES):
        fields["service_type"] = SERVICE_TYPES[o & 0x0F]
    extra["mobile_identity"] = r.lv_e()


def _m_service_reject(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    extra["cause"] = fields["cause"] = r.octet()


def _m_authentication_request(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.1: spare + ngKSI, ABBA (LV)."""
    fields["ngksi"] = r.octet() & 0x07
    fields["abba"] = r.lv()


def _o_authentication_request(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    if 0x21 in opts:
        fields["rand"] = opts[0x21]
    if 0x20 in opts:
        fields["autn"] = opts[0x20]
    _o_eap(opts, fields, extra)


def _o_authentication_response(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    if 0x2D in opts:
        fields["res_star"] = opts[0x2D]  # 8.2.2: authentication response parameter
    _o_eap(opts, fields, extra)


def _o_eap(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    """The optional EAP message IE (IEI 0x78) of 8.2.1, 8.2.2, 8.2.5, 8.2.25."""
    if IEI_EAP_MESSAGE in opts:
        _eap_fields(opts[IEI_EAP_MESSAGE], fields, extra)


def _eap_fields(packet: bytes, fields: dict[str, Any], extra: dict[str, Any]) -> None:
    """``eap`` (the packet) and its decoded fields (docs/trace-format.md); a packet that does
    not decode keeps only ``eap``, and the trace loader names the problem."""
    fields["eap"] = packet
    extra["eap"] = packet
    try:
        fields.update(eap_packet.decode(packet))
    except eap_packet.EapDecodeError:
        extra["note"] = "EAP message does not decode"


def _o_authentication_failure(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    if 0x30 in opts:
        fields["auts"] = opts[0x30]  # 8.2.4: authentication failure parameter


def _m_authentication_result(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.3: spare + ngKSI, EAP message (LV-E)."""
    fields["ngksi"] = r.octet() & 0x07
    _eap_fields(r.lv_e(), fields, extra)


def _m_identity_request(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    fields["identity_type"] = r.octet() & 0x07  # 8.2.21, 9.11.3.3


def _m_identity_response(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    ident = r.lv_e()  # 8.2.22
    fields["identity"] = ident
    extra["mobile_identity"] = ident


def _m_security_mode_command(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.25: selected NAS security algorithms (ciphering high half, integrity low half),
    spare + ngKSI, replayed UE security capabilities (LV)."""
    algs = r.octet()
    fields["nea"] = (algs >> 4) & 0x07
    fields["nia"] = algs & 0x07
    fields["ngksi"] = r.octet() & 0x07
    fields["replayed_ue_sec_cap"] = r.lv()


def _o_security_mode_command(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    if 0x38 in opts:
        fields["abba"] = opts[0x38]
    _o_eap(opts, fields, extra)
    if 0xE0 in opts:
        extra["imeisv_request"] = opts[0xE0]


def _m_transport(r: _Reader, fields: _Fields, extra: _Fields) -> None:
    """8.2.10/8.2.11: spare + payload container type, payload container (LV-E)."""
    extra["payload_container_type"] = r.octet() & 0x0F
    extra["payload"] = r.lv_e()


def _o_transport(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    if 0x12 in opts:
        extra["pdu_session_id"] = opts[0x12][0]
    if 0x58 in opts:
        extra["cause"] = opts[0x58][0]


def _o_deregistration_request_nw(opts: _Opts, fields: _Fields, extra: _Fields) -> None:
    if 0x58 in opts:
        fields["cause"] = opts[0x58][0]  # 5GMM cause IE (9.11.3.2)
    _o_t3346(opts, fields, extra)


_MANDATORY = {
    0x41: _m_registration_request,
    0x42: _m_registration_accept,
    0x44: _m_cause,
    0x45: _m_deregistration_request_ue,
    0x47: _m_deregistration_request_nw,
    0x4C: _m_service_request,
    0x4D: _m_service_reject,
    0x56: _m_authentication_request,
    0x59: _m_cause,
    0x5A: _m_authentication_result,
    0x5B: _m_identity_request,
    0x5C: _m_identity_response,
    0x5D: _m_security_mode_command,
    0x5F: _m_cause,
    0x64: _m_cause,
    0x67: _m_transport,
    0x68: _m_transport,
}
_OPTIONAL = {
    0x42: _o_registration_accept,
    0x44: _o_t3346,
    0x4D: _o_t3346,
    0x47: _o_deregistration_request_nw,
    0x54: _o_guti,
    0x56: _o_authentication_request,
    0x57: _o_authentication_response,
    0x58: _o_eap,
    0x59: _o_authentication_failure,
    0x5D: _o_security_mode_command,
    0x67: _o_transport,
    0x68: _o_transport,
}


def transport_name(decoded: DecodedPdu) -> str | None:
    """The name an UL/DL NAS TRANSPORT goes by in a trace: its inner 5GSM message when it
    carries N1 SM information (TS 24.501 9.11.3.40), else the transport's own name."""
    if decoded.message_type not in (0x67, 0x68):
        return decoded.msg
    payload = decoded.extra.get("payload", b"")
    if (
        decoded.extra.get("payload_container_type") == PAYLOAD_N1_SM
        and len(payload) >= 4
        and payload[0] == EPD_5GSM
        and payload[3] in SM_TYPES
    ):
        return SM_TYPES[payload[3]]
    return decoded.msg


# --- mobile identities (TS 24.501 9.11.3.4) and PLMN codes (TS 24.008 10.5.1.13) -----


def decode_plmn(octets: bytes) -> tuple[str, str]:
    """MCC and MNC from the 3-octet BCD PLMN identity; a 2-digit MNC has filler F."""
    if len(octets) != 3:
        raise NasDecodeError("PLMN identity must be 3 octets")
    d = [
        octets[0] & 0x0F,
        octets[0] >> 4,
        octets[1] & 0x0F,
        octets[1] >> 4,
        octets[2] & 0x0F,
        octets[2] >> 4,
    ]
    mcc_digits, mnc3, mnc_digits = d[0:3], d[3], d[4:6]
    if any(x > 9 for x in mcc_digits + mnc_digits) or (mnc3 > 9 and mnc3 != 0x0F):
        raise NasDecodeError("PLMN identity is not BCD")
    mcc = "".join(map(str, mcc_digits))
    mnc = "".join(map(str, mnc_digits)) + ("" if mnc3 == 0x0F else str(mnc3))
    return mcc, mnc


def encode_plmn(mcc: str, mnc: str) -> bytes:
    """The 3-octet BCD PLMN identity (TS 24.008 10.5.1.13); a 2-digit MNC gets filler F."""
    mnc3 = mnc[2] if len(mnc) == 3 else "F"
    digits = mcc[0] + mcc[1] + mcc[2] + mnc3 + mnc[0] + mnc[1]
    return bytes(int(digits[i + 1], 16) << 4 | int(digits[i], 16) for i in range(0, 6, 2))


def bcd_digits(octets: bytes) -> str:
    """Telephony BCD digits, low nibble first, up to the first filler 0xF."""
    out: list[str] = []
    for o in octets:
        for nib in (o & 0x0F, o >> 4):
            if nib == 0x0F:
                return "".join(out)
            if nib > 9:
                raise NasDecodeError("not BCD")
            out.append(str(nib))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class MobileIdentity:
    """A decoded 5GS mobile identity. ``supi`` is set for a null-scheme SUCI only;
    ``s_tmsi`` (AMF set + pointer + 5G-TMSI, 6 octets) for a 5G-GUTI or 5G-S-TMSI."""

    kind: int
    supi: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    routing_indicator: str | None = None
    protection_scheme: int | None = None
    guti: bytes | None = None
    s_tmsi: bytes | None = None


def decode_mobile_identity(value: bytes) -> MobileIdentity:
    """5GS mobile identity IE contents (TS 24.501 9.11.3.4). A null-scheme SUCI gives the
    SUPI (TS 33.501 6.12.2: the scheme output is the MSIN in clear). Never raises: octets
    that do not read as an identity give just the type."""
    try:
        return _mobile_identity(value)
    except NasDecodeError:
        return MobileIdentity(value[0] & 0x07)


def _mobile_identity(value: bytes) -> MobileIdentity:
    if not value:
        return MobileIdentity(ID_NONE)
    kind = value[0] & 0x07
    if kind == ID_SUCI and (value[0] >> 4) & 0x07 == 0 and len(value) >= 8:
        mcc, mnc = decode_plmn(value[1:4])
        rid = bcd_digits(value[4:6]) or "0"
        scheme = value[6] & 0x0F
        supi = None
        if scheme == 0:  # null scheme
            supi = mcc + mnc + bcd_digits(value[8:])
        return MobileIdentity(kind, supi, mcc, mnc, rid, scheme)
    if kind == ID_GUTI and len(value) == 11:
        mcc, mnc = decode_plmn(value[1:4])
        return MobileIdentity(kind, mcc=mcc, mnc=mnc, guti=value[1:], s_tmsi=value[5:11])
    if kind == ID_S_TMSI and len(value) == 7:
        return MobileIdentity(kind, s_tmsi=value[1:7])
    return MobileIdentity(kind)


# --- encoding (plain 5GMM messages of docs/trace-format.md) --------------------------


def _lv(b: bytes) -> bytes:
    return bytes((len(b),)) + b


def _lv_e(b: bytes) -> bytes:
    return len(b).to_bytes(2, "big") + b


_NO_IDENTITY = b"\x00"  # 5GS mobile identity type "no identity" (9.11.3.4)
_REG_TYPE_VALUES = {v: k for k, v in _REGISTRATION_TYPES.items()}


def encode_pdu(message: NasMessage) -> bytes:
    """Encode a plain 5GMM message (security header type 0) from its trace-format fields.

    Covers the messages of docs/trace-format.md; mandatory IEs the trace format does not carry are
    filled with their neutral values (no identity, empty capability). Raises ValueError
    for other names.
    """
    f = message.fields
    body: bytes
    m = message.msg
    if m == "registration_request":
        o = (f.get("ngksi", 7) & 7) << 4 | _REG_TYPE_VALUES[f.get("registration_type", "initial")]
        body = bytes((0x41, o)) + _lv_e(f.get("identity", _NO_IDENTITY))
    elif m == "registration_accept":
        body = b"\x42" + _lv(b"\x01")
        if f.get("guti") is not None:
            body += b"\x77" + _lv_e(b"\xf2" + f["guti"])
        if f.get("t3512") is not None:
            body += b"\x5e" + _lv(bytes((_timer3_octet(f["t3512"]),)))
    elif m in ("registration_reject", "security_mode_reject", "status"):
        mtype = {"registration_reject": 0x44, "security_mode_reject": 0x5F, "status": 0x64}[m]
        body = bytes((mtype, f["cause"])) + _timer2(f.get("t3346"))
    elif m == "authentication_request":
        body = bytes((0x56, f.get("ngksi", 0) & 7)) + _lv(f.get("abba", b"\x00\x00"))
        if f.get("rand") is not None:
            body += b"\x21" + f["rand"]
        if f.get("autn") is not None:
            body += b"\x20" + _lv(f["autn"])
        body += _eap_ie(f)
    elif m == "authentication_response":
        body = b"\x57" + (b"\x2d" + _lv(f["res_star"]) if f.get("res_star") else b"")
        body += _eap_ie(f)
    elif m == "authentication_failure":
        body = bytes((0x59, f["cause"])) + (b"\x30" + _lv(f["auts"]) if f.get("auts") else b"")
    elif m == "authentication_result":
        packet = _eap_packet(f) or eap_packet.encode({"eap_code": "success"})
        body = bytes((0x5A, f.get("ngksi", 0) & 7)) + _lv_e(packet)
    elif m == "authentication_reject":
        body = b"\x58" + _eap_ie(f)
    elif m == "security_mode_command":
        algs = (f.get("nea", 0) & 7) << 4 | (f.get("nia", 0) & 7)
        body = bytes((0x5D, algs, f.get("ngksi", 0) & 7)) + _lv(
            f.get("replayed_ue_sec_cap", b"\x80\x20")
        )
        # 8.2.25.1 orders the optional IEs: EAP message (0x78) before ABBA (0x38)
        body += _eap_ie(f)
        if f.get("abba") is not None:
            body += b"\x38" + _lv(f["abba"])
    elif m == "service_request":
        o = (f.get("ngksi", 7) & 7) << 4 | SERVICE_TYPES.index(f.get("service_type", "data"))
        # the 5G-S-TMSI is not a trace field: a neutral one (type 5G-S-TMSI, zeros)
        body = bytes((0x4C, o)) + _lv_e(b"\xf4" + bytes(6))
    elif m == "service_reject":
        body = bytes((0x4D, f["cause"])) + _timer2(f.get("t3346")) + _eap_ie(f)
    elif m == "configuration_update_command":
        body = b"\x54" + (b"\xd1" if f.get("ack_requested") else b"")
        if f.get("guti") is not None:
            body += b"\x77" + _lv_e(b"\xf2" + f["guti"])
    elif m == "security_mode_complete":
        body = b"\x5e" + (b"\x77" + _lv_e(f["identity"]) if f.get("identity") else b"")
    elif m == "identity_request":
        body = bytes((0x5B, f.get("identity_type", 1) & 7))
    elif m == "identity_response":
        body = b"\x5c" + _lv_e(f.get("identity", _NO_IDENTITY))
    elif m == "deregistration_request" and ("re_registration_required" in f or "cause" in f):
        # UE terminated (8.2.14): only the network's request carries these
        o = (0x08 if f.get("switch_off") else 0) | (0x04 if f.get("re_registration_required")
                                                      else 0) | 0x01
        body = bytes((0x47, o)) + (bytes((0x58, f["cause"])) if "cause" in f else b"")
    elif m == "deregistration_request":
        # UE originating (8.2.12) when switch_off is meaningful; ngKSI "no key" + 3GPP access
        o = 0x70 | (0x08 if f.get("switch_off") else 0) | 0x01
        body = bytes((0x45, o)) + _lv_e(f.get("identity", _NO_IDENTITY))
    else:
        simple = {
            "registration_complete": 0x43,
            "deregistration_accept": 0x46,
            "service_accept": 0x4E,
            "configuration_update_complete": 0x55,
        }
        if m not in simple:
            raise ValueError(f"cannot encode {m!r}")
        body = bytes((simple[m],))
    return bytes((EPD_5GMM, SHT_PLAIN)) + body


def _timer2(seconds: int | None) -> bytes:
    """The T3346 value IE (IEI 0x5F, GPRS timer 2, TS 24.008 10.5.7.4): unit 2 s, 1 min or
    decihours, whichever holds the value (rounded down); empty without a value."""
    if seconds is None:
        return b""
    for unit, step in ((0, 2), (1, 60), (2, 360)):
        if seconds // step < 32:
            return bytes((0x5F, 1, unit << 5 | seconds // step))
    return bytes((0x5F, 1, 2 << 5 | 31))


def _timer3_octet(seconds: int) -> int:
    """GPRS timer 3 (TS 24.008 10.5.7.4a, T3512): the value exactly in the finest unit that
    holds it, else rounded down in the finest unit that fits (54 min is sent as 50 min)."""
    units = ((3, 2), (4, 30), (5, 60), (0, 600), (1, 3600), (2, 36000), (6, 1152000))
    for unit, step in units:
        if seconds % step == 0 and seconds // step < 32:
            return unit << 5 | seconds // step
    for unit, step in units:
        if seconds // step < 32:
            return unit << 5 | seconds // step
    return 6 << 5 | 31


def _eap_packet(f: Mapping[str, Any]) -> bytes | None:
    """The EAP packet of a message: as carried, or built from its decoded fields (a v1
    ``eap_code`` alone gives a success/failure with identifier ``eap_id`` or 0)."""
    if f.get("eap") is not None:
        return bytes(f["eap"])
    if f.get("eap_code") is not None:
        return eap_packet.encode(f)
    return None


def _eap_ie(f: Mapping[str, Any]) -> bytes:
    packet = _eap_packet(f)
    return b"" if packet is None else bytes((IEI_EAP_MESSAGE,)) + _lv_e(packet)


def protected_pdu(sht: int, mac: bytes, seq: int, inner: bytes) -> bytes:
    """The security protected 5GS NAS message (TS 24.501 9.1.1, figure 9.1.1.2)."""
    return bytes((EPD_5GMM, sht & 0x0F)) + bytes(mac) + bytes((seq & 0xFF,)) + bytes(inner)
