"""``import --decipher-pcap OUT``: the capture written again with its NAS deciphered, for
Wireshark (README, "SBI in clear").

Every frame is written, with its number and timestamp (pcapng; a pcap input becomes one
interface with the same link type and timestamp resolution, so the times are exact). A NAS
PDU the importer deciphered (128-NEA1/2/3, TS 33.501 D.2-D.4) is replaced by the plain
message under security header type 1 — integrity protected, the captured MAC and sequence
number kept (TS 24.501 9.1.1, 9.3) — so a dissector that cannot decipher reads it. Around it
every length and checksum is recomputed: the NGAP PDU is encoded again (APER length
determinants, TS 38.413), the SCTP DATA chunk length and the packet's CRC32c (RFC 9260 3.3.1,
Appendix A), the IPv4 total length and header checksum or the IPv6 payload length. Each
rewritten frame gets a pcapng comment ``deciphered 128-NEA<n> (was security header type
<h>)``; a frame with a ciphered PDU that could not be deciphered or rewritten keeps its
octets and gets a comment saying why. NEA0 payloads are plain already and stay as captured.

Why a pcapng comment per frame: that is where Wireshark shows per-packet notes
(``frame.comment``), so the reader sees which messages were rewritten without a side file.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from dpkt import crc32c

from ..nas.codec import DecodedPdu, protected_pdu
from .ngap import _ngap_pdu
from .pcapio import PCAP_MAGICS, PCAPNG_SHB
from .sctp import (
    LINKTYPE_ETHERNET,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP,
    LINKTYPE_NULL,
    PPID_NGAP,
)
from .security import Protection

SHT_INTEGRITY = 1  # TS 24.501 9.3.1: integrity protected
_DATA = 0
_EPB, _IDB = 0x00000006, 0x00000001
_OPT_COMMENT, _OPT_END = 1, 0
_BYTE_ORDER_MAGIC = 0x1A2B3C4D


@dataclass(slots=True)
class FramePlan:
    """What to do with one frame: NAS PDUs to replace (old -> new) and the comments."""

    replace: dict[bytes, bytes] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


class DecipherPlan:
    """Collects, while the importer reads the capture, what each frame's NAS became."""

    def __init__(self) -> None:
        self.frames: dict[int, FramePlan] = {}
        self.rewritten = 0
        self.kept = 0

    def nas(self, frame: int, pdu: bytes, outer: DecodedPdu, prot: Protection) -> None:
        """One NAS PDU of ``frame`` as the importer saw it (``outer``: the keyless decode)."""
        if not outer.ciphered or prot.cipher == "nea0":
            return
        plan = self.frames.setdefault(frame, FramePlan())
        sht = outer.security_header
        if prot.plain is not None and prot.cipher is not None:
            new = protected_pdu(SHT_INTEGRITY, outer.mac or b"\x00" * 4, outer.seq or 0,
                                prot.plain)
            plan.replace[pdu] = new
            plan.comments.append(f"deciphered 128-NEA{prot.cipher[-1]} "
                                 f"(was security header type {sht})")
        else:
            why = prot.note or "ciphering algorithm or keys unknown"
            plan.comments.append(f"not deciphered (security header type {sht}): {why}")


class RewriteError(ValueError):
    """A frame whose NAS could be deciphered but not put back (the comment says why)."""


def write_deciphered(data: bytes, out: BinaryIO, plan: DecipherPlan) -> None:
    """Write the capture ``data`` (pcap or pcapng octets) again to ``out`` as pcapng,
    applying ``plan`` frame by frame."""
    if data[:4] in PCAP_MAGICS:
        _from_pcap(data, out, plan)
    else:
        _from_pcapng(data, out, plan)


def _apply(plan: DecipherPlan, number: int, linktype: int, frame: bytes) -> tuple[bytes, list[str]]:
    fp = plan.frames.get(number)
    if fp is None:
        return frame, []
    comments = list(fp.comments)
    if not fp.replace:
        plan.kept += 1
        return frame, comments
    try:
        new = _rewrite_frame(linktype, frame, fp.replace)
    except RewriteError as exc:
        plan.kept += 1
        return frame, [f"not rewritten: {exc}" if c.startswith("deciphered") else c
                       for c in comments]
    plan.rewritten += 1
    return new, comments


# --- the frame: link layer, IP, SCTP, NGAP ------------------------------------------------


