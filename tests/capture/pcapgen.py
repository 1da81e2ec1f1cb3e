"""Builds small synthetic captures (pcap/pcapng, several link types) around NGAP PDUs,
so the reading layers are tested without real recordings."""

from __future__ import annotations

import struct

import dpkt

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


def pcap(frames: list[bytes], linktype: int = 1) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1000 + i, 0, len(f), len(f)) + f
    return out


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
