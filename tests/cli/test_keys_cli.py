"""``ue-stack keys`` (docs/README.md): the calculator reproduces every chain vector,
builds or verifies AUTS, does EAP-AKA', and turns bad input into exit 2 with one line on
stderr naming the option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ue_stack.cli import main
from ue_stack.commands.keys import OUTPUT_ORDER
from ue_stack.crypto import akma, milenage, res_star

CHAINS_FILE = Path(__file__).resolve().parents[1] / "data" / "vectors" / "5g-aka-akma-chains.json"
CHAINS = json.loads(CHAINS_FILE.read_text())["chains"]

# The pycrate AuC chain (tests/data/vectors), inlined where a test names its values.
PYCRATE = {
    "k": "0123456789abcdef0123456789abcdef",
    "opc": "e61f7be621ff52a5e55de40eb8711adc",
    "rand": "00000000000000000000000000000000",
    "sqn": "000000000002",
    "supi": "001010000000001",
}
PYCRATE_ARGS = [f"--{name}={value}" for name, value in PYCRATE.items()]
SNN_001_01 = "5G:mnc001.mcc001.3gppnetwork.org"
PYCRATE_RES_STAR = "0259533464dbbccf61ab9c8adacfac52"
PYCRATE_KAUSF = "aa6c3468005782bd1ff69183d2cc038ddd6b37f6cef869d8d3a91b8cbac90de9"


def keys(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict | None, list[str]]:
    """Run ``ue-stack keys`` in-process: (exit status, parsed stdout or None, stderr lines)."""
    status = main(["keys", *argv])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else None
    return status, out, captured.err.splitlines()


def _chain_argv(chain: dict) -> list[str]:
    argv = [f"--{name}={value}" for name, value in chain["inputs"].items()]
    return argv + [f"--af={af}" for af in chain["outputs"]["k_af"]]


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c["name"])
def test_keys_reproduces_every_output_of_every_chain_vector(capsys, chain: dict) -> None:
    """docs/README.md: with a chain's inputs, every output of tests/data/vectors comes out under
    its docs/keys.md name (k_af keyed by FQDN:UAID), plus the A-KID; nothing else."""
    status, out, err = keys(capsys, *_chain_argv(chain))
    assert status == 0 and err == []
    assert out is not None
    assert {name: out[name] for name in chain["outputs"]} == chain["outputs"]
    assert set(out) == set(chain["outputs"]) | {"a_kid"}


def test_output_names_come_in_the_formats_md_order(capsys) -> None:
    _, out, _ = keys(
        capsys, *PYCRATE_ARGS, "--mcc=001", "--mnc=01", "--nia=2", "--nea=0",
        "--af=af.example.com:0100000007", "--sqn-ms=000000000001",
    )
    names = list(out)
    assert names == [name for name in OUTPUT_ORDER if name in names]
    assert {"k_nas_int", "k_nas_enc", "auts", "a_kid"} <= set(names)


def test_mcc_mnc_build_the_snn_with_a_padded_mnc(capsys) -> None:
    """TS 24.501 9.12.1: --mcc 001 --mnc 01 is SNN 5G:mnc001.mcc001.3gppnetwork.org."""
    _, by_plmn, _ = keys(capsys, *PYCRATE_ARGS, "--mcc=001", "--mnc=01")
    _, by_snn, _ = keys(capsys, *PYCRATE_ARGS, f"--snn={SNN_001_01}")
    assert by_plmn["res_star"] == by_snn["res_star"] == PYCRATE_RES_STAR
    assert by_plmn["k_ausf"] == PYCRATE_KAUSF
    assert by_plmn == by_snn


def test_snn_is_used_verbatim_even_when_odd(capsys) -> None:
    """docs/trace-format.md and docs/README.md: some real cores send odd names; --snn is never
    normalised, and it wins over --mcc/--mnc for the keys."""
    odd = "5G:mnc01.mcc001.3gppnetwork.org"
    status, out, _ = keys(capsys, *PYCRATE_ARGS, f"--snn={odd}", "--mcc=001", "--mnc=01")
    assert status == 0
    m = milenage(bytes.fromhex(PYCRATE["k"]), bytes.fromhex(PYCRATE["opc"]), bytes(16))
    assert out["res_star"] == res_star(m.ck, m.ik, odd, bytes(16), m.res).hex()
    assert out["res_star"] != PYCRATE_RES_STAR
    # the PLMN still names the A-KID realm
    assert out["a_kid"].endswith("@5gc.mnc001.mcc001.3gppnetwork.org")


def test_a_kid_is_omitted_with_a_note_when_no_plmn_is_known(capsys) -> None:
    """docs/keys.md A-KID needs the home PLMN; an odd --snn alone names none."""
    status, out, err = keys(capsys, *PYCRATE_ARGS, "--snn=internet.example")
    assert status == 0
    assert "k_akma" in out and "a_tid" in out and "a_kid" not in out
    assert len(err) == 1 and "a_kid" in err[0] and "--home-mcc" in err[0]


def test_a_kid_realm_is_parsed_from_a_well_formed_snn(capsys) -> None:
    _, out, _ = keys(capsys, *PYCRATE_ARGS, f"--snn={SNN_001_01}", "--rid=12")
    a_tid = bytes.fromhex(out["a_tid"])
    assert out["a_kid"] == akma.a_kid("12", a_tid, "001", "001")
    assert out["a_kid"].startswith("rid12.atid")


def test_a_kid_realm_defaults_to_the_serving_plmn_and_follows_the_home_plmn(capsys) -> None:
    """docs/README.md: --home-mcc/--home-mnc name the A-KID realm, default the serving PLMN
    (the roaming capture: serving 001/01, home 999/70)."""
    _, serving, _ = keys(capsys, *PYCRATE_ARGS, "--mcc=001", "--mnc=01")
    _, home, _ = keys(
        capsys, *PYCRATE_ARGS, "--mcc=001", "--mnc=01", "--home-mcc=999", "--home-mnc=70"
    )
    assert serving["a_kid"].endswith("@5gc.mnc001.mcc001.3gppnetwork.org")
    assert home["a_kid"].endswith("@5gc.mnc070.mcc999.3gppnetwork.org")
    assert serving["k_ausf"] == home["k_ausf"]  # the realm is not a KDF input


def test_op_gives_opc_and_milenage_outputs_of_ts35208_set1(capsys) -> None:
    """TS 35.208 test set 1 from OP: OPc is computed and printed."""
    status, out, _ = keys(
        capsys, "--k=465b5ce8b199b49faa5f0a2ee238a6bc", "--op=cdc202d5123e20f62b6d676ac72cb318",
        "--rand=23553cbe9637a89d218ae64dae47bf35", "--sqn=ff9bb4d0b607", "--amf=b9b9",
    )
    assert status == 0
    assert out == {
        "opc": "cd63cb71954a9f4e48a5994e37a02baf",
        "mac_a": "4a9ffac354dfafb3",
        "mac_s": "01cfaf9ec4e871e9",
        "res": "a54211d5e3ba50bf",
        "ck": "b40ba9a3c58b2a05bbf0d987b21bf8cb",
        "ik": "f769bcd751044604127672711c6d3441",
        "ak": "aa689c648370",
        "ak_star": "451e8beca43b",
        "autn": out["autn"],
    }
    assert out["autn"] == "55f328b43577b9b94a9ffac354dfafb3"  # (SQN xor AK) || AMF || MAC-A


def test_hex_input_is_case_insensitive_and_output_lowercase(capsys) -> None:
    """docs/README.md: hex is case-insensitive in what we read, lowercase in what we write."""
    upper = [f"--{name}={value.upper()}" for name, value in PYCRATE.items()]
    _, out, _ = keys(capsys, *upper, f"--snn={SNN_001_01}")
    assert out["k_ausf"] == PYCRATE_KAUSF
    hex_values = [v for name, v in out.items() if isinstance(v, str) and name != "a_kid"]
    assert hex_values and all(value == value.lower() for value in hex_values)


def test_sqn_ms_builds_an_auts_that_auts_verifies(capsys) -> None:
    """TS 33.102 6.3.3 / 6.3.5: --sqn-ms prints AUTS; --auts recovers that SQN_MS and
    prints mac_s_ok as a JSON boolean; a corrupted AUTS gives false."""
    base = ["--k", PYCRATE["k"], "--opc", PYCRATE["opc"], "--rand", PYCRATE["rand"]]
    _, built, _ = keys(capsys, *base, "--sqn-ms=00000000abcd")
    auts = built["auts"]
    assert len(auts) == 28
    _, verified, _ = keys(capsys, *base, f"--auts={auts}")
    assert verified["sqn_ms"] == "00000000abcd" and verified["mac_s_ok"] is True
    bad = auts[:-1] + ("0" if auts[-1] != "0" else "1")
    _, rejected, _ = keys(capsys, *base, f"--auts={bad}")
    assert rejected["mac_s_ok"] is False


def test_keys_computes_for_any_amf(capsys) -> None:
    """docs/README.md: the separation-bit check belongs to the UE model, not the calculator."""
    status, out, _ = keys(capsys, *PYCRATE_ARGS, f"--snn={SNN_001_01}", "--amf=0000")
    assert status == 0 and out["autn"][12:16] == "0000"
    assert out["mac_a"] != "b29c0af4e58a1078"  # the AMF 8000 MAC-A of the pycrate chain
    # KAUSF takes SQN xor AK, not the AMF (TS 33.501 A.2)
    assert out["k_ausf"] == PYCRATE_KAUSF


def test_nas_keys_follow_nia_and_nea(capsys) -> None:
    """TS 33.501 A.8: free5GC capture chain, NIA2 -> the K_NAS_int of docs/keys.md."""
    (chain,) = [c for c in CHAINS if c["name"] == "capture-gnbsim-free5gc"]
    argv = [f"--{name}={value}" for name, value in chain["inputs"].items()]
    _, out, _ = keys(capsys, *argv, "--nia=2", "--nea=0")
    assert out["k_nas_int"] == "f2e93ce1fd9389e1f40a200c3b3462ad"
    assert len(out["k_nas_enc"]) == 32


def test_requested_outputs_without_their_inputs_are_omitted_with_a_note(capsys) -> None:
    """docs/README.md: outputs appear where their inputs were given; a requested one that
    cannot be computed is noted on stderr, and the rest still comes out (exit 0)."""
    status, out, err = keys(
        capsys, "--k", PYCRATE["k"], "--opc", PYCRATE["opc"], "--rand", PYCRATE["rand"],
        "--sqn", PYCRATE["sqn"], f"--snn={SNN_001_01}", "--nia=2", "--af=a.example:0100000007",
    )
    assert status == 0
    assert out["k_ausf"] == PYCRATE_KAUSF
    assert not {"k_amf", "k_nas_int", "k_akma", "k_af", "a_kid"} & set(out)
    assert len(err) == 2 and all("--supi" in line for line in err)


def test_without_sqn_only_the_sqn_free_outputs_appear(capsys) -> None:
    status, out, _ = keys(
        capsys, "--k", PYCRATE["k"], "--opc", PYCRATE["opc"], "--rand", PYCRATE["rand"],
        f"--snn={SNN_001_01}",
    )
    assert status == 0
    assert set(out) == {"res", "ck", "ik", "ak", "ak_star", "res_star", "hxres_star"}


SET19 = [
    "--k=5122250214c33e723a5dd523fc145fc0", "--opc=981d464c7c52eb6e5036234984ad0bcf",
    "--rand=81e92b6c0ee0e12ebceba8d92a99dfa5", "--sqn=16f3b3f70fc2", "--amf=c3ab",
]


def test_eap_aka_prime_from_k_reproduces_rfc5448_case1(capsys) -> None:
    """RFC 5448 Appendix C case 1 (TS 35.208 set 19, network name "WLAN", identity
    0555444333222111), end to end from K: CK', IK', EMSK; KAUSF = EMSK[0:32] (TS 33.501
    6.1.3.1) and KSEAF etc. below it; no RES* in EAP-AKA'."""
    status, out, _ = keys(
        capsys, *SET19, "--snn=WLAN", "--method=eap-aka-prime",
        "--identity=0555444333222111", "--supi=555444333222111",
    )
    assert status == 0
    assert out["autn"] == "bb52e91c747ac3ab2a5c23d15ee351d5"
    assert out["ck_prime"] == "0093962d0dd84aa5684b045c9edffa04"
    assert out["ik_prime"] == "ccfc230ca74fcc96c0a5d61164f5a76c"
    assert out["emsk"] == (
        "f861703cd775590e16c7679ea3874ada866311de290764d760cf76df647ea01c"
        "313f69924bdd7650ca9bac141ea075c4ef9e8029c0e290cdbad5638b63bc23fb"
    )
    assert out["k_ausf"] == out["emsk"][:64]
    assert {"k_seaf", "k_amf", "k_akma", "a_tid"} <= set(out)
    assert "res_star" not in out and "hxres_star" not in out


