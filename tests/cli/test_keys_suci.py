"""``ue-stack keys --suci-profile``: SUCI concealment and de-concealment from the command line
(docs/keys.md), on the TS 33.501 Annex C.4 test data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ue_stack.cli import main

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data/vectors/ts33501-annex-c4-suci.json").read_text()
)
SETS = {v["profile"]: v for v in VECTORS["sets"]}
SUPI = "274012001002086"


def keys(capsys, *argv: str) -> tuple[int, dict | None, list[str]]:
    status = main(["keys", *argv])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else None
    return status, out, captured.err.splitlines()


@pytest.mark.parametrize("profile", ["A", "B"])
def test_keys_conceals_a_supi_to_the_annex_c4_scheme_output(capsys, profile: str) -> None:
    """The MSIN starts after --home-mcc/--home-mnc; the scheme input is the MSIN in BCD."""
    v = SETS[profile]
    status, out, err = keys(
        capsys, f"--supi={SUPI}", f"--suci-profile={profile}",
        f"--hn-public={v['home_network_public_key']}", "--home-mcc=274", "--home-mnc=012",
        "--hn-key-id=27", f"--ephemeral-private={v['ephemeral_private_key']}",
    )
    assert (status, err) == (0, [])
    assert out == {
        "suci": "01722410f0ff" + ("01" if profile == "A" else "02") + "1b" + v["scheme_output"],
        "ephemeral_public": v["ephemeral_public_key"],
        "suci_ciphertext": v["ciphertext"],
        "suci_mac": v["mac_tag"],
    }
    assert v["ephemeral_private_key"] not in json.dumps(out)


@pytest.mark.parametrize("profile", ["A", "B"])
def test_keys_deconceals_what_it_concealed_with_a_random_ephemeral_key(capsys, profile) -> None:
    """Without --ephemeral-private the key is fresh: two runs differ, both de-conceal."""
    v = SETS[profile]
    argv = [f"--supi={SUPI}", f"--suci-profile={profile}", "--mcc=274", "--mnc=012",
            f"--hn-public={v['home_network_public_key']}"]
    sucis = [keys(capsys, *argv)[1]["suci"] for _ in range(2)]
    assert sucis[0] != sucis[1]
    for s in sucis:
        status, out, err = keys(
            capsys, f"--suci-profile={profile}", f"--suci={s}",
            f"--hn-private={v['home_network_private_key']}",
        )
        assert (status, out, err) == (0, {"supi": SUPI}, [])


def test_keys_supi_and_suci_outputs_combine_with_the_key_chain(capsys) -> None:
    """SUCI outputs come after the key chain's, in the order of OUTPUT_ORDER."""
    v = SETS["A"]
    status, out, _ = keys(
        capsys, "--k=" + "00" * 16, "--opc=" + "00" * 16, "--rand=" + "00" * 16,
        f"--supi={SUPI}", "--suci-profile=A", "--mcc=274", "--mnc=012",
        f"--hn-public={v['home_network_public_key']}",
    )
    assert status == 0 and list(out)[-4:] == [
        "suci", "ephemeral_public", "suci_ciphertext", "suci_mac"
    ]


A_PUB = SETS["A"]["home_network_public_key"]
A_PRIV = SETS["A"]["home_network_private_key"]
B_SUCI = "01722410f0ff021b" + SETS["B"]["scheme_output"]
BAD = [
    ([f"--hn-public={A_PUB}"], "--hn-public"),
    (["--suci-profile=A"], "--suci-profile"),
    (["--suci-profile=A", f"--hn-public={A_PUB}", "--mcc=274", "--mnc=012"], "--hn-public"),
    (["--suci-profile=A", f"--hn-public={A_PUB}", f"--supi={SUPI}"], "--hn-public"),
    (["--suci-profile=A", "--hn-public=00", f"--supi={SUPI}", "--mcc=274", "--mnc=012"],
     "--hn-public"),
    (["--suci-profile=A", f"--hn-public={A_PUB}", "--supi=208930000000001", "--mcc=274",
      "--mnc=012"], "--supi"),
    (["--suci-profile=A", f"--hn-public={A_PUB}", f"--supi={SUPI}", "--mcc=274", "--mnc=012",
      "--hn-key-id=256"], "--hn-key-id"),
    (["--suci-profile=A", f"--hn-public={A_PUB}", f"--supi={SUPI}", "--mcc=274", "--mnc=012",
      "--ephemeral-private=00"], "--ephemeral-private"),
    # 32 octets, but not a secp256r1 scalar (>= the group order): the ephemeral key is wrong,
    # not the home network's public key
    (["--suci-profile=B", f"--hn-public={SETS['B']['home_network_public_key']}",
      f"--supi={SUPI}", "--mcc=274", "--mnc=012", "--ephemeral-private=" + "ff" * 32],
     "--ephemeral-private"),
    (["--suci-profile=A", f"--hn-private={A_PRIV}"], "--hn-private"),
    (["--suci-profile=A", f"--suci={B_SUCI}"], "--suci"),
    (["--suci-profile=A", f"--hn-private={A_PRIV}", f"--suci={B_SUCI}"], "--suci"),
    (["--suci-profile=B", f"--hn-private={A_PRIV}", f"--suci={B_SUCI}"], "--suci"),
    (["--suci-profile=B", f"--hn-private={A_PRIV}", "--suci=0102f839214300001032547698"],
     "--suci"),
]


@pytest.mark.parametrize(("argv", "option"), BAD, ids=[o + str(i) for i, (_, o) in enumerate(BAD)])
def test_bad_suci_input_exits_2_naming_the_option_without_echoing_a_key(capsys, argv, option):
    status = main(["keys", *argv])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and option in lines[0], lines
    assert A_PRIV not in captured.err and "Traceback" not in captured.err
