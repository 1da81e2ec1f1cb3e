"""`ue-stack import` on the real recordings in tests/data/captures (see their README)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.cli import main
from ue_stack.crypto import aka
from ue_stack.crypto.milenage import milenage

# (file, SUPI, K, OPc, serving PLMN, MAC-I values the README says verify, RES*)
CAPTURES = {
    "oai": (
        "oai-registration-nia2.pcap",
        "208950000000031",
        "0c0a34601d4f07677303652c0462535b",
        "63bfa50ee6523365ff14c1f45f88737d",
        ("208", "95"),
        5,
        "6a1a332a8b0910494a4ba710ab7f45d4",
        "781c441a",
    ),
    "open5gs": (
        "open5gs-roaming-hr-nia2.pcapng",
        "999700000021309",
        "465b5ce8b199b49faa5f0a2ee238a6bc",
        "e8ed289deba952e4283b54e88e6183ca",
        ("001", "01"),
        1,
        "fe24b9b3a1b42ebc163018e44cf46833",
        "c60524ef",
    ),
    "gnbsim": (
        "gnbsim-free5gc-ngap.json",
        "208930123456789",
        "8baf473f2f8fd09487cccbd7097c6862",
        "8e27b6af0e692e750f32667a3b14605d",
        ("208", "93"),
        4,
        "803adcacc364fc000bdc0f65e324eaa1",
        "6c2b24e2",
    ),
}


def _load(path: Path) -> tuple[dict, list[dict]]:
    """Header and records; annotations (x- kinds, which readers ignore) left out."""
    records = [orjson.loads(ln) for ln in path.read_bytes().splitlines() if ln.strip()]
    records = [o for o in records if not o["kind"].startswith("x-")]
    return records[0], records[1:]


@pytest.fixture(scope="module", params=sorted(CAPTURES))
def imported(request, captures: Path, tmp_path_factory):
    name, _, k, opc, *_ = CAPTURES[request.param]
    out = tmp_path_factory.mktemp(request.param)
    importer = Importer(ImportOptions(k=bytes.fromhex(k), opc=bytes.fromhex(opc)))
    result = importer.run(captures / name)
    paths = importer.write(result, out, request.param)
    assert len(paths) == 1
    header, records = _load(Path(paths[0]))
    return CAPTURES[request.param], result, header, records


def test_supi_comes_out_as_the_readme_says(imported):
    (_, supi, *_), _, header, _ = imported
    assert header["ue"]["supi"] == supi


def test_serving_plmn_is_the_visited_one(imported):
    """TS 33.501 6.1.1.4 / docs/keys.md: the SNN names the serving PLMN (001/01 when roaming)."""
    (_, _, _, _, plmn, *_), _, header, _ = imported
    assert (header["serving_plmn"]["mcc"], header["serving_plmn"]["mnc"]) == plmn


def test_roaming_trace_keeps_the_home_plmn_for_the_a_kid_realm(captures, tmp_path):
    importer = Importer(ImportOptions())
    result = importer.run(captures / CAPTURES["open5gs"][0])
    header = result.traces[0].header
    assert header["ue"]["home_plmn"] == {"mcc": "999", "mnc": "70"}
    assert header["serving_plmn"] == {"mcc": "001", "mnc": "01"}


def test_res_star_recomputed_from_k_opc_and_the_trace_equals_the_ues(imported):
    """TS 33.501 A.4: RES* from K/OPc, the trace's RAND/AUTN and SNN equals the UE's."""
    (_, _, k, opc, _, _, res_star, _), _, header, records = imported
    k, opc = bytes.fromhex(k), bytes.fromhex(opc)
    snn = aka.serving_network_name(header["serving_plmn"]["mcc"], header["serving_plmn"]["mnc"])
    req = next(r for r in records if r.get("msg") == "authentication_request")
    rsp = next(r for r in records if r.get("msg") == "authentication_response")
    rand, autn = bytes.fromhex(req["rand"]), bytes.fromhex(req["autn"])
    ak = milenage(k, opc, rand).ak
    sqn = bytes(a ^ b for a, b in zip(autn[:6], ak, strict=True))
    m = milenage(k, opc, rand, sqn, autn[6:8])
    assert aka.res_star(m.ck, m.ik, snn, rand, m.res).hex() == rsp["res_star"] == res_star


def test_header_sqn_ms_makes_the_first_accepted_sqn_fresh(imported):
    """docs/trace-format.md: replay's USIM uses the delta rule from ue.sqn_ms."""
    (_, _, k, opc, *_), _, header, records = imported
    req = next(r for r in records if r.get("msg") == "authentication_request")
    rand, autn = bytes.fromhex(req["rand"]), bytes.fromhex(req["autn"])
    check = aka.verify_autn(
        bytes.fromhex(k), bytes.fromhex(opc), rand, autn, bytes.fromhex(header["ue"]["sqn_ms"])
    )
    assert check.cause is None


