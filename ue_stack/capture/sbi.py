"""SBI in clear on a capture: HTTP/2 between network functions (TS 29.500), read for what it
tells about the UEs of the NGAP side.

Lab cores (Open5GS, free5GC) talk h2c — HTTP/2 over TCP without TLS — so a capture of the
core holds, beside NGAP, the service operations around each authentication:
- Nudm_UEAuthentication_Get (TS 29.503 6.3: ``POST /nudm-ueau/v1/{supiOrSuci}/
  security-information/generate-auth-data``): the 5G HE AV with RAND and KAUSF, and the SUPI;
- Nausf_UEAuthentication (TS 29.509 6.1: ``POST /nausf-auth/v1/ue-authentications`` then
  ``PUT .../{authCtxId}/5g-aka-confirmation`` or ``POST .../eap-session``): the
  confirmation's result, SUPI and KSEAF;
- Naanf_AKMA_AnchorKey_Register (TS 29.535: ``POST /naanf-akma/v1/register-anchorkey``):
  when the network registered the UE's AKMA anchor key, and its A-KID.

A KAUSF or KSEAF seen there becomes a key of that authentication, exactly like a ``--keys``
row ``supi,rand,kausf`` (``authkeys``); an AKMA registration becomes a ``net`` record
``aanf_registered`` in the UE's trace, with its time and frame, so the network's end of W1
is measured, not modelled. KAKMA is never read into anything that is written.

TCP is reassembled per direction in sequence order (retransmitted and overlapping octets
once); HTTP/2 frames are read with ``hyperframe`` and header blocks decoded with ``hpack``
(one HPACK context per direction, as RFC 7541 2.2 requires). A direction that stops parsing
as HTTP/2 (HTTP/1.1, TLS, a capture that starts mid-connection) is left alone from there.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..authkeys import KAUSF, KSEAF, AuthKey, AuthKeys
from ..crypto.secret import Key
from ..nas import eap
from .pcapio import Frame

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # RFC 9113 3.4
_MAX_PENDING = 256  # out-of-order segments kept per direction before it is given up
_GAP_AFTER = 2  # segments waiting beyond a gap before the gap is taken as lost octets
_MAX_BUFFER = 1 << 24  # octets of one HTTP/2 frame: more means this is not HTTP/2

_UDM_AV = re.compile(r"^/nudm-ueau/v\d+/[^/]+/security-information/generate-auth-data$")
_AUSF_START = re.compile(r"^/nausf-auth/v\d+/ue-authentications$")
_AUSF_CONFIRM = re.compile(r"/nausf-auth/v\d+/ue-authentications/([^/]+)/"
                           r"(5g-aka-confirmation|eap-session)$")
_INTERESTING = re.compile(r"^/(nudm-ueau|nausf-auth|naanf-akma)/")
_AANF_REGISTER = re.compile(r"^/naanf-akma/v\d+/register-anchorkey$")


@dataclass(slots=True)
class Message:
    """One HTTP/2 request or response: its headers, body, and the frame that completed it."""

    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    frame: int = 0
    time: float = 0.0

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(slots=True)
class Exchange:
    request: Message
    response: Message | None = None


@dataclass(slots=True)
class NetRecord:
    """A ``net`` record for one UE's trace (``op`` and fields), at a capture time."""

    supi: str
    time: float
    frame: int
    fields: dict[str, Any]


@dataclass(slots=True)
class Findings:
    """What the SBI said: keys per RAND, ``net`` records per SUPI, how many messages."""

    auth_keys: AuthKeys = field(default_factory=dict)
    net: dict[str, list[NetRecord]] = field(default_factory=dict)
    messages: int = 0


# --- TCP and HTTP/2 -----------------------------------------------------------------------


