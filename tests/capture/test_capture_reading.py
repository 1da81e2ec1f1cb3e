"""Reading captures: pcap/pcapng, link types, SCTP DATA chunks with PPID 60 (TS 38.412 7)."""

from __future__ import annotations

import json
import struct

import pytest

from ue_stack.capture.pcapio import CaptureFormatError, CaptureReader
from ue_stack.capture.sctp import LinkStats, ngap_messages
from ue_stack.capture.sources import open_capture
from ue_stack.cli import main
from ue_stack.errors import InputError

from . import pcapgen as g

A = b"\x00\x0f\x40\x03\x00\x00\x00"  # opaque NGAP-looking payloads
B = b"\x00\x04\x40\x05\x00\x00\x01\x02\x03"


def _payloads(data: bytes) -> tuple[list[bytes], LinkStats, CaptureReader]:
    reader = CaptureReader(data)
    stats = LinkStats()
    return [m.payload for m in ngap_messages(reader, stats)], stats, reader


def test_two_ngap_pdus_bundled_in_one_packet_are_both_read():
    """RFC 9260 3: one SCTP packet may bundle several DATA chunks."""
    frame = g.ethernet(g.sctp_ip([g.data_chunk(A, 1), g.data_chunk(B, 2)]))
    payloads, _, _ = _payloads(g.pcap([frame]))
    assert payloads == [A, B]


def test_chunks_with_another_ppid_are_ignored():
    frame = g.ethernet(g.sctp_ip([g.data_chunk(A, 1, ppid=46), g.data_chunk(B, 2)]))
    assert _payloads(g.pcap([frame]))[0] == [B]


def test_fragmented_user_message_is_reassembled():
    """RFC 9260 3.3.1: B and E flags delimit a user message over several chunks."""
    frames = [
        g.ethernet(g.sctp_ip([g.data_chunk(A[:3], 1, flags=0x02)])),
        g.ethernet(g.sctp_ip([g.data_chunk(A[3:5], 2, flags=0x00)])),
        g.ethernet(g.sctp_ip([g.data_chunk(A[5:], 3, flags=0x01)])),
    ]
    assert _payloads(g.pcap(frames))[0] == [A]


@pytest.mark.parametrize("order", [(0, 2, 1), (2, 1, 0), (1, 0, 2)])
def test_fragments_captured_out_of_order_are_reassembled_by_tsn(order):
    """RFC 9260 3.3.1 and 6.9: the fragments of a user message take consecutive TSNs and
    the receiver reassembles them in TSN order, whatever order the capture saw them in (a
    capture point on several paths, or a retransmitted middle part). They were joined in
    arrival order, so the PDU did not decode."""
    parts = [g.data_chunk(A[:3], 1, flags=0x02), g.data_chunk(A[3:5], 2, flags=0x00),
             g.data_chunk(A[5:], 3, flags=0x01)]
    frames = [g.ethernet(g.sctp_ip([parts[i]])) for i in order]
    frames.append(g.ethernet(g.sctp_ip([parts[order[0]]])))  # a duplicate: read once
    payloads, stats, _ = _payloads(g.pcap(frames))
    assert payloads == [A] and stats.incomplete_frames == [] and stats.retransmissions == 1


def test_fragments_interleaved_with_another_stream_are_reassembled_per_stream():
    """RFC 9260 6.9: reassembly is per stream; a whole message on another stream between
    the parts of one is read as it comes, and a part that never arrives is reported."""
    frames = [
        g.ethernet(g.sctp_ip([g.data_chunk(A[3:], 2, flags=0x01, sid=1)])),
        g.ethernet(g.sctp_ip([g.data_chunk(B, 3, sid=2)])),
        g.ethernet(g.sctp_ip([g.data_chunk(A[:3], 1, flags=0x02, sid=1)])),
        g.ethernet(g.sctp_ip([g.data_chunk(B[:4], 7, flags=0x02, sid=2)])),
    ]
    payloads, stats, _ = _payloads(g.pcap(frames))
    assert payloads == [B, A] and stats.incomplete_frames == [4]


def test_sctp_retransmission_is_read_once():
    frame = g.ethernet(g.sctp_ip([g.data_chunk(A, 7)]))
    payloads, stats, _ = _payloads(g.pcap([frame, frame]))
    assert payloads == [A] and stats.retransmissions == 1


def test_pcapng_with_interfaces_of_different_link_types():
    """pcapng: each packet takes the link type of its own interface (IDB)."""
    eth = g.ethernet(g.sctp_ip([g.data_chunk(A, 1)]))
    cooked = g.sll2(g.sctp_ip([g.data_chunk(B, 2)], uplink=False))
    raw = g.sctp_ip([g.data_chunk(A + b"\x00", 3)])
    data = g.pcapng([(0, eth), (1, cooked), (2, raw)], [1, 276, 101])
    payloads, _, _ = _payloads(data)
    assert payloads == [A, B, A + b"\x00"]
    frames = list(CaptureReader(data))
    assert [f.number for f in frames] == [1, 2, 3]
    assert frames[1].time == pytest.approx(1001.0)