def test_eap_aka_prime_without_identity_stops_at_ck_ik_prime(capsys) -> None:
    status, out, err = keys(capsys, *SET19, "--snn=WLAN", "--method=eap-aka-prime")
    assert status == 0
    assert out["ck_prime"] == "0093962d0dd84aa5684b045c9edffa04"
    assert "emsk" not in out and "k_ausf" not in out
    assert len(err) == 1 and "--identity" in err[0]


def test_identity_without_eap_aka_prime_is_ignored_with_a_note(capsys) -> None:
    status, out, err = keys(capsys, *SET19, "--snn=WLAN", "--identity=0555444333222111")
    assert status == 0 and "res_star" in out and "emsk" not in out
    assert len(err) == 1 and "--identity" in err[0]


_CHAIN_INPUTS = ["--k=" + "0" * 32, "--opc=" + "0" * 32, "--rand=" + "0" * 32, "--sqn=" + "0" * 12]

BAD_INPUTS = [
    (["--k=0123"], "--k"),
    (["--k=0123456789abcdef0123456789abcdeg"], "--k"),
    (["--k=0x23456789abcdef0123456789abcdef"], "--k"),
    (["--opc=0123456789abcdef0123456789abcde"], "--opc"),
    (["--op=zz"], "--op"),
    (["--rand=00"], "--rand"),
    (["--sqn=0000000000"], "--sqn"),
    (["--amf=800"], "--amf"),
    (["--abba=00"], "--abba"),
    (["--af=af.example.com"], "--af"),
    (["--af=af.example.com:01000000"], "--af"),
    (["--af=:0100000007"], "--af"),
    (["--sqn-ms=000000000000"], "--sqn-ms"),
    (["--auts=0000000000000000000000000000"], "--auts"),
    (["--rand=" + "0" * 32, "--auts=00"], "--auts"),
    (["--mcc=1", "--mnc=01"], "--mcc"),
    (["--mnc=01"], "--mnc"),
    (["--mcc=001", "--mnc=0001"], "--mnc"),
    (["--home-mcc=999"], "--home-mcc"),
    (["--nia=8"], "--nia"),
    (["--nea=x"], "--nea"),
    (["--rid=12345"], "--rid"),
    (["--supi="], "--supi"),
    (["--snn="], "--snn"),
    (["--method=eap-aka"], "--method"),
    (["--op=" + "0" * 32, "--opc=" + "0" * 32], "--op"),
    (["--sqn-ms=" + "0" * 12, "--auts=" + "0" * 28], "--auts"),
    ([], "--k"),
    (["--k=" + "0" * 32], "--opc"),
    # KDF inputs beyond what TS 33.501 A.1 / TS 24.501 9.11.3.10 allow: a 2-octet KDF
    # length overflowed and the run ended in a traceback
    ([*_CHAIN_INPUTS, "--snn=" + "a" * 70000, "--supi=001010000000001"], "--snn"),
    ([*_CHAIN_INPUTS, "--snn=x", "--supi=nai-" + "a" * 70000 + "@x.org"], "--supi"),
    ([*_CHAIN_INPUTS, "--snn=x", "--supi=001010000000001", "--abba=" + "00" * 256], "--abba"),
    (["--k=" + "0" * 32, "--opc=" + "0" * 32, "--snn=x"], "--rand"),
]