class _Direction:
    """One direction of one TCP connection: reassembly, then HTTP/2 frames."""

    def __init__(self) -> None:
        from hpack import Decoder

        self.next_seq: int | None = None
        self.pending: dict[int, tuple[bytes, int, float]] = {}
        self.buffer = b""
        self.preface_checked = False
        self.dead = False
        self.decoder = Decoder()
        self.streams: dict[int, Message] = {}
        self.header_block: dict[int, bytes] = {}
        self.gaps = 0

    def segment(self, seq: int, payload: bytes, syn: bool, frame: int, time: float
                ) -> list[tuple[int, Message]]:
        if self.dead:
            return []
        if syn:
            self.next_seq = (seq + 1) & 0xFFFFFFFF
        if not payload and not self.pending:
            return []
        if self.next_seq is None:
            self.next_seq = seq  # joined mid-connection
        out: list[tuple[int, Message]] = []
        if payload:
            self.pending[seq] = (payload, frame, time)
        while self.next_seq in self.pending or self._overlapping():
            start = self.next_seq
            data, f, t = self.pending.pop(start) if start in self.pending else self._overlap()
            self.next_seq = (start + len(data)) & 0xFFFFFFFF
            out.extend(self._data(data, f, t))
            if self.dead:
                break
        if len(self.pending) >= _GAP_AFTER and not self.buffer and not self.dead:
            # Octets the capture lacks (a dropped segment) while the reader stands at a
            # frame boundary: they were most likely whole frames (a SETTINGS ACK, a PING),
            # so reading goes on after them. A lost HEADERS frame would break HPACK; the
            # decoder then fails and the direction is given up.
            self.next_seq = min(self.pending, key=lambda q: (q - (self.next_seq or 0)) % 2**32)
            self.gaps += 1
            return out + self.segment(self.next_seq, b"", False, frame, time)
        if len(self.pending) > _MAX_PENDING:
            self.dead = True  # a gap that never fills: the stream cannot be read on
        return out

    def _overlapping(self) -> bool:
        nxt = self.next_seq or 0
        return any(s < nxt < s + len(p[0]) for s, p in self.pending.items())

    def _overlap(self) -> tuple[bytes, int, float]:
        nxt = self.next_seq or 0
        for s, (data, f, t) in list(self.pending.items()):
            if s < nxt < s + len(data):
                del self.pending[s]
                return data[nxt - s:], f, t
        raise AssertionError("no overlap")  # _overlapping said there is one

    def _data(self, data: bytes, frame: int, time: float) -> list[tuple[int, Message]]:
        from hyperframe.exceptions import HyperframeError
        from hyperframe.frame import Frame as H2Frame

        self.buffer += data
        if not self.preface_checked:
            if len(self.buffer) < len(PREFACE) and PREFACE.startswith(self.buffer):
                return []
            if self.buffer.startswith(PREFACE):
                self.buffer = self.buffer[len(PREFACE):]
            self.preface_checked = True
        done: list[tuple[int, Message]] = []
        while len(self.buffer) >= 9:
            try:
                h2frame, length = H2Frame.parse_frame_header(memoryview(self.buffer[:9]))
                if length > _MAX_BUFFER:
                    raise ValueError("frame too long")
                if len(self.buffer) < 9 + length:
                    break
                h2frame.parse_body(memoryview(self.buffer[9:9 + length]))
            except (HyperframeError, ValueError, struct.error):
                self.dead = True
                return done
            self.buffer = self.buffer[9 + length:]
            try:
                finished = self._frame(h2frame, frame, time)
            except Exception:  # hpack's errors: this direction is not readable any more
                self.dead = True
                return done
            if finished is not None:
                done.append(finished)
        return done

    def _frame(self, h2frame: Any, frame: int, time: float) -> tuple[int, Message] | None:
        kind, sid, flags = h2frame.type, h2frame.stream_id, h2frame.flags
        if kind in (0x1, 0x9):  # HEADERS, CONTINUATION
            self.header_block[sid] = self.header_block.get(sid, b"") + bytes(h2frame.data)
            msg = self.streams.setdefault(sid, Message())
            if "END_HEADERS" in flags:
                block = self.header_block.pop(sid)
                msg.headers.update({_text(k): _text(v) for k, v in self.decoder.decode(block)})
            if kind == 0x1 and "END_STREAM" in flags:
                return self._finish(sid, frame, time)
        elif kind == 0x0:  # DATA
            msg = self.streams.setdefault(sid, Message())
            msg.body += bytes(h2frame.data)
            if "END_STREAM" in flags:
                return self._finish(sid, frame, time)
        return None

    def _finish(self, sid: int, frame: int, time: float) -> tuple[int, Message]:
        msg = self.streams.pop(sid)
        msg.frame, msg.time = frame, time
        return sid, msg


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