def _rewrite_frame(linktype: int, frame: bytes, replace: dict[bytes, bytes]) -> bytes:
    ip_at = _ip_offset(linktype, frame)
    version = frame[ip_at] >> 4
    if version == 4:
        ihl = (frame[ip_at] & 0x0F) * 4
        total = struct.unpack_from(">H", frame, ip_at + 2)[0]
        flags_frag = struct.unpack_from(">H", frame, ip_at + 6)[0]
        if flags_frag & 0x3FFF:
            raise RewriteError("the IP packet is a fragment")
        if frame[ip_at + 9] != 132:
            raise RewriteError("not SCTP")
        head, payload = frame[ip_at:ip_at + ihl], frame[ip_at + ihl:ip_at + total]
        tail = frame[ip_at + total:]
        sctp = _rewrite_sctp(payload, replace)
        hdr = bytearray(head)
        struct.pack_into(">H", hdr, 2, ihl + len(sctp))
        struct.pack_into(">H", hdr, 10, 0)
        struct.pack_into(">H", hdr, 10, _ip_checksum(bytes(hdr)))
        return frame[:ip_at] + bytes(hdr) + sctp + _trailer(tail, linktype)
    if version == 6:
        plen = struct.unpack_from(">H", frame, ip_at + 4)[0]
        if frame[ip_at + 6] != 132:
            raise RewriteError("IPv6 extension headers before SCTP are not rewritten")
        payload, tail = frame[ip_at + 40:ip_at + 40 + plen], frame[ip_at + 40 + plen:]
        sctp = _rewrite_sctp(payload, replace)
        hdr = bytearray(frame[ip_at:ip_at + 40])
        struct.pack_into(">H", hdr, 4, len(sctp))
        return frame[:ip_at] + bytes(hdr) + sctp + _trailer(tail, linktype)
    raise RewriteError("not IPv4 or IPv6")


def _trailer(tail: bytes, linktype: int) -> bytes:
    # Ethernet pads short frames to 60 octets: padding was for the old length, drop it.
    return b"" if linktype == LINKTYPE_ETHERNET else tail


def _ip_offset(linktype: int, frame: bytes) -> int:
    if linktype == LINKTYPE_ETHERNET:
        if frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
            raise RewriteError("Ethernet frame without IP directly inside (VLAN?)")
        return 14
    if linktype == LINKTYPE_LINUX_SLL:
        return 16
    if linktype == LINKTYPE_LINUX_SLL2:
        return 20
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return 4
    if linktype in (12, 14, 101, 228, 229):
        return 0
    raise RewriteError(f"link type {linktype} is not rewritten")


