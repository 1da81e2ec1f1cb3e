"""``--pcap``: what crossed N1 as NGAP over SCTP, readable by Wireshark and by our own
importer (docs/README.md; TS 38.413 8.6 NAS transport, TS 38.412 7
PPID 60)."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from ue_stack.capture import ngap_aper
from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.capture.ngap import decode_ngap
from ue_stack.capture.sources import open_capture
from ue_stack.capture.writer import PcapWriter
from ue_stack.cli import main
from ue_stack.hnkeys import load_hn_keys
from ue_stack.nas.codec import encode_plmn

REPO = Path(__file__).resolve().parents[2]
NAS = bytes.fromhex("7e005e")  # SECURITY MODE COMPLETE, plain
PLMN = encode_plmn("001", "01")


def _n1_lines(log: Path) -> list[tuple[str, str, str]]:
    out = []
    for line in log.read_bytes().splitlines():
        rec = orjson.loads(line)
        if rec["event"] == "n1":
            out.append((rec["ue"], rec["dir"], rec["msg"]))
    return out


def _imported(pcap: Path, outdir: Path) -> list[tuple[str, str, str]]:
    """(SUPI, direction, msg) of every dl/ul record the importer writes back."""
    outdir.mkdir()
    # simulated UEs conceal their SUPIs (profile A, the Annex C.4 key of hn-keys.csv) and
    # all have the TS 35.208 set 1 USIM, whose keys read the 128-NEA2 payloads
    importer = Importer(ImportOptions(
        hn_keys=load_hn_keys(
            Path(__file__).resolve().parents[1] / "data" / "captures" / "hn-keys.csv"),
        k=bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc"),
        opc=bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")))
    result = importer.run(pcap)
    importer.write(result, outdir, "back")
    out = []
    for path in sorted(outdir.glob("*.jsonl")):
        lines = [orjson.loads(x) for x in path.read_bytes().splitlines()
                 if x and not x.startswith(b"//")]
        supi = lines[0]["ue"]["supi"]
        out += [(supi, r["kind"], r["msg"]) for r in lines[1:] if r["kind"] in ("dl", "ul")]
    return out


@pytest.mark.parametrize("ran_id, amf_id", [(0, 0), (1, 256), (70000, 2**40 - 1),
                                            (2**32 - 1, 5)])
def test_nas_transport_pdus_decode_with_pycrate(ran_id: int, amf_id: int) -> None:
    """TS 38.413 9.2.5: our APER InitialUEMessage / Uplink- / DownlinkNASTransport decode
    with pycrate's NGAP to the same procedure, UE NGAP ids and NAS-PDU."""
    initial = decode_ngap(ngap_aper.initial_ue_message(ran_id, NAS, PLMN))
    assert (initial.procedure, initial.ran_ue_ngap_id, initial.nas_pdus) == (
        "InitialUEMessage", ran_id, [NAS])
    assert initial.tai_plmn == PLMN and initial.direction == "ul"
    up = decode_ngap(ngap_aper.uplink_nas_transport(ran_id, amf_id, NAS, PLMN))
    assert (up.procedure, up.ran_ue_ngap_id, up.amf_ue_ngap_id, up.nas_pdus) == (
        "UplinkNASTransport", ran_id, amf_id, [NAS])
    down = decode_ngap(ngap_aper.downlink_nas_transport(ran_id, amf_id, NAS * 100))
    assert (down.procedure, down.amf_ue_ngap_id, down.nas_pdus, down.direction) == (
        "DownlinkNASTransport", amf_id, [NAS * 100], "dl")


def test_ngap_id_out_of_range_is_refused() -> None:
    """RAN-UE-NGAP-ID is INTEGER (0..2^32-1): a larger id cannot be encoded."""
    with pytest.raises(ValueError):
        ngap_aper.ran_ue_ngap_id(2**32)


def test_simulated_capture_imports_back_to_the_same_messages(tmp_path: Path) -> None:
    """docs/README.md: the importer reads `simulate --pcap` back to the same message
    sequence, per UE, in the same order; each UE has its own NGAP id pair."""
    pcap, log = tmp_path / "x.pcap", tmp_path / "x.jsonl"
    status = main(["simulate", "reauth-between-af-sessions", "--ues", "3",
                   "--pcap", str(pcap), "--log", str(log)])
    assert status == 0
    sent = _n1_lines(log)
    back = _imported(pcap, tmp_path / "back")
    assert len({ue for ue, _, _ in sent}) == 3
    for supi in {ue for ue, _, _ in sent}:
        assert [m for m in back if m[0] == supi] == [m for m in sent if m[0] == supi]
    ids = {(decode_ngap(p).ran_ue_ngap_id, decode_ngap(p).amf_ue_ngap_id)
           for p in _ngap_payloads(pcap) if decode_ngap(p).procedure != "InitialUEMessage"}
    assert len(ids) == 3


def _ngap_payloads(pcap: Path) -> list[bytes]:
    return [m.payload for m in open_capture(pcap).messages]