@pytest.mark.parametrize(
    ("argv", "option"), BAD_INPUTS, ids=[" ".join(a)[:40] or "no-options" for a, _ in BAD_INPUTS]
)
def test_bad_input_exits_2_with_one_line_naming_the_option(capsys, argv, option) -> None:
    """docs/README.md: a malformed value, --auts/--sqn-ms without --rand, or nothing to
    compute: exit 2, nothing on stdout, one stderr line naming the option, no traceback."""
    status = main(["keys", *argv])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert option in lines[0]
    assert "Traceback" not in captured.err


def test_a_bad_value_is_not_echoed_to_stderr(capsys) -> None:
    """A mistyped key should not end up in a terminal scrollback or CI log."""
    almost_a_key = "0123456789abcdef0123456789abcdefff"
    main(["keys", f"--k={almost_a_key}"])
    assert almost_a_key not in capsys.readouterr().err


def _console_script() -> Path:
    script = Path(sys.executable).parent / "ue-stack"
    assert script.exists(), "the ue-stack console script is installed next to this python"
    return script


def test_console_script_prints_the_chain_and_exits_0() -> None:
    """The installed ``ue-stack`` entry point, as a user runs it."""
    done = subprocess.run(
        [str(_console_script()), "keys", *PYCRATE_ARGS, "--mcc=001", "--mnc=01",
         "--af=af.example.com:0100000007"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["k_ausf"] == PYCRATE_KAUSF
    assert out["k_af"] == {
        "af.example.com:0100000007":
            "87ace5e9e2bf82b0e89b58a3e318dbc6fe07b8fd2d5d0a8624cd1da4518edec7"
    }
    assert done.stderr == ""


def test_console_script_bad_input_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [str(_console_script()), "keys", "--k=xyz"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "--k" in done.stderr


def test_eap_aka_prime_prints_the_challenge_packets_a_recorded_run_carries(capsys) -> None:
    """docs/README.md ``--method eap-aka-prime --identity``: ``at_res``, the request and
    response packets with their AT_MAC, byte for byte as the simulated AUSF and UE
    exchanged them in traces/sim-eap-aka-prime-happy-path.jsonl (first AV: SQN 0x20)."""
    root = Path(__file__).resolve().parents[2]
    lines = [json.loads(x) for x in
             (root / "traces" / "sim-eap-aka-prime-happy-path.jsonl").read_text().splitlines()
             if x.startswith("{")]
    header = lines[0]
    request = next(r for r in lines if r.get("msg") == "authentication_request")
    response = next(r for r in lines if r.get("msg") == "authentication_response")
    status, out, _ = keys(
        capsys, f"--k={header['ue']['k']}", f"--opc={header['ue']['opc']}",
        f"--rand={request['at_rand']}", "--sqn=000000000020", "--mcc=001", "--mnc=01",
        "--method=eap-aka-prime", f"--identity={header['ue']['supi']}",
        f"--eap-id={request['eap_id']}",
    )
    assert status == 0
    assert out["eap_request"] == request["eap"] and out["at_mac_request"] == request["at_mac"]
    assert out["eap_response"] == response["eap"]
    assert (out["at_res"], out["at_mac_response"]) == (response["at_res"], response["at_mac"])


def test_eap_id_out_of_range_is_a_usage_error(capsys) -> None:
    status, out, err = keys(capsys, *SET19, "--snn=WLAN", "--method=eap-aka-prime",
                            "--identity=x", "--eap-id=256")
    assert status == 2 and out is None and "--eap-id" in err[0]