def _ip_checksum(header: bytes) -> int:
    """RFC 791 header checksum: ones' complement of the ones' complement sum."""
    total = sum(struct.unpack(f">{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


def _rewrite_sctp(packet: bytes, replace: dict[bytes, bytes]) -> bytes:
    """The SCTP packet with each complete NGAP DATA chunk's NAS PDUs replaced."""
    if len(packet) < 12:
        raise RewriteError("SCTP packet is cut short")
    chunks, i, changed = [], 12, False
    while i + 4 <= len(packet):
        ctype, cflags, clen = struct.unpack_from(">BBH", packet, i)
        if clen < 4 or i + clen > len(packet):
            raise RewriteError("SCTP chunk length is malformed")
        chunk = packet[i:i + clen]
        if ctype == _DATA and clen >= 16:
            ppid = struct.unpack_from(">I", chunk, 12)[0]
            if ppid == PPID_NGAP or ppid == 0:
                user = chunk[16:]
                new_user = _rewrite_ngap(user, replace)
                if new_user is not user:
                    if cflags & 0x03 != 0x03:
                        raise RewriteError("its NGAP message spans several SCTP chunks")
                    chunk = struct.pack(">BBH", ctype, cflags, 16 + len(new_user)) + (
                        chunk[4:16] + new_user)
                    changed = True
        chunks.append(chunk + b"\x00" * (-len(chunk) % 4))
        i += clen + (-clen % 4)
    if not changed:
        raise RewriteError("the NAS PDU was not found in an NGAP DATA chunk of this frame")
    header = packet[:8] + b"\x00\x00\x00\x00"
    body = b"".join(chunks)
    return packet[:8] + struct.pack(">I", crc32c.cksum(header + body)) + body


def _rewrite_ngap(user: bytes, replace: dict[bytes, bytes]) -> bytes:
    """The NGAP PDU encoded again with its NAS-PDU values replaced; ``user`` itself when
    none of them is in it (encoding again is not byte-identical for every encoder)."""
    if not any(old in user for old in replace):
        return user
    pdu = _ngap_pdu()
    try:
        pdu.from_aper(user)
        value = pdu.get_val()
        new_value, hits = _substitute(value, replace)
        if not hits:
            return user
        pdu.set_val(new_value)
        return bytes(pdu.to_aper())
    except Exception as exc:  # pycrate raises many types for odd encodings
        raise RewriteError(f"NGAP does not encode again ({type(exc).__name__})") from None


def _substitute(value: Any, replace: dict[bytes, bytes]) -> tuple[Any, int]:
    """``value`` with every octet string equal to a key of ``replace`` swapped (pycrate's
    value tree: dicts, lists, tuples; a NAS-PDU is bytes wherever the procedure puts it)."""
    if isinstance(value, bytes):
        new = replace.get(value)
        return (value, 0) if new is None else (new, 1)
    if isinstance(value, dict):
        out, hits = {}, 0
        for k, v in value.items():
            out[k], n = _substitute(v, replace)
            hits += n
        return out, hits
    if isinstance(value, list | tuple):
        items, hits = [], 0
        for v in value:
            nv, n = _substitute(v, replace)
            items.append(nv)
            hits += n
        return (type(value)(items) if isinstance(value, tuple) else items), hits
    return value, 0


# --- files ------------------------------------------------------------------------------


def _block(btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def _options(options: list[tuple[int, bytes]]) -> bytes:
    out = b""
    for code, value in options:
        out += struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)
    return out + struct.pack("<HH", _OPT_END, 0) if options else b""


def _epb(ifid: int, ticks: int, data: bytes, origlen: int, comments: list[str],
         other_options: list[tuple[int, bytes]] | None = None) -> bytes:
    options = list(other_options or []) + [(_OPT_COMMENT, c.encode()) for c in comments]
    body = struct.pack("<IIIII", ifid, ticks >> 32, ticks & 0xFFFFFFFF, len(data), origlen)
    return _block(_EPB, body + data + b"\x00" * (-len(data) % 4) + _options(options))


def _shb() -> bytes:
    return _block(PCAPNG_SHB, struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1) + _options(
        [(4, b"ue-stack import --decipher-pcap")]))  # shb_userappl


def _from_pcap(data: bytes, out: BinaryIO, plan: DecipherPlan) -> None:
    endian, unit = PCAP_MAGICS[data[:4]]
    snaplen, linktype = struct.unpack_from(endian + "II", data, 16)
    resol = 9 if unit < 1e-6 else 6
    out.write(_shb())
    out.write(_block(_IDB, struct.pack("<HHI", linktype & 0xFFFF, 0, snaplen)
                     + _options([(9, bytes((resol,)))])))  # if_tsresol
    rec = struct.Struct(endian + "IIII")
    i, n, scale = 24, 0, 10**resol
    while i + 16 <= len(data):
        sec, frac, caplen, origlen = rec.unpack_from(data, i)
        i += 16
        frame = data[i:i + caplen]
        i += caplen
        n += 1
        new, comments = _apply(plan, n, linktype & 0x0FFFFFFF, frame)
        out.write(_epb(0, sec * scale + frac, new, origlen + len(new) - len(frame), comments))


def _from_pcapng(data: bytes, out: BinaryIO, plan: DecipherPlan) -> None:
    """Block by block: every block is copied as it is, each Enhanced Packet Block of a
    little-endian section with its data and comments replaced where the plan says (a
    big-endian section, which no common tool writes, is copied unchanged)."""
    i, n, endian = 0, 0, "<"
    linktypes: list[int] = []
    while i + 12 <= len(data):
        btype, blen = struct.unpack_from(endian + "II", data, i)
        if btype == PCAPNG_SHB:
            bom = struct.unpack_from("<I", data, i + 8)[0]
            endian = "<" if bom == _BYTE_ORDER_MAGIC else ">"
            blen = struct.unpack_from(endian + "I", data, i + 4)[0]
            linktypes = []
        if blen < 12 or i + blen > len(data):
            break
        body = data[i + 8:i + blen - 4]
        if btype == _IDB:
            linktypes.append(struct.unpack_from(endian + "H", body, 0)[0])
        if btype in (0x00000002, 0x00000003, _EPB):
            n += 1
        if btype == _EPB and endian == "<":
            ifid, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", body, 0)
            frame = body[20:20 + caplen]
            linktype = linktypes[ifid] if ifid < len(linktypes) else -1
            new, comments = _apply(plan, n, linktype, frame)
            if new is not frame or comments:
                opts = list(_read_options(body[20 + caplen + (-caplen % 4):]))
                out.write(_epb(ifid, (hi << 32) | lo, new, origlen + len(new) - len(frame),
                               comments, opts))
                i += blen
                continue
        out.write(data[i:i + blen])
        i += blen


def _read_options(raw: bytes) -> Iterator[tuple[int, bytes]]:
    j = 0
    while j + 4 <= len(raw):
        code, olen = struct.unpack_from("<HH", raw, j)
        if code == _OPT_END:
            return
        yield code, raw[j + 4:j + 4 + olen]
        j += 4 + olen + (-olen % 4)