_IP_AT = {1: (12, 14), 113: (14, 16), 276: (0, 20)}  # link type: (ethertype at, IP at)


def _surely_not_tcp(frame: Frame) -> bool:
    """A look at the IP protocol octet that spares dpkt the SCTP, UDP (GTP-U, PFCP) frames
    of a core capture: True only when the frame certainly carries no TCP."""
    where = _IP_AT.get(frame.linktype)
    if where is None:
        return False
    buf, (et, at) = frame.data, where
    ethertype = buf[et:et + 2]
    if ethertype == b"\x08\x00":
        return len(buf) > at + 9 and buf[at + 9] != 6
    if ethertype == b"\x86\xdd":
        return len(buf) > at + 6 and buf[at + 6] in (17, 132)
    return False


def exchanges(frames: Iterable[Frame]) -> tuple[list[Exchange], int]:
    """Every HTTP/2 request with its response, in the order the requests completed; and
    how many HTTP/2 messages were read."""
    import dpkt

    from .sctp import _ip_of

    directions: dict[tuple[Any, ...], _Direction] = {}
    open_requests: dict[tuple[Any, ...], Exchange] = {}
    out: list[Exchange] = []
    count = 0
    for frame in frames:
        if _surely_not_tcp(frame):
            continue
        try:
            ip = _ip_of(frame, dpkt)
        except (dpkt.UnpackError, struct.error, IndexError, ValueError):
            continue
        tcp = getattr(ip, "data", None)
        if not isinstance(tcp, dpkt.tcp.TCP):
            continue
        addr: Any = ip  # dpkt's IP or IP6: both have src and dst
        src, dst = (bytes(addr.src), tcp.sport), (bytes(addr.dst), tcp.dport)
        key = (src, dst)
        direction = directions.get(key)
        if direction is None:
            direction = directions[key] = _Direction()
        syn = bool(tcp.flags & dpkt.tcp.TH_SYN)
        connection = tuple(sorted((src, dst)))
        for sid, msg in direction.segment(tcp.seq, bytes(tcp.data), syn, frame.number,
                                          frame.time):
            count += 1
            if ":method" in msg.headers:
                exchange = Exchange(msg)
                open_requests[(connection, sid)] = exchange
                out.append(exchange)
            elif ":status" in msg.headers:
                answered = open_requests.pop((connection, sid), None)
                if answered is not None:
                    answered.response = msg
    return out, count


# --- what the exchanges say ---------------------------------------------------------------


# Field names (TS 29.503, 29.509, 29.535) that only a body worth reading contains, in clear
# JSON: a capture without any of them is not parsed as HTTP/2 at all (HPACK decoding is
# most of the cost of reading a busy core's SBI).
_MARKERS = (b'"kausf"', b'"kseaf"', b'"kSeaf"', b'"aKId"')


def worth_reading(capture: bytes) -> bool:
    """Whether a capture's octets hold an SBI body ``read`` would use."""
    return any(marker in capture for marker in _MARKERS)