def test_truncated_pcap_says_which_frame_is_cut():
    frame = g.ethernet(g.sctp_ip([g.data_chunk(A, 1)]))
    data = g.pcap([frame, frame])[:-5]
    payloads, _, reader = _payloads(data)
    assert payloads == [A]
    assert reader.truncated is not None and "frame 2" in reader.truncated


def test_unknown_magic_is_not_a_capture():
    with pytest.raises(CaptureFormatError):
        CaptureReader(b"hello world, not a capture")


def test_json_ngap_list_is_detected_by_content(tmp_path):
    path = tmp_path / "x.pcap"  # the extension lies; the content decides
    path.write_text(json.dumps({"messages": [{"frame": 3, "ngap_hex": A.hex()}]}))
    src = open_capture(path)
    assert src.kind == "ngap-json"
    assert [(m.frame, m.payload) for m in src.messages] == [(3, A)]


def test_json_with_bad_hex_names_the_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"messages": [{"ngap_hex": "zz"}]}))
    with pytest.raises(InputError) as exc:
        open_capture(path)
    assert "messages[0].ngap_hex" in str(exc.value)


def _gnbsim_frames(captures) -> list[bytes]:
    """The 7 NGAP PDUs of the gnbsim recording, one SCTP packet each (uplink from the gNB)."""
    msgs = json.loads((captures / "gnbsim-free5gc-ngap.json").read_text())["messages"]
    return [g.sctp_ip([g.data_chunk(bytes.fromhex(m["ngap_hex"]), i + 1)],
                      uplink=m["direction"] == "UL") for i, m in enumerate(msgs)]


def test_ngap_the_importer_could_not_read_is_named_in_the_report(captures, tmp_path):
    """docs/report.md `problems`: NGAP lost to the link layer is said, with its frame.
    Frame 6 is an IP fragment (not reassembled: RFC 791 leaves that to the host, and
    SCTP over NGAP avoids it, TS 38.412 7) and frame 7 holds only the last part of an
    SCTP user message whose first part the capture lacks (RFC 9260 3.3.1 B/E flags).
    Both used to vanish from the import without a word."""
    packets = _gnbsim_frames(captures)
    fragment = bytearray(packets[5])
    fragment[6] |= 0x20  # IPv4 "more fragments"
    packets[5] = bytes(fragment)
    last = bytes.fromhex(json.loads((captures / "gnbsim-free5gc-ngap.json").read_text())
                         ["messages"][6]["ngap_hex"])
    packets[6] = g.sctp_ip([g.data_chunk(last[10:], 7, flags=0x01)])
    capture = tmp_path / "lost.pcap"
    capture.write_bytes(g.pcap([g.ethernet(p) for p in packets]))
    report = tmp_path / "import.json"
    assert main(["import", str(capture), "-o", str(tmp_path / "out"),
                 "--report", str(report)]) == 1  # errors: `ok` is false
    problems = json.loads(report.read_text())["problems"]
    lost = {p["frame"]: p["problem"] for p in problems if p["severity"] == "error"}
    assert "IP fragment" in lost[6]
    assert "first part" in lost[7]


@pytest.mark.parametrize(("change", "field"), [
    ({"frame": -5}, "messages[0]"),
    ({"frame": True}, "messages[0]"),
    ({"time": 1e300}, "messages[1].time"),
])
def test_json_capture_numbers_a_trace_could_not_hold_are_refused(
        captures, tmp_path, change, field):
    """docs/trace-format.md: a record's `frame` is an integer >= 0 and a trace spans at
    most 10^7 s. A JSON capture breaking either was imported (exit 0) into traces that
    replay then refused (exit 2); now the import is refused, naming the message."""
    msgs = json.loads((captures / "gnbsim-free5gc-ngap.json").read_text())["messages"]
    doc = {"messages": [{**m, "time": float(m["frame"]), **(change if m["frame"] == (
        1 if "time" in change else 0) else {})} for m in msgs]}
    capture = tmp_path / "odd.json"
    capture.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        open_capture(capture)
    assert caught.value.field == field


def test_a_broken_time_stamp_in_a_pcap_is_reported_and_the_trace_still_reads(
        captures, tmp_path):
    """docs/trace-format.md: a trace spans at most 10^7 s. One frame of a pcap stamped
    4e8 s late made import write (exit 0, no problem) a trace that replay refused
    (exit 2); now the import names the frame as an error and the trace replays."""
    packets = [g.ethernet(p) for p in _gnbsim_frames(captures)]
    data = bytearray(g.pcap(packets))
    at = 24
    for _ in range(4):  # the 5th record's seconds
        at += 16 + struct.unpack_from("<I", data, at + 8)[0]
    struct.pack_into("<I", data, at, struct.unpack_from("<I", data, at)[0] + 400_000_000)
    capture = tmp_path / "late.pcap"
    capture.write_bytes(bytes(data))
    report = tmp_path / "import.json"
    out = tmp_path / "out"
    assert main(["import", str(capture), "-o", str(out), "--report", str(report)]) == 1
    problems = json.loads(report.read_text())["problems"]
    assert [p["frame"] for p in problems if "time stamp" in p["problem"]] == [5]
    assert main(["replay", str(out)]) in (0, 1)
