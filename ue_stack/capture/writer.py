"""``--pcap``: what crossed N1 as a capture Wireshark and tshark dissect without settings
(docs/README.md).

A consumer of exchange-log records (``feed(record)``): every ``n1`` line becomes one NGAP
PDU over SCTP (PPID 60, TS 38.412 7) in an Ethernet/IPv4 frame between one gNB and one
AMF, time-stamped with the model time. Each UE has its own RAN-UE-NGAP-ID/AMF-UE-NGAP-ID
pair and SCTP stream; its registration (or its first uplink) travels in an
InitialUEMessage, everything else in Uplink/DownlinkNASTransport.

A record that carries ``pdu`` (a message imported from a capture) is written as captured;
a modelled message is encoded by ``nas.codec`` as plain 5GMM (security header type 0), so
tshark names it without keys. A downlink that replay passed through unmodelled (5GSM, a
message the importer could not decipher) is written too when its PDU is known.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

import dpkt
from dpkt import crc32c

from ..limits import MAX_SPAN
from ..nas.codec import encode_pdu, encode_plmn
from ..nas.messages import FIELD_TYPES, MESSAGES, NasMessage
from ..nas.usim import suci_null_scheme
from ..outputs import open_output
from . import ngap_aper
from .sctp import NGAP_PORT, PPID_NGAP

GNB = (bytes((10, 0, 0, 1)), 9487)
AMF = (bytes((10, 0, 0, 2)), NGAP_PORT)
_MAC_GNB, _MAC_AMF = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
_VTAG = 0x5A5A0001
# a pcap record's seconds are an unsigned 32-bit field; the fraction is rounded to ns,
# so stay a second short of the end
PCAP_MAX_SECONDS = float(2**32 - 2)
# Model times below this are relative (a scenario or an imported capture starts at 0): the
# pcap places them after DEFAULT_EPOCH, not in January 1970. At or above it (1973-03-03)
# they already are epoch seconds and are written as they are.
ABSOLUTE_FROM = 1e8
DEFAULT_EPOCH = 946684800.0  # 2000-01-01T00:00:00Z; `--pcap-epoch` chooses another
TICK = 1e-6  # frames at the same model time are this far apart, in order


def message_of(record: dict[str, Any]) -> NasMessage | None:
    """The NAS message of an ``n1`` log line, fields typed again (hex -> bytes)."""
    msg = record.get("msg")
    if msg not in MESSAGES or msg == "ciphered":
        return None
    fields = {}
    for name in MESSAGES[msg][1]:
        value = record.get(name)
        if value is None:
            continue
        fields[name] = bytes.fromhex(value) if FIELD_TYPES[name][0] == "hex" else value
    return NasMessage(msg, fields)


class _Ue:
    __slots__ = ("amf_id", "connected", "ran_id", "ssn", "stream")

    def __init__(self, index: int) -> None:
        self.ran_id = index + 1
        self.amf_id = 0x100 + index
        self.stream = index % 0xFFFE + 1  # stream 0 is for non-UE-associated signalling
        self.ssn = {"ul": 0, "dl": 0}
        self.connected = False


class PcapWriter:
    """``w = PcapWriter(path, plmn=("001", "01")); w.feed(record)...; w.close()``.

    ``plmn`` (serving MCC, MNC) goes into the user location and, for a REGISTRATION
    REQUEST the model sent without an identity, into the null-scheme SUCI built from the
    UE's SUPI (what a UE without a 5G-GUTI sends, TS 24.501 5.5.1.2.2)."""

    def __init__(self, path: str | Path, plmn: tuple[str, str] = ("001", "01"),
                 epoch: float | None = None) -> None:
        self.path = Path(path)
        self.epoch = epoch  # --pcap-epoch: the first frame's time stamp
        self._last: float | None = None
        self.plmn = plmn
        self._plmn_id = encode_plmn(*plmn)
        self._file: BinaryIO = open_output(self.path, "--pcap")
        self._pcap = dpkt.pcap.Writer(self._file, linktype=dpkt.pcap.DLT_EN10MB, nano=True)
        self._ues: dict[Any, _Ue] = {}
        self._tsn = {"ul": 1, "dl": 1}
        self._offset: float | None = None  # subtracted from model times (_stamp)
        self.frames = 0
        self.unwritten = 0  # n1 lines with neither a PDU nor an encodable message

    # -- the consumer interface shared with the diagram writers -------------------------
    def feed(self, record: dict[str, Any]) -> None:
        event = record.get("event")
        if event == "n1" or (event == "note" and record.get("pdu") and record.get("dir")):
            self._n1(record)

    def violation(self, _violation: Any) -> None:
        """Violations have no place in a capture."""

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------------------
    def _nas_pdu(self, record: dict[str, Any]) -> bytes | None:
        if record.get("pdu"):
            return bytes.fromhex(record["pdu"])
        message = message_of(record)
        if message is None:
            return None
        if message.msg == "registration_request" and "identity" not in message.fields:
            supi = str(record.get("ue") or "")
            try:
                # a concealed SUCI is on the line (nas/concealment.py); the null scheme not
                identity = (bytes.fromhex(record["identity"]) if record.get("identity")
                            else suci_null_scheme(supi, len(self.plmn[1])))
            except ValueError:
                identity = None  # not an IMSI: the codec writes "no identity"
            if identity is not None:
                message = NasMessage(message.msg, {**message.fields, "identity": identity})
        return encode_pdu(message)

    def _n1(self, record: dict[str, Any]) -> None:
        nas_pdu = self._nas_pdu(record)
        if nas_pdu is None:
            self.unwritten += 1
            return
        key = record.get("ue")
        ue = self._ues.get(key)
        if ue is None:
            ue = self._ues[key] = _Ue(len(self._ues))
        direction = "ul" if record.get("dir") == "ul" else "dl"
        if direction == "ul" and (not ue.connected or record.get("msg") == "registration_request"):
            ngap = ngap_aper.initial_ue_message(ue.ran_id, nas_pdu, self._plmn_id)
            ue.connected = True
        elif direction == "ul":
            ngap = ngap_aper.uplink_nas_transport(ue.ran_id, ue.amf_id, nas_pdu, self._plmn_id)
        else:
            ngap = ngap_aper.downlink_nas_transport(ue.ran_id, ue.amf_id, nas_pdu)
            ue.connected = True
        self._frame(direction, ue, ngap, self._stamp(float(record.get("t") or 0.0)))

    def _stamp(self, t: float) -> float:
        """The frame's time stamp. With ``epoch`` (``--pcap-epoch``) the first frame is at
        ``epoch`` and the others follow at their model-time distance. Without it, model
        times that already are epoch seconds (``ABSOLUTE_FROM`` on) are kept; relative ones
        (a scenario, an imported capture from 0) count from ``DEFAULT_EPOCH``, and a trace
        at other scales (epoch milliseconds, negative t) from ``DEFAULT_EPOCH`` at its first
        frame. Stamps always increase: frames at one model time are ``TICK`` apart, in
        the order they crossed N1. Anything outside a pcap's range is clamped."""
        if self._offset is None:
            if self.epoch is not None:
                self._offset = t - self.epoch
            elif ABSOLUTE_FROM <= t <= PCAP_MAX_SECONDS - 2 * MAX_SPAN:
                self._offset = 0.0
            elif 0 <= t < ABSOLUTE_FROM:
                self._offset = -DEFAULT_EPOCH
            else:
                self._offset = t - DEFAULT_EPOCH
        stamp = min(max(t - self._offset, 0.0), PCAP_MAX_SECONDS)
        if self._last is not None and stamp <= self._last:
            stamp = self._last + TICK
        self._last = stamp
        return stamp

    def _frame(self, direction: str, ue: _Ue, ngap: bytes, t: float) -> None:
        (src, sport), (dst, dport) = (GNB, AMF) if direction == "ul" else (AMF, GNB)
        tsn = self._tsn[direction]
        self._tsn[direction] = (tsn + 1) & 0xFFFFFFFF
        ssn = ue.ssn[direction]
        ue.ssn[direction] = (ssn + 1) & 0xFFFF
        # SCTP DATA chunk (RFC 9260 3.3.1): unfragmented (B and E flags), padded to 4
        body = struct.pack(">IHHI", tsn, ue.stream, ssn, PPID_NGAP) + ngap
        chunk = struct.pack(">BBH", 0, 0x03, 4 + len(body)) + body
        chunk += b"\x00" * (-len(chunk) % 4)
        header = struct.pack(">HHII", sport, dport, _VTAG, 0)
        checksum = crc32c.cksum(header + chunk)  # RFC 9260 appendix A, CRC32c
        sctp = header[:8] + struct.pack(">I", checksum) + chunk
        ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_SCTP, ttl=64, data=sctp)
        ip.len = 20 + len(sctp)
        eth = dpkt.ethernet.Ethernet(
            src=_MAC_GNB if direction == "ul" else _MAC_AMF,
            dst=_MAC_AMF if direction == "ul" else _MAC_GNB,
            type=dpkt.ethernet.ETH_TYPE_IP, data=bytes(ip))
        self._pcap.writepkt(bytes(eth), ts=t)
        self.frames += 1
