"""The NGAP fast path (TS 38.413 9.4, X.691 APER) reads the same facts as pycrate's full
decoder on every NGAP PDU of the test captures, and leaves to pycrate what it is not
sure of (issue 13: import faster than tshark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ue_stack.capture import ngap_aper, ngap_fast
from ue_stack.capture.ngap import decode_ngap_pycrate
from ue_stack.capture.sources import open_capture

from .test_capture_grouping import _renumber


def _payloads(captures: Path) -> list[bytes]:
    out = []
    for path in sorted(captures.glob("*")):
        if path.suffix in (".pcap", ".pcapng", ".json"):
            out.extend(m.payload for m in open_capture(path).messages)
    return out


def test_fast_path_agrees_with_pycrate_on_every_captured_pdu(captures):
    payloads = _payloads(captures)
    decided = 0
    for payload in payloads:
        fast = ngap_fast.decode(payload)
        if fast is None:
            continue
        decided += 1
        assert fast == decode_ngap_pycrate(payload), payload.hex()
    assert decided == len(payloads)  # the test captures need no fallback at all


@pytest.mark.parametrize("ran, amf", [(0, 1), (255, 256), (70000, 2**40 - 1), (2**32 - 1, 5)])
def test_fast_path_reads_ngap_ids_of_every_width(captures, ran, amf):
    """RAN-UE-NGAP-ID 1..4 octets, AMF-UE-NGAP-ID 1..5 octets (X.691 11.5.7.4)."""
    for payload in (ngap_aper.uplink_nas_transport(ran, amf, b"\x7e\x00\x43", b"\x02\xf8\x39"),
                    bytes.fromhex(_renumber(ngap_aper.downlink_nas_transport(
                        1, 1, b"\x7e\x00\x56").hex(), ran, amf))):
        fast = ngap_fast.decode(payload)
        assert fast == decode_ngap_pycrate(payload)
        assert (fast.ran_ue_ngap_id, fast.amf_ue_ngap_id) == (ran, amf)


def test_what_the_fast_path_does_not_know_goes_to_pycrate():
    """An unknown procedure code or an extended NGAP-PDU choice: None, not a guess."""
    payload = ngap_aper.downlink_nas_transport(1, 1, b"\x7e\x00\x56")
    assert ngap_fast.decode(payload[:1] + b"\x63" + payload[2:]) is None  # code 99
    assert ngap_fast.decode(b"\x80" + payload[1:]) is None


def test_fast_sctp_reading_agrees_with_dpkt_on_every_frame(captures):
    """The link/IP/SCTP fast path (RFC 9260 3) gives dpkt's view of each frame it reads."""
    from ue_stack.capture.pcapio import CaptureReader
    from ue_stack.capture.sctp import LinkStats, _dpkt_sctp, _fast_sctp, _Unusual

    read = 0
    for path in sorted(captures.glob("*.pcap*")):
        for frame in CaptureReader(path.read_bytes()):
            try:
                fast = _fast_sctp(frame, LinkStats())
            except _Unusual:
                continue
            read += 1
            assert fast == _dpkt_sctp(frame, LinkStats()), (path.name, frame.number)
    assert read > 1000
