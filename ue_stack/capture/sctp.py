"""Frames -> NGAP messages: link layer, IP, SCTP DATA chunks carrying NGAP (RFC 9260, TS 38.412).

The usual links (Ethernet with or without a VLAN tag, Linux SLL/SLL2, raw or NULL/loop
IP) over IPv4, or IPv6 without extension headers, are read here directly: that is most of
an import's time and dpkt's import alone costs more than reading a thousand frames. dpkt
parses what this fast path does not know. Here we pick the DATA (and I-DATA, RFC 8260)
chunks whose payload protocol identifier is 60 (NGAP, TS 38.412 7), drop SCTP
retransmissions (same TSN twice on one path), and reassemble user messages split over
several chunks (B/E flags) per stream in TSN order (I-DATA: FSN order), since one packet
may hold several NGAP PDUs and one NGAP PDU may span several packets.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .pcapio import Frame

PPID_NGAP = 60
NGAP_PORT = 38412  # some simulators leave PPID 0 on the NGAP port
_DATA, _IDATA = 0, 64

# Link types (tcpdump.org/linktypes.html)
LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LOOP = 0, 1, 101, 108
LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2 = 113, 228, 229, 276
_RAW_ALIASES = {12, 14, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6}


@dataclass(frozen=True, slots=True)
class NgapMessage:
    """One NGAP PDU as carried by SCTP: the frame that completed it, its endpoints."""

    frame: int
    time: float
    payload: bytes
    # the two (address, port) endpoints, sorted: one per gNB-AMF link (JSON: ("json",))
    association: tuple[Any, ...]
    src: tuple[Any, ...]


@dataclass(slots=True)
class LinkStats:
    frames: int = 0
    sctp_packets: int = 0
    ngap_chunks: int = 0
    unknown_linktypes: set[int] = field(default_factory=set)
    ip_fragment_frames: list[int] = field(default_factory=list)  # not reassembled
    # frames with the middle or last part of an SCTP user message whose first part the
    # capture lacks, or (at the end) a first part whose last never came
    incomplete_frames: list[int] = field(default_factory=list)
    retransmissions: int = 0
    undecodable_frames: int = 0


class _Unusual(Exception):
    """A frame the fast path does not read: dpkt decides."""


@dataclass(slots=True)
class _Sctp:
    """The parts of an SCTP packet the NGAP reader needs (RFC 9260 3)."""

    src_ip: bytes
    dst_ip: bytes
    sport: int
    dport: int
    chunks: list[tuple[int, int, bytes]]  # (type, flags, value)


_LINK_OFFSET = {LINKTYPE_ETHERNET: 14, LINKTYPE_LINUX_SLL: 16, LINKTYPE_LINUX_SLL2: 20}
_ETHERTYPE_AT = {LINKTYPE_ETHERNET: 12, LINKTYPE_LINUX_SLL: 14, LINKTYPE_LINUX_SLL2: 0}


def _fast_sctp(frame: Frame, stats: LinkStats) -> _Sctp | None:
    """The SCTP packet of a frame (None: not SCTP), read without dpkt; ``_Unusual`` for
    what it does not know (IPv6 extension headers, other link types, odd lengths)."""
    lt, buf = frame.linktype, frame.data
    if lt in _LINK_OFFSET:
        at, off = _ETHERTYPE_AT[lt], _LINK_OFFSET[lt]
        ethertype = buf[at : at + 2]
        if lt == LINKTYPE_ETHERNET and ethertype == b"\x81\x00":  # one 802.1Q tag
            ethertype, off = buf[16:18], 18
        if ethertype not in (b"\x08\x00", b"\x86\xdd"):
            raise _Unusual
        ip = buf[off:]
    elif lt in (LINKTYPE_NULL, LINKTYPE_LOOP):
        ip = buf[4:]
    elif lt in _RAW_ALIASES:
        ip = buf
    else:
        raise _Unusual
    if len(ip) < 20:
        raise _Unusual
    if ip[0] >> 4 == 4:
        ihl, total = (ip[0] & 0x0F) * 4, int.from_bytes(ip[2:4], "big")
        if ip[9] != 132:
            return None
        if int.from_bytes(ip[6:8], "big") & 0x3FFF:  # MF flag or a fragment offset
            stats.ip_fragment_frames.append(frame.number)
            return None
        if ihl < 20 or total > len(ip) or total < ihl:
            raise _Unusual
        src, dst, seg = ip[12:16], ip[16:20], ip[ihl:total]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        if ip[6] != 132:
            if ip[6] in _IPV6_EXTENSIONS:
                raise _Unusual
            return None
        end = 40 + int.from_bytes(ip[4:6], "big")
        if end > len(ip):
            raise _Unusual
        src, dst, seg = ip[8:24], ip[24:40], ip[40:end]
    else:
        raise _Unusual
    if len(seg) < 12:
        raise _Unusual
    chunks = []
    i = 12
    while i + 4 <= len(seg):
        length = int.from_bytes(seg[i + 2 : i + 4], "big")
        if length < 4 or i + length > len(seg):
            raise _Unusual
        chunks.append((seg[i], seg[i + 1], bytes(seg[i + 4 : i + length])))
        i += (length + 3) & ~3
    sport, dport = int.from_bytes(seg[0:2], "big"), int.from_bytes(seg[2:4], "big")
    return _Sctp(bytes(src), bytes(dst), sport, dport, chunks)


def _dpkt_sctp(frame: Frame, stats: LinkStats) -> _Sctp | None:
    """The same by dpkt, for the frames the fast path leaves to it."""
    import dpkt  # only for unusual frames: importing it takes longer than most captures

    try:
        ip = _ip_of(frame, dpkt)
    except (dpkt.UnpackError, struct.error, IndexError, ValueError):
        stats.undecodable_frames += 1
        return None
    if ip is None:
        if frame.linktype not in (LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2):
            stats.unknown_linktypes.add(frame.linktype)
        return None
    if isinstance(ip, dpkt.ip.IP) and (ip.mf or ip.offset):
        stats.ip_fragment_frames.append(frame.number)
        return None
    seg = getattr(ip, "data", None)
    if not isinstance(seg, dpkt.sctp.SCTP):
        return None
    chunks = [(c.type, c.flags, bytes(c.data)) for c in seg.chunks]
    return _Sctp(bytes(ip.src), bytes(ip.dst), seg.sport, seg.dport, chunks)


def _ip_of(frame: Frame, dpkt: Any) -> Any:
    lt, buf = frame.linktype, frame.data
    if lt == LINKTYPE_ETHERNET:
        return dpkt.ethernet.Ethernet(buf).data
    if lt == LINKTYPE_LINUX_SLL:
        return dpkt.sll.SLL(buf).data
    if lt == LINKTYPE_LINUX_SLL2:
        return dpkt.sll2.SLL2(buf).data
    if lt in (LINKTYPE_NULL, LINKTYPE_LOOP):
        buf = buf[4:]  # 4-octet address family, in either byte order
    elif lt not in _RAW_ALIASES:
        return None
    if not buf:
        return None
    return dpkt.ip.IP(buf) if buf[0] >> 4 == 4 else dpkt.ip6.IP6(buf)


_IPV6_EXTENSIONS = frozenset({0, 43, 44, 50, 51, 60})


def _surely_not_sctp(frame: Frame) -> bool:
    """A look at two octets that spares dpkt most frames of a busy capture (HTTP/2 SBI,
    GTP-U): True only when the frame certainly carries no SCTP."""
    lt, buf = frame.linktype, frame.data
    if lt == LINKTYPE_ETHERNET:
        ethertype, off = buf[12:14], 14
    elif lt == LINKTYPE_LINUX_SLL:
        ethertype, off = buf[14:16], 16
    elif lt == LINKTYPE_LINUX_SLL2:
        ethertype, off = buf[0:2], 20
    else:
        return False
    if ethertype == b"\x08\x00":
        return len(buf) > off + 9 and buf[off + 9] != 132
    if ethertype == b"\x86\xdd":
        return len(buf) > off + 6 and buf[off + 6] != 132 and buf[off + 6] not in (_IPV6_EXTENSIONS)
    return ethertype not in (b"\x81\x00", b"\x88\xa8")  # VLAN tags: let dpkt look


def ngap_messages(frames: Iterable[Frame], stats: LinkStats) -> Iterator[NgapMessage]:
    """Every NGAP PDU in the frames, in capture order, each once."""
    seen_tsn: set[tuple[Any, ...]] = set()
    # stream (I-DATA: message) -> parts not yet joined
    fragments: dict[tuple[Any, ...], _Fragments] = {}
    for frame in frames:
        stats.frames += 1
        if _surely_not_sctp(frame):
            continue
        try:
            seg = _fast_sctp(frame, stats)
        except (_Unusual, IndexError):
            seg = _dpkt_sctp(frame, stats)
        if seg is None:
            continue
        stats.sctp_packets += 1
        src, dst = (seg.src_ip, seg.sport), (seg.dst_ip, seg.dport)
        association = tuple(sorted((src, dst)))
        ngap_port = NGAP_PORT in (seg.sport, seg.dport)
        for ctype, cflags, value in seg.chunks:
            if ctype not in (_DATA, _IDATA):
                continue
            if ctype == _DATA:
                if len(value) < 12:
                    continue
                tsn, sid, _ssn, ppid = struct.unpack_from(">IHHI", value, 0)
                group: tuple[Any, ...]  # DATA: a stream; I-DATA: one message of it
                user, group, ordinal = value[12:], (src, dst, sid), tsn
            else:
                if len(value) < 16:
                    continue
                tsn, sid, _res, mid, ppid = struct.unpack_from(">IHHII", value, 0)
                user, group, ordinal = value[16:], (src, dst, sid, mid), 0
                if not cflags & 0x02:
                    ordinal = ppid  # later fragments carry their FSN there (RFC 8260 2.1)
                    ppid = PPID_NGAP if ngap_port else ppid
            if ppid != PPID_NGAP and not (ppid == 0 and ngap_port):
                continue
            key = (src, dst, tsn)
            if key in seen_tsn:
                stats.retransmissions += 1
                continue
            seen_tsn.add(key)
            if cflags & 0x03 == 0x03:
                message = user
            else:
                parts = fragments.get(group)
                if parts is None:
                    parts = fragments[group] = _Fragments()
                joined = parts.add(ordinal, cflags & 0x03, user, frame.number)
                if joined is None:
                    continue
                message = joined
                if not parts.parts:
                    del fragments[group]
            stats.ngap_chunks += 1
            yield NgapMessage(frame.number, frame.time, message, association, src)
    # messages whose first or last part never came: the frame of each run of parts left
    stats.incomplete_frames.extend(sorted(
        frame for group in fragments.values() for n, (flags, _, frame) in group.parts.items()
        if flags & 0x02 or ((n - 1) & _SERIAL) not in group.parts))


_SERIAL = 0xFFFFFFFF  # TSNs and FSNs are 32-bit serial numbers


class _Fragments:
    """The parts of one stream's (I-DATA: one message's) user messages not yet joined.
    RFC 9260 3.3.1/6.9: a message's fragments have consecutive TSNs, B on the first and E
    on the last; they are joined in TSN order whatever order they were captured in.

    Runs of consecutive parts are kept by their ends (``_end_of``/``_start_of``), merged
    in O(1) as each part arrives, so a message is joined once, when its run reaches from
    a B to an E: linear in the parts, however many and in whatever order (checking every
    run on every part, as before, made 50,000 fragments quadratic)."""

    __slots__ = ("_end_of", "_start_of", "parts")

    def __init__(self) -> None:
        # ordinal (DATA: TSN; I-DATA: FSN) -> (B/E flags, user data, frame)
        self.parts: dict[int, tuple[int, bytes, int]] = {}
        self._end_of: dict[int, int] = {}  # run's first ordinal -> its last
        self._start_of: dict[int, int] = {}  # run's last ordinal -> its first

    def add(self, ordinal: int, flags: int, data: bytes, frame: int) -> bytes | None:
        """Keep one part; the message it completes, taken out, or None."""
        parts = self.parts
        if ordinal in parts:
            return None  # the same fragment again (a retransmission under a new TSN)
        parts[ordinal] = (flags, data, frame)
        first = last = ordinal
        before, after = (ordinal - 1) & _SERIAL, (ordinal + 1) & _SERIAL
        # a run continues across this part unless this part begins (B) or ends (E) one
        if not flags & 0x02 and before in self._start_of and not parts[before][0] & 0x01:
            first = self._start_of.pop(before)
        if not flags & 0x01 and after in self._end_of and not parts[after][0] & 0x02:
            last = self._end_of.pop(after)
        self._end_of[first], self._start_of[last] = last, first
        if not (parts[first][0] & 0x02 and parts[last][0] & 0x01):
            return None
        del self._end_of[first], self._start_of[last]
        out, n = [], first
        while True:
            out.append(parts.pop(n)[1])
            if n == last:
                return b"".join(out)
            n = (n + 1) & _SERIAL