def test_named_nia2_macs_verify_and_none_fails(imported):
    """TS 33.501 6.4.3 / D.3: 128-NIA2 with BEARER 1 over (SQN octet || message)."""
    (*_, macs, _, smc_mac), result, _, records = imported
    assert result.counts["nia_failed"] == 0
    assert result.counts["nia_verified"] >= macs
    smc = next(r for r in records if r.get("msg") == "security_mode_command")
    assert smc["pdu"][4:12] == smc_mac


def test_a_session_starts_with_power_on_and_register_before_the_registration(imported):
    """docs/trace-format.md: `ue power_on` and `ue register` just before the first REGISTRATION
    REQUEST, and no `dl` before `power_on`."""
    _, _, _, records = imported
    assert [r.get("op") for r in records[:2]] == ["power_on", "register"]
    assert records[2]["msg"] == "registration_request" and records[2]["kind"] == "ul"
    ts = [r["t"] for r in records]
    assert ts == sorted(ts) and ts[0] == 0.0


def test_every_message_keeps_its_captured_pdu(imported):
    _, result, _, records = imported
    msgs = [r for r in records if r["kind"] in ("dl", "ul")]
    assert len(msgs) == result.counts["nas_pdus"]
    assert all("pdu" in r for r in msgs)


def test_switch_off_deregistration_is_announced_to_the_model(captures, tmp_path):
    """The open5gs UE switches off on a new NGAP connection, found again by its 5G-GUTI."""
    importer = Importer(ImportOptions())
    result = importer.run(captures / CAPTURES["open5gs"][0])
    assert result.counts["ues"] == 1
    recs = list(result.traces[0].records)
    i = next(i for i, r in enumerate(recs) if r.get("msg") == "deregistration_request")
    assert recs[i - 1] == {"t": recs[i]["t"], "kind": "ue", "op": "deregister", "switch_off": True}
    assert recs[i]["switch_off"] is True


def test_without_keys_nea0_messages_still_decode(captures):
    importer = Importer(ImportOptions())
    result = importer.run(captures / CAPTURES["oai"][0])
    assert result.counts["decoded"] == result.counts["nas_pdus"]
    assert result.counts["nia_verified"] == 0 and result.counts["nia_unchecked"] > 0
    assert "k" not in result.traces[0].header["ue"]


def test_cli_writes_traces_and_report(captures, tmp_path, capsys):
    name, supi, k, opc, *_ = CAPTURES["oai"]
    report = tmp_path / "report.json"
    rc = main(
        [
            "import",
            str(captures / name),
            "-o",
            str(tmp_path / "out"),
            "--k",
            k,
            "--opc",
            opc,
            "--report",
            str(report),
        ]
    )
    assert rc == 0
    data = orjson.loads(report.read_bytes())
    for key in (
        "ues",
        "nas_pdus",
        "decoded",
        "auth_requests",
        "auth_responses",
        "auth_failures",
        "nia_verified",
        "nia_failed",
        "nia_unsupported",
        "deciphered",
        "undecipherable",
    ):
        assert isinstance(data[key], int)
    assert data["ues"] == 1 and data["nia_failed"] == 0
    assert "nia_verified=" in capsys.readouterr().out
    assert (tmp_path / "out" / f"capture-{Path(name).stem}-{supi}.jsonl").is_file()


def test_committed_traces_match_what_the_importer_writes(captures, tmp_path):
    """traces/capture-*.jsonl are this importer's output, byte for byte, strict JSON Lines:
    `ue-stack import CAPTURE -o traces --keys keys.csv --embed-keys --expect --akma-probe
    all` (traces/README.md)."""
    root = Path(__file__).resolve().parents[2] / "traces"
    committed = sorted(root.glob("capture-*.jsonl"))
    assert committed
    for key, (name, supi, k, opc, *_rest) in CAPTURES.items():
        del key
        importer = Importer(ImportOptions(
            keys={supi: (bytes.fromhex(k), bytes.fromhex(opc))}, embed_keys=True, expect=True,
            akma_probe="all"))
        result = importer.run(captures / name)
        for path in importer.write(result, tmp_path, Path(name).stem):
            assert (root / Path(path).name).read_bytes() == Path(path).read_bytes()
    # the concealed-SUCI capture, imported as from a real phone: without keys
    name = "gnbsim-free5gc-suci-scheme1.json"
    importer = Importer(ImportOptions(expect=True, akma_probe="all"))
    (path,) = importer.write(importer.run(captures / name), tmp_path, Path(name).stem)
    assert (root / Path(path).name).read_bytes() == Path(path).read_bytes()
    for path in committed:
        for line in path.read_bytes().splitlines():
            orjson.loads(line)  # strict JSON Lines: no // annotations
