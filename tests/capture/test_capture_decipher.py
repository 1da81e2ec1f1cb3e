"""``import --decipher-pcap OUT``: the capture written again, every frame with
its number and time, each deciphered NAS PDU replaced by its plaintext under security header
type 1 (MAC and sequence number kept), lengths and checksums recomputed, a pcapng comment on
each rewritten or undecipherable frame.

The ciphered capture is the gnbsim/free5GC recording protected again with 128-NEA1/NIA1
(``pcapgen.reprotected_gnbsim``) and written as a pcap: frames 5-7 (SECURITY MODE COMPLETE,
REGISTRATION ACCEPT, REGISTRATION COMPLETE) are ciphered."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import orjson
import pytest
from dpkt import crc32c

from ue_stack.capture.decipher import _ip_checksum, _read_options
from ue_stack.capture.ngap import decode_ngap
from ue_stack.capture.pcapio import CaptureReader
from ue_stack.cli import main
from ue_stack.nas.codec import decode_pdu

from .pcapgen import as_pcap, reprotected_gnbsim

KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")
CIPHERED = {5: ("security_mode_complete", 4), 6: ("registration_accept", 2),
            7: ("registration_complete", 2)}


@pytest.fixture
def nea1_pcap(captures: Path, tmp_path: Path) -> Path:
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    path = tmp_path / "gnbsim-nea1.pcap"
    path.write_bytes(as_pcap(reprotected_gnbsim(doc, KAMF, nea=1, nia=1)))
    return path


def _decipher(capture: Path, tmp_path: Path, *keys: str) -> tuple[int, Path]:
    out = tmp_path / "deciphered.pcapng"
    rc = main(["import", str(capture), "-o", str(tmp_path / "traces"), "--decipher-pcap",
               str(out), *keys])
    return rc, out


def _comments(pcapng: bytes) -> dict[int, list[str]]:
    """Frame number -> its opt_comment values (little-endian pcapng, EPBs only)."""
    out, i, n = {}, 0, 0
    while i < len(pcapng):
        btype, blen = struct.unpack_from("<II", pcapng, i)
        if btype == 6:
            n += 1
            caplen = struct.unpack_from("<I", pcapng, i + 20)[0]
            opts = pcapng[i + 28 + caplen + (-caplen % 4):i + blen - 4]
            out[n] = [v.decode() for code, v in _read_options(opts) if code == 1]
        i += blen
    return out


def _nas(frame_data: bytes) -> bytes:
    sctp = frame_data[14 + 20:]
    facts = decode_ngap(sctp[12 + 16:])
    (pdu,) = facts.nas_pdus
    return pdu


def test_every_frame_is_written_with_its_number_and_time(captures, tmp_path, nea1_pcap):
    rc, out = _decipher(nea1_pcap, tmp_path, "--keys", str(captures / "keys.csv"))
    assert rc == 0
    before = list(CaptureReader(nea1_pcap.read_bytes()))
    after = list(CaptureReader(out.read_bytes()))
    assert [(f.number, f.time, f.linktype) for f in after] == [
        (f.number, f.time, f.linktype) for f in before]
    for f, g in zip(before, after, strict=True):
        assert (f.data == g.data) == (f.number not in CIPHERED)


def test_each_deciphered_pdu_is_its_plaintext_under_header_type_1_with_mac_and_sqn_kept(
    captures, tmp_path, nea1_pcap
):
    """TS 24.501 9.3.1: security header type 1, integrity protected; the captured MAC and
    sequence number stay; the message decodes as what the recording sent."""
    _, out = _decipher(nea1_pcap, tmp_path, "--keys", str(captures / "keys.csv"))
    before = {f.number: f for f in CaptureReader(nea1_pcap.read_bytes())}
    for f in CaptureReader(out.read_bytes()):
        if f.number not in CIPHERED:
            continue
        old, new = _nas(before[f.number].data), _nas(f.data)
        assert new[1] & 0x0F == 1 and new[2:7] == old[2:7]  # MAC and sequence number
        plain = decode_pdu(new)
        assert plain is not None and plain.msg == CIPHERED[f.number][0]


def test_lengths_and_checksums_are_recomputed(captures, tmp_path, nea1_pcap):
    """IPv4 total length and header checksum, SCTP chunk length and CRC32c (RFC 9260)."""
    _, out = _decipher(nea1_pcap, tmp_path, "--keys", str(captures / "keys.csv"))
    for f in CaptureReader(out.read_bytes()):
        if f.number not in CIPHERED:
            continue
        ip = f.data[14:]
        assert struct.unpack_from(">H", ip, 2)[0] == len(ip)
        assert _ip_checksum(ip[:20]) == 0  # a valid header sums to 0xFFFF
        sctp = ip[20:]
        chunk_len = struct.unpack_from(">H", sctp, 14)[0]
        assert len(sctp) - 12 == chunk_len + (-chunk_len % 4)  # one chunk, padded to 4
        zeroed = sctp[:8] + b"\x00" * 4 + sctp[12:]
        assert struct.unpack_from(">I", sctp, 8)[0] == crc32c.cksum(zeroed)


def test_rewritten_frames_carry_the_comment_the_contract_names(captures, tmp_path, nea1_pcap):
    _, out = _decipher(nea1_pcap, tmp_path, "--keys", str(captures / "keys.csv"))
    comments = {n: c for n, c in _comments(out.read_bytes()).items() if c}
    assert comments == {
        n: [f"deciphered 128-NEA1 (was security header type {sht})"]
        for n, (_, sht) in CIPHERED.items()
    }


def test_without_keys_ciphered_frames_keep_their_bytes_and_say_why(tmp_path, nea1_pcap):
    rc, out = _decipher(nea1_pcap, tmp_path)
    assert rc == 0
    before = [f.data for f in CaptureReader(nea1_pcap.read_bytes())]
    assert [f.data for f in CaptureReader(out.read_bytes())] == before
    comments = {n: c for n, c in _comments(out.read_bytes()).items() if c}
    assert sorted(comments) == sorted(CIPHERED)
    for n, (_, sht) in CIPHERED.items():
        (text,) = comments[n]
        assert text.startswith(f"not deciphered (security header type {sht}): ")
        assert "no keys" in text


def test_a_pcapng_with_nothing_ciphered_is_copied_byte_for_byte(captures, tmp_path):
    """The Open5GS capture (NEA0, several interfaces, SBI frames): every block as it was."""
    capture = captures / "open5gs-roaming-hr-nia2.pcapng"
    rc, out = _decipher(capture, tmp_path, "--keys", str(captures / "keys.csv"))
    assert rc == 0 and out.read_bytes() == capture.read_bytes()


def test_a_json_capture_is_refused_for_decipher_pcap(captures, tmp_path, capsys):
    rc, out = _decipher(captures / "gnbsim-free5gc-ngap.json", tmp_path)
    err = capsys.readouterr().err
    assert rc == 2 and "--decipher-pcap" in err and len(err.splitlines()) == 1
    assert not out.exists()


@pytest.mark.tools
def test_tshark_reads_a_message_type_in_every_formerly_ciphered_frame(
    captures, tmp_path, nea1_pcap
):
    """Wireshark cannot decipher NEA1; the rewritten capture it dissects fully: the same
    frames, and a 5GMM message type (and the comment) in every formerly ciphered frame."""
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (apt-get install tshark)"
    _, out = _decipher(nea1_pcap, tmp_path, "--keys", str(captures / "keys.csv"))

    def rows(path: Path) -> list[list[str]]:
        text = subprocess.run(
            [tshark, "-r", str(path), "-o", "sctp.checksum:crc-32c", "-T", "fields",
             "-e", "frame.number", "-e", "sctp.checksum.status", "-e", "nas_5gs.mm.message_type",
             "-e", "frame.comment"], capture_output=True, text=True, check=True).stdout
        return [line.split("\t") for line in text.splitlines()]

    before, after = rows(nea1_pcap), rows(out)
    assert [r[0] for r in after] == [r[0] for r in before]
    for number, status, msg_type, comment in after:
        if int(number) in CIPHERED:
            assert before[int(number) - 1][2] == ""  # tshark could not read it before
            assert msg_type.split(",")[0] != "" and status == "1"
            assert comment.startswith("deciphered 128-NEA1")


def _eap_nea1_capture(tmp_path: Path, capsys) -> Path:
    """A simulated EAP-AKA' run whose AMF selects 128-NEA1/NIA1: its re-authentication
    (AUTHENTICATION REQUEST/RESPONSE with EAP-AKA' packets) is ciphered."""
    assert main(["simulate", "--show", "eap-aka-prime-reauth-between-af-sessions"]) == 0
    toml = capsys.readouterr().out.replace("[network]\n", "[network]\nnea = 1\nnia = 1\n", 1)
    scenario = tmp_path / "eap-nea1.toml"
    scenario.write_text(toml.replace('name = "eap-aka-prime-reauth-between-af-sessions"',
                                     'name = "eap-nea1"'))
    pcap_path = tmp_path / "eap-nea1.pcap"
    assert main(["simulate", str(scenario), "--pcap", str(pcap_path)]) == 0
    return pcap_path


EAP_K = ("--k", "465b5ce8b199b49faa5f0a2ee238a6bc", "--opc", "cd63cb71954a9f4e48a5994e37a02baf",
         "--hn-key", str(Path(__file__).resolve().parents[1] / "data/captures/hn-keys.csv"))


def test_ciphered_eap_aka_prime_messages_are_deciphered_too(tmp_path, capsys):
    """The re-authentication's EAP-AKA' Challenge, ciphered under NEA1, comes out as plain
    AUTHENTICATION REQUEST/RESPONSE carrying the EAP packets (RFC 9048)."""
    capture = _eap_nea1_capture(tmp_path, capsys)
    rc, out = _decipher(capture, tmp_path, *EAP_K)
    assert rc == 0
    comments = _comments(out.read_bytes())
    eap = []
    for f in CaptureReader(out.read_bytes()):
        pdu = _nas(f.data)
        plain = decode_pdu(pdu)
        if comments.get(f.number) and plain is not None and "eap" in plain.fields:
            eap.append((plain.msg, plain.fields.get("eap_subtype")))
    assert ("authentication_request", "challenge") in eap
    assert ("authentication_response", "challenge") in eap


@pytest.mark.tools
def test_tshark_dissects_the_deciphered_eap_aka_prime_challenge(tmp_path, capsys):
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (apt-get install tshark)"
    capture = _eap_nea1_capture(tmp_path, capsys)
    _, out = _decipher(capture, tmp_path, *EAP_K)
    text = subprocess.run(
        [tshark, "-r", str(out), "-Y", "frame.comment contains \"deciphered\" and eap",
         "-T", "fields", "-e", "nas_5gs.mm.message_type", "-e", "eap.type",
         "-e", "eap.aka.subtype"], capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in text.splitlines()]
    assert ["0x56", "50", "1"] in rows and ["0x57", "50", "1"] in rows  # AKA' Challenge


def test_a_capture_on_standard_input_is_deciphered_from_the_octets_read_once(
    captures, tmp_path, nea1_pcap
):
    """`import - --decipher-pcap OUT`: the capture is read once, from standard input."""
    import sys

    script = Path(sys.executable).parent / "ue-stack"
    out = tmp_path / "from-stdin.pcapng"
    with nea1_pcap.open("rb") as stdin:
        done = subprocess.run(
            [str(script), "import", "-", "-o", str(tmp_path / "t"), "--keys",
             str(captures / "keys.csv"), "--decipher-pcap", str(out)],
            stdin=stdin, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    comments = {n: c for n, c in _comments(out.read_bytes()).items() if c}
    assert sorted(comments) == sorted(CIPHERED)