def read(frames: Iterable[Frame]) -> Findings:
    """Keys per RAND and AKMA registrations from the SBI of a capture's frames."""
    found = Findings()
    exchanged, found.messages = exchanges(frames)
    rand_of_context: dict[str, bytes] = {}  # AUSF authCtxId -> the RAND it challenged with
    for ex in exchanged:
        path = ex.request.headers.get(":path", "").split("?")[0]
        method = ex.request.headers.get(":method", "")
        if not _INTERESTING.search(path) or not _ok(ex.response):
            continue  # most of a core's SBI (NRF, SMF, PCF...) says nothing of keys
        answer = ex.response.json() if ex.response is not None else None
        if not isinstance(answer, dict):
            continue
        if method == "POST" and _UDM_AV.match(path):
            _udm_vector(answer, found)
        elif method == "POST" and _AUSF_START.match(path):
            _ausf_started(answer, ex.response, rand_of_context)
        elif (m := _AUSF_CONFIRM.search(path)) is not None:
            _ausf_confirmed(answer, rand_of_context.get(m.group(1)), found)
        elif method == "POST" and _AANF_REGISTER.match(path):
            body = ex.request.json()
            if isinstance(body, dict) and isinstance(body.get("supi"), str):
                fields: dict[str, Any] = {"op": "aanf_registered"}
                if isinstance(body.get("aKId"), str):
                    fields["a_kid"] = body["aKId"]
                supi = _supi(body["supi"])
                found.net.setdefault(supi, []).append(
                    NetRecord(supi, ex.request.time, ex.request.frame, fields))
    return found


def _ok(response: Message | None) -> bool:
    return response is not None and response.headers.get(":status", "").startswith("2")


def _supi(value: str) -> str:
    return value.removeprefix("imsi-")


def _hex(value: Any, octets: int) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return None
    return raw if len(raw) == octets else None


def _udm_vector(answer: dict[str, Any], found: Findings) -> None:
    """AuthenticationInfoResult (TS 29.503): a 5G HE AV carries RAND and KAUSF."""
    av = answer.get("authenticationVector")
    supi = answer.get("supi")
    if not isinstance(av, dict) or not isinstance(supi, str):
        return
    rand, kausf = _hex(av.get("rand"), 16), _hex(av.get("kausf"), 32)
    if rand is not None and kausf is not None:
        found.auth_keys[rand] = AuthKey(_supi(supi), KAUSF, Key(kausf))


def _ausf_started(answer: dict[str, Any], response: Message | None,
                  rand_of_context: dict[str, bytes]) -> None:
    """UEAuthenticationCtx (TS 29.509 6.1.6.2.3): the challenge's RAND (5G AKA: in
    ``5gAuthData``; EAP-AKA': AT_RAND of the EAP packet, base64) and the context's links."""
    data = answer.get("5gAuthData")
    rand = None
    if isinstance(data, dict):
        rand = _hex(data.get("rand"), 16)
    elif isinstance(data, str):
        try:
            rand = eap.decode(base64.b64decode(data, validate=True)).get("at_rand")
        except (binascii.Error, ValueError, eap.EapDecodeError):
            rand = None
    if rand is None:
        return
    hrefs = [str(v.get("href", "")) for v in (answer.get("_links") or {}).values()
             if isinstance(v, dict)]
    if response is not None and "location" in response.headers:
        hrefs.append(response.headers["location"])
    for href in hrefs:
        m = re.search(r"/ue-authentications/([^/]+)", href)
        if m is not None:
            rand_of_context[m.group(1)] = rand


def _ausf_confirmed(answer: dict[str, Any], rand: bytes | None, found: Findings) -> None:
    """ConfirmationDataResponse / EapSession (TS 29.509): KSEAF on success."""
    kseaf = _hex(answer.get("kseaf") or answer.get("kSeaf"), 32)
    supi = answer.get("supi")
    success = answer.get("authResult") == "AUTHENTICATION_SUCCESS"
    if rand is not None and kseaf is not None and isinstance(supi, str) and success:
        found.auth_keys.setdefault(rand, AuthKey(_supi(supi), KSEAF, Key(kseaf)))


def merge_net(records: list[dict[str, Any]], net: list[NetRecord], t0: float,
              ) -> list[dict[str, Any]]:
    """A trace's records with its ``net`` records put in time order (each after the
    records at or before its time)."""
    if not net:
        return records
    out = list(records)
    for rec in sorted(net, key=lambda r: (r.time, r.frame)):
        t = round(max(rec.time - t0, 0.0), 6)
        at = len(out)
        while at > 0 and out[at - 1].get("t", 0.0) > t:
            at -= 1
        out.insert(at, {"t": t, "kind": "net", **rec.fields, "frame": rec.frame})
    return out
