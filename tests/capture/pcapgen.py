"""Builds small synthetic captures (pcap/pcapng, several link types) around NGAP PDUs,
so the reading layers are tested without real recordings, and variants of a real
recording protected again with other NAS security algorithms."""

from __future__ import annotations

import copy
import struct

import dpkt

from ue_stack.capture.ngap import _ngap_pdu
from ue_stack.crypto import aka
from ue_stack.crypto.nas_security import CIPHERING, INTEGRITY
from ue_stack.nas.codec import protected_pdu

GNB = (b"\x0a\x00\x00\x01", 9487)
AMF = (b"\x0a\x00\x00\x02", 38412)


def data_chunk(
    payload: bytes, tsn: int, *, flags: int = 0x03, ppid: int = 60, sid: int = 1
) -> bytes:
    """An SCTP DATA chunk (RFC 9260 3.3.1), padded to 4 octets."""
    body = struct.pack(">IHHI", tsn, sid, 0, ppid) + payload
    chunk = struct.pack(">BBH", 0, flags, 4 + len(body)) + body
    return chunk + b"\x00" * (-len(chunk) % 4)


def sctp_ip(chunks: list[bytes], *, uplink: bool = True) -> bytes:
    src, dst = (GNB, AMF) if uplink else (AMF, GNB)
    sctp = struct.pack(">HHII", src[1], dst[1], 1, 0) + b"".join(chunks)
    ip = dpkt.ip.IP(src=src[0], dst=dst[0], p=132, data=sctp)
    ip.len = 20 + len(sctp)
    return bytes(ip)


def ethernet(ip: bytes) -> bytes:
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip


def sll2(ip: bytes) -> bytes:
    return struct.pack(">HHiHBB8s", 0x0800, 0, 1, 1, 0, 6, b"\x00" * 8) + ip


def pcap(frames: list[bytes], linktype: int = 1, times: list[float] | None = None) -> bytes:
    """A classic pcap; frame ``i`` at ``times[i]`` seconds (µs resolution), else 1000 + i."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        sec, usec = divmod(round((times[i] if times else 1000 + i) * 1_000_000), 1_000_000)
        out += struct.pack("<IIII", sec, usec, len(f), len(f)) + f
    return out


def ngap_pcap(messages: list[dict]) -> bytes:
    """NGAP-JSON messages (``ngap_hex``, ``direction`` UL/DL, optional ``time``) as a pcap
    over Ethernet/IPv4/SCTP (PPID 60), one DATA chunk per frame, as a gNB's N2 tap shows."""
    frames = [ethernet(sctp_ip([data_chunk(bytes.fromhex(m["ngap_hex"]), tsn)],
                               uplink=m["direction"] == "UL"))
              for tsn, m in enumerate(messages)]
    times = [float(m.get("time", 1000 + i)) for i, m in enumerate(messages)]
    return pcap(frames, times=times)


