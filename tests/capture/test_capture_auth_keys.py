"""``--keys`` rows per authentication (docs/keys.md): ``supi,rand,kausf`` (or ``kseaf``, or
``kamf`` with ``abba``) — keys a lab logged in the network, where the USIM's K is unknown —
verify MACs and decipher exactly as much of a capture as K/OPc does (TS 33.501 A.6, A.7).

Each row is derived here from the published credentials of tests/data/captures by the key
chain of TS 33.501 Annex A (KAUSF from CK/IK), so the test compares two routes to the same
KAMF: the importer never sees K/OPc on the per-RAND route."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.crypto import aka
from ue_stack.crypto.milenage import milenage

from .pcapgen import reprotected_gnbsim

KEYS = {  # tests/data/captures/keys.csv
    "208950000000031": ("0c0a34601d4f07677303652c0462535b", "63bfa50ee6523365ff14c1f45f88737d"),
    "999700000021309": ("465b5ce8b199b49faa5f0a2ee238a6bc", "e8ed289deba952e4283b54e88e6183ca"),
    "208930123456789": ("8baf473f2f8fd09487cccbd7097c6862", "8e27b6af0e692e750f32667a3b14605d"),
}
CAPTURES = ["oai-registration-nia2.pcap", "open5gs-roaming-hr-nia2.pcapng",
            "gnbsim-free5gc-ngap.json", "gnbsim-nea1-nia1.json"]
COUNTS = ("nia_verified", "nia_failed", "deciphered", "undecipherable", "decoded")
GNBSIM_KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")


def _capture(captures: Path, name: str, tmp_path: Path) -> Path:
    if name != "gnbsim-nea1-nia1.json":
        return captures / name
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    path = tmp_path / name
    path.write_bytes(orjson.dumps(reprotected_gnbsim(doc, GNBSIM_KAMF, nea=1, nia=1)))
    return path


def _import(capture: Path, out: Path, keys: Path) -> tuple[dict, list[dict]]:
    out.mkdir(parents=True, exist_ok=True)
    report = out / "import.json"
    assert main(["import", str(capture), "-o", str(out), "--keys", str(keys), "--expect",
                 "--report", str(report)]) == 0
    data = orjson.loads(report.read_bytes())
    (trace,) = data["traces"]
    return data, [orjson.loads(line) for line in Path(trace).read_bytes().splitlines()]


def _rows(records: list[dict], kind: str) -> str:
    """The per-RAND key file a network-side log would give for these authentications."""
    header, *rest = records
    supi = header["ue"]["supi"]
    k, opc = (bytes.fromhex(x) for x in KEYS[supi])
    snn = aka.serving_network_name(header["serving_plmn"]["mcc"], header["serving_plmn"]["mnc"])
    lines = {"kausf": "supi,rand,kausf", "kseaf": "supi,rand,kseaf",
             "kamf": "supi,rand,kamf,abba"}[kind]
    for r in rest:
        if r.get("msg") != "authentication_request":
            continue
        rand, autn = bytes.fromhex(r["rand"]), bytes.fromhex(r["autn"])
        m = milenage(k, opc, rand)
        kausf = aka.k_ausf(m.ck, m.ik, snn, autn[:6])
        kseaf = aka.k_seaf(kausf, snn)
        value = {"kausf": kausf, "kseaf": kseaf,
                 "kamf": aka.k_amf(kseaf, supi, bytes.fromhex(r["abba"]))}[kind].hex()
        lines += f"\n{supi},{r['rand']},{value}" + (f",{r['abba']}" if kind == "kamf" else "")
    return lines + "\n"


@pytest.mark.parametrize("kind", ["kausf", "kseaf", "kamf"])
@pytest.mark.parametrize("name", CAPTURES)
def test_keys_per_rand_verify_and_decipher_as_much_as_k_and_opc(
    captures, tmp_path, name, kind
):
    capture = _capture(captures, name, tmp_path)
    with_k, records = _import(capture, tmp_path / "k", captures / "keys.csv")
    per_rand = tmp_path / f"{kind}.csv"
    per_rand.write_text(_rows(records, kind))
    with_rows, _ = _import(capture, tmp_path / kind, per_rand)
    assert with_k["nia_verified"] > 0
    assert {c: with_rows[c] for c in COUNTS} == {c: with_k[c] for c in COUNTS}
    notes = " ".join(p["problem"] for p in with_rows["problems"])
    assert "no keys for" not in notes
    assert records[1:] and per_rand.read_text().split("\n")[1].split(",")[2] not in (
        (tmp_path / kind).joinpath(Path(with_rows["traces"][0]).name).read_text())


def test_without_any_key_nothing_verifies(captures, tmp_path):
    """The control: the same capture with a per-RAND file for another RAND verifies nothing."""
    other = tmp_path / "other.csv"
    other.write_text("supi,rand,kausf\n208950000000031," + "00" * 16 + "," + "11" * 32 + "\n")
    data, _ = _import(captures / CAPTURES[0], tmp_path / "o", other)
    assert data["nia_verified"] == 0
    assert any("no keys for" in p["problem"] for p in data["problems"])


BAD = [
    ("supi,rand,kausf,extra\n", 1, None),
    ("supi,rand,kausf\n20895000000003x,{r},{k}\n", 2, "supi"),
    ("supi,rand,kausf\n208950000000031,{r}00,{k}\n", 2, "rand"),
    ("supi,rand,kseaf\n208950000000031,{r},{k}0\n", 2, "kseaf"),
    ("supi,rand,kamf,abba\n208950000000031,{r},{k},00\n", 2, "abba"),
    ("supi,rand,kausf\n208950000000031,{r},{k}\n208950000000031,{r},{k}\n", 3, "rand"),
    ("supi,rand,kausf\n208950000000031,{r}\n", 2, None),
]


@pytest.mark.parametrize(("text", "line", "field"), BAD)
def test_a_bad_per_rand_row_exits_2_naming_line_and_column_never_the_key(
    captures, tmp_path, capsys, text, line, field
):
    key = "ab" * 32
    path = tmp_path / "keys.csv"
    path.write_text(text.format(r="cd" * 16, k=key))
    argv = ["import", str(captures / CAPTURES[0]), "-o", str(tmp_path / "o"), "--keys", str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"{path}:{line}" in err
    assert field is None or f"'{field}'" in err
    assert key not in err