def test_replayed_capture_keeps_the_captured_pdus(tmp_path: Path) -> None:
    """docs/README.md: imported PDUs are written exactly as captured (a ciphered downlink
    stays ciphered), in the trace's order, with the model time as time stamp."""
    trace = REPO / "traces" / "capture-open5gs-roaming-hr-nia2-999700000021309.jsonl"
    pcap = tmp_path / "r.pcap"
    main(["replay", str(trace), "--pcap", str(pcap)])
    recorded = [orjson.loads(x) for x in trace.read_bytes().splitlines()
                if x and not x.startswith(b"//")]
    dl_pdus = [bytes.fromhex(r["pdu"]) for r in recorded if r.get("kind") == "dl"]
    written = [decode_ngap(p) for p in _ngap_payloads(pcap)]
    assert [f.nas_pdus[0] for f in written if f.direction == "dl"] == dl_pdus


def test_unwritable_pcap_is_unusable_input(tmp_path: Path, capsys) -> None:
    """docs/README.md: an output file that cannot be written: exit 2, one line naming it."""
    target = tmp_path / "missing" / "x.pcap"
    assert main(["simulate", "happy-path", "--pcap", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0]


def test_writer_leaves_unencodable_lines_out(tmp_path: Path) -> None:
    """A `ciphered` uplink with no PDU cannot be written; it is counted, not invented."""
    with PcapWriter(tmp_path / "c.pcap") as w:
        w.feed({"event": "n1", "t": 1.0, "ue": "001010000000001", "dir": "ul",
                "msg": "ciphered"})
        w.feed({"event": "n1", "t": 2.0, "ue": "001010000000001", "dir": "ul",
                "msg": "registration_complete"})
    assert (w.frames, w.unwritten) == (1, 1)


@pytest.mark.tools
def test_tshark_names_every_simulated_message(tmp_path: Path) -> None:
    """Wireshark dissects the capture as NGAP/NAS-5GS without settings: every frame is
    NGAP with a valid SCTP CRC32c, and tshark names each NAS message as our log does."""
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (apt-get install tshark)"
    pcap, log = tmp_path / "x.pcap", tmp_path / "x.jsonl"
    main(["simulate", "reauth-between-af-sessions", "--pcap", str(pcap), "--log", str(log)])
    out = subprocess.run(
        [tshark, "-r", str(pcap), "-o", "sctp.checksum:crc-32c", "-T", "fields",
         "-e", "sctp.checksum.status", "-e", "ngap.procedureCode",
         "-e", "nas_5gs.mm.message_type"],
        capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    names = {0x41: "registration_request", 0x42: "registration_accept",
             0x43: "registration_complete", 0x56: "authentication_request",
             0x57: "authentication_response", 0x5D: "security_mode_command",
             0x5E: "security_mode_complete"}
    assert all(r[0] == "1" for r in rows)  # CRC32c good
    assert [names[int(r[2], 16)] for r in rows] == [m for _, _, m in _n1_lines(log)]


def _stamps(pcap: Path) -> list[float]:
    import dpkt

    with pcap.open("rb") as f:
        return [float(ts) for ts, _ in dpkt.pcap.Reader(f)]


def test_simulated_pcap_times_are_not_1970_and_always_increase(tmp_path, capsys):
    """A scenario runs from model time 0 and sends several messages at one instant: the
    frames start at 2000-01-01 (not the epoch) and each is later than the one before."""
    pcap = tmp_path / "w2.pcap"
    main(["simulate", "w2-smc-lost", "--pcap", str(pcap)])
    stamps = _stamps(pcap)
    assert len(stamps) > 5 and stamps[0] >= 946684800.0
    assert all(b > a for a, b in itertools.pairwise(stamps))


def test_pcap_epoch_chooses_the_first_frame_time(tmp_path, capsys):
    pcap = tmp_path / "w2.pcap"
    main(["simulate", "w2-smc-lost", "--pcap", str(pcap), "--pcap-epoch", "2026-12-06T10:00:00Z"])
    stamps = _stamps(pcap)
    assert stamps[0] == pytest.approx(1796551200.0)  # 2026-12-06T10:00:00Z
    main(["simulate", "w2-smc-lost", "--pcap", str(pcap), "--pcap-epoch", "1796551200"])
    assert _stamps(pcap)[0] == pytest.approx(1796551200.0)
    assert main(["simulate", "w2-smc-lost", "--pcap", str(pcap), "--pcap-epoch", "soon"]) == 2
    assert "--pcap-epoch" in capsys.readouterr().err


def test_epoch_seconds_in_a_trace_are_kept_as_the_frame_times():
    """A trace whose t already are epoch seconds (a capture's own clock) keeps them."""
    writer = PcapWriter.__new__(PcapWriter)
    writer.epoch, writer._offset, writer._last = None, None, None
    assert writer._stamp(1_700_000_000.5) == 1_700_000_000.5
    assert writer._stamp(1_700_000_000.5) == pytest.approx(1_700_000_000.500001)