def _block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(frames: list[tuple[int, bytes]], linktypes: list[int]) -> bytes:
    """frames: (interface id, data); one IDB per link type (µs resolution)."""
    out = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for lt in linktypes:
        out += _block(1, struct.pack("<HHI", lt, 0, 65535))
    for i, (ifid, data) in enumerate(frames):
        ts = (1000 + i) * 1_000_000
        out += _block(
            6, struct.pack("<IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data
        )
    return out


def with_nas_pdu(ngap_hex: str, nas_pdu: bytes) -> str:
    """The NGAP PDU ``ngap_hex`` with its NAS-PDU IE (id 38) replaced by ``nas_pdu``."""
    pdu = _ngap_pdu()
    pdu.from_aper(bytes.fromhex(ngap_hex))
    value = copy.deepcopy(pdu.get_val())
    for ie in value[1]["value"][1]["protocolIEs"]:
        if ie["id"] == 38:
            ie["value"] = ("NAS-PDU", nas_pdu)
    pdu.set_val(value)
    return pdu.to_aper().hex()


def reprotected_gnbsim(doc: dict, kamf: bytes, nea: int, nia: int) -> dict:
    """The gnbsim/free5GC recording (tests/data/captures) as if its AMF had selected
    128-NEA``nea``/128-NIA``nia``: the SMC names them, and the SMC and every later message
    are protected again with the keys of the recorded 5G AKA (TS 33.501 6.4, 6.7.2;
    ``kamf`` is that chain's KAMF). Frames 3-6 are SMC, SMC complete, registration accept
    and registration complete; the SMC is integrity protected only (TS 24.501 5.4.2.2)."""
    k_int, k_enc = aka.k_nas_int(kamf, nia), aka.k_nas_enc(kamf, nea)

    def protect(sht: int, count: int, direction: int, inner: bytes, cipher: bool) -> bytes:
        body = CIPHERING[nea](k_enc, count, 1, direction, inner) if cipher else inner
        mac = INTEGRITY[nia](k_int, count, 1, direction, bytes((count & 0xFF,)) + body)
        return protected_pdu(sht, mac, count & 0xFF, body)

    doc = copy.deepcopy(doc)
    msgs = doc["messages"]
    inner = {m["frame"]: bytes.fromhex(m["nas_pdu_hex"])[7:] for m in msgs[3:]}
    smc = bytearray(inner[3])
    smc[3] = nea << 4 | nia  # selected NAS security algorithms (TS 24.501 9.11.3.34)
    new = {
        3: protect(3, 0, 1, bytes(smc), cipher=False),
        4: protect(4, 0, 0, inner[4], cipher=True),
        5: protect(2, 1, 1, inner[5], cipher=True),
        6: protect(2, 1, 0, inner[6], cipher=True),
    }
    for m in msgs:
        if m["frame"] in new:
            m["ngap_hex"] = with_nas_pdu(m["ngap_hex"], new[m["frame"]])
            m["nas_pdu_hex"] = new[m["frame"]].hex()
    return doc


def concealed_gnbsim(doc: dict, kamf: bytes, suci: bytes) -> dict:
    """The gnbsim/free5GC recording as a phone with a home network public key sends it: the
    null-scheme SUCI of frame 0's REGISTRATION REQUEST, and of the copy frame 4's SECURITY
    MODE COMPLETE carries in its NAS message container, replaced by ``suci`` (a profile A/B
    SUCI of the same SUPI); frame 4's NIA2 MAC is computed again with the recorded keys
    (COUNT 0, uplink), so every MAC still verifies."""
    doc = copy.deepcopy(doc)
    msgs = {m["frame"]: m for m in doc["messages"]}
    old_reg = bytes.fromhex(msgs[0]["nas_pdu_hex"])
    # 7e 00 41 | 5GS registration type + ngKSI | 5GS mobile identity (LV-E) | optional IEs
    ident_len = int.from_bytes(old_reg[4:6], "big")
    reg = old_reg[:4] + len(suci).to_bytes(2, "big") + suci + old_reg[6 + ident_len:]
    msgs[0]["nas_pdu_hex"] = reg.hex()
    msgs[0]["ngap_hex"] = with_nas_pdu(msgs[0]["ngap_hex"], reg)
    old_smc = bytes.fromhex(msgs[4]["nas_pdu_hex"])
    inner = old_smc[7:]
    container_at = inner.index(bytes.fromhex("71001c"))  # NAS message container (TLV-E)
    inner = inner[:container_at] + b"\x71" + len(reg).to_bytes(2, "big") + reg
    seq = old_smc[6]
    mac = INTEGRITY[2](aka.k_nas_int(kamf, 2), seq, 1, 0, bytes((seq,)) + inner)
    smc = protected_pdu(old_smc[1] & 0x0F, mac, seq, inner)
    msgs[4]["nas_pdu_hex"] = smc.hex()
    msgs[4]["ngap_hex"] = with_nas_pdu(msgs[4]["ngap_hex"], smc)
    return doc


def as_pcap(doc: dict, uplink_frames: frozenset[int] = frozenset({0, 2, 4, 6})) -> bytes:
    """A JSON list of NGAP PDUs (tests/data/captures) as an Ethernet pcap, one SCTP DATA
    chunk per frame (uplink frames gNB -> AMF)."""
    frames = [
        ethernet(sctp_ip([data_chunk(bytes.fromhex(m["ngap_hex"]), i + 1)],
                         uplink=m["frame"] in uplink_frames))
        for i, m in enumerate(doc["messages"])
    ]
    return pcap(frames)


class H2c:
    """Frames of one h2c (HTTP/2 over TCP, no TLS) connection between two loopback network
    functions, built with hyperframe and hpack: ``exchange`` gives the request's and the
    response's Ethernet frames (TCP sequence numbers continue per direction)."""

    def __init__(self, client: tuple[bytes, int], server: tuple[bytes, int]) -> None:
        from hpack import Encoder

        self.ends = {"c": client, "s": server}
        self.seq = {"c": 1000, "s": 50000}
        self.encoders = {"c": Encoder(), "s": Encoder()}
        self.stream = 1
        self.started = False

    def _segment(self, side: str, payload: bytes) -> bytes:
        src, dst = self.ends[side], self.ends["s" if side == "c" else "c"]
        tcp = dpkt.tcp.TCP(sport=src[1], dport=dst[1], seq=self.seq[side], ack=1,
                           flags=dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH, data=payload)
        self.seq[side] += len(payload)
        ip = dpkt.ip.IP(src=src[0], dst=dst[0], p=6, data=tcp)
        ip.len = 20 + len(bytes(tcp))
        return ethernet(bytes(ip))

    def _message(self, side: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        from hyperframe.frame import DataFrame, HeadersFrame

        block = self.encoders[side].encode(headers)
        h = HeadersFrame(self.stream, block, flags=["END_HEADERS"] + ([] if body else
                                                                      ["END_STREAM"]))
        out = h.serialize()
        if body:
            out += DataFrame(self.stream, body, flags=["END_STREAM"]).serialize()
        return out

    def exchange(self, method: str, path: str, request: object | None, status: int,
                 response: object | None) -> list[bytes]:
        import json as _json

        from hyperframe.frame import SettingsFrame

        req_body = _json.dumps(request).encode() if request is not None else b""
        resp_body = _json.dumps(response).encode() if response is not None else b""
        head = b""
        if not self.started:  # RFC 9113 3.4: preface, then SETTINGS
            head = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + SettingsFrame(0).serialize()
            self.started = True
        req = self._message("c", [(":method", method), (":scheme", "http"),
                                  (":authority", "nf.example"), (":path", path),
                                  ("content-type", "application/json")], req_body)
        resp = self._message("s", [(":status", str(status)),
                                   ("content-type", "application/json")], resp_body)
        self.stream += 2
        return [self._segment("c", head + req), self._segment("s", resp)]
