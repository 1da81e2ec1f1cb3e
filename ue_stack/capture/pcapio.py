"""Capture files -> frames: classic pcap and pcapng, read block by block.

Why our own reader and not ``dpkt.pcap``/``dpkt.pcapng`` (dpkt still parses every layer
above the link): dpkt's pcapng reader applies the *first* interface's link type and
timestamp resolution to every packet, which misreads captures taken on several
interfaces (``tshark -i any -i lo``, most core-network captures), and its pcap reader
hands back a short last record without saying the file is truncated. Both formats are a
few fixed headers (tcpdump.org pcap, IETF draft-ietf-opsawg-pcapng), so reading them here
costs less than working around those gaps, and lets us name the frame where a file ends
early.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_SHB = 0x0A0D0D0A
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_IDB, _PB, _SPB, _EPB = 0x00000001, 0x00000002, 0x00000003, 0x00000006
_IF_TSRESOL = 9


class CaptureFormatError(ValueError):
    """The file is not a capture we can read (message says why)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured packet: its 1-based number (as Wireshark counts), time, link type."""

    number: int
    time: float
    linktype: int
    data: bytes


class CaptureReader:
    """Iterate frames; after the iteration ``truncated`` says where the file ended early."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.truncated: str | None = None
        if data[:4] in PCAP_MAGICS:
            self.format = "pcap"
        elif len(data) >= 4 and struct.unpack("<I", data[:4])[0] == PCAPNG_SHB:
            self.format = "pcapng"
        else:
            raise CaptureFormatError("not a pcap or pcapng file (unknown magic number)")

    def __iter__(self) -> Iterator[Frame]:
        return self._pcap() if self.format == "pcap" else self._pcapng()

    def _pcap(self) -> Iterator[Frame]:
        data = self.data
        endian, unit = PCAP_MAGICS[data[:4]]
        if len(data) < 24:
            raise CaptureFormatError("pcap global header is truncated")
        linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
        rec = struct.Struct(endian + "IIII")
        i, n = 24, 0
        while i < len(data):
            if i + 16 > len(data):
                self.truncated = f"record header of frame {n + 1} is cut short"
                return
            sec, frac, caplen, _ = rec.unpack_from(data, i)
            i += 16
            if i + caplen > len(data):
                self.truncated = f"frame {n + 1} is cut short ({len(data) - i} of {caplen} octets)"
                return
            n += 1
            yield Frame(n, sec + frac * unit, linktype, data[i : i + caplen])
            i += caplen

    def _pcapng(self) -> Iterator[Frame]:
        data = self.data
        endian = "<"
        interfaces: list[tuple[int, float]] = []  # (linktype, seconds per tick)
        i, n = 0, 0
        while i < len(data):
            if i + 12 > len(data):
                self.truncated = f"block header after frame {n} is cut short"
                return
            btype, blen = struct.unpack_from(endian + "II", data, i)
            if btype == PCAPNG_SHB:
                bom = data[i + 8 : i + 12]
                endian = "<" if struct.unpack("<I", bom)[0] == _BYTE_ORDER_MAGIC else ">"
                if struct.unpack(endian + "I", bom)[0] != _BYTE_ORDER_MAGIC:
                    raise CaptureFormatError("pcapng section header has no byte-order magic")
                blen = struct.unpack_from(endian + "I", data, i + 4)[0]
                interfaces = []  # interface ids are per section
            if blen < 12 or blen % 4 or i + blen > len(data):
                self.truncated = f"block after frame {n} is cut short or malformed"
                return
            body = data[i + 8 : i + blen - 4]
            if btype == _IDB:
                interfaces.append(_interface(body, endian))
            elif btype in (_EPB, _PB):
                if btype == _EPB:
                    ifid, hi, lo, caplen = struct.unpack_from(endian + "IIII", body, 0)
                else:  # obsolete Packet Block: 16-bit interface id and drop count
                    ifid, _drops, hi, lo, caplen = struct.unpack_from(endian + "HHIII", body, 0)
                if ifid >= len(interfaces):
                    raise CaptureFormatError(f"frame {n + 1} names an undeclared interface")
                linktype, tick = interfaces[ifid]
                n += 1
                yield Frame(n, ((hi << 32) | lo) * tick, linktype, body[20 : 20 + caplen])
            elif btype == _SPB:
                if not interfaces:
                    raise CaptureFormatError(f"frame {n + 1} comes before any interface")
                caplen = struct.unpack_from(endian + "I", body, 0)[0]
                linktype, _tick = interfaces[0]
                n += 1
                # a Simple Packet Block has no timestamp: keep time non-decreasing
                yield Frame(n, 0.0, linktype, body[4 : 4 + min(caplen, len(body) - 4)])
            i += blen


def _interface(body: bytes, endian: str) -> tuple[int, float]:
    """Interface Description Block: link type and the if_tsresol option (default 10^-6)."""
    linktype = struct.unpack_from(endian + "H", body, 0)[0]
    tick = 1e-6
    j = 8
    while j + 4 <= len(body):
        code, olen = struct.unpack_from(endian + "HH", body, j)
        if code == 0:
            break
        if code == _IF_TSRESOL and olen >= 1:
            v = body[j + 4]
            tick = 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0**-v
        j += 4 + olen + (-olen % 4)
    return linktype, tick
