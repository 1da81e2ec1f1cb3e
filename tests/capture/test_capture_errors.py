"""Bad input to `ue-stack import`: exit 2 with one line naming what is wrong, never a
traceback (issue 7; docs/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ue_stack.cli import main

from . import pcapgen as g

GNBSIM = "gnbsim-free5gc-ngap.json"


def _run(capsys, *argv: str) -> tuple[int, str]:
    rc = main(["import", *argv])
    err = capsys.readouterr().err
    return rc, err


def test_not_a_capture_exits_2_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "notes.pcap"
    bad.write_text("this is not a capture")
    rc, err = _run(capsys, str(bad), "-o", str(tmp_path))
    assert rc == 2 and "notes.pcap" in err and "not a pcap" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_capture_without_ngap_exits_2(tmp_path, capsys):
    frame = g.ethernet(g.sctp_ip([g.data_chunk(b"\x01\x02", 1, ppid=46)]))
    path = tmp_path / "diameter.pcap"
    path.write_bytes(g.pcap([frame]))
    rc, err = _run(capsys, str(path), "-o", str(tmp_path))
    assert rc == 2 and "no NGAP" in err


def test_truncated_capture_imports_what_it_has_and_says_where_it_ends(captures, tmp_path, capsys):
    data = (captures / "oai-registration-nia2.pcap").read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[: len(data) // 2])
    rc, err = _run(
        capsys, str(path), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r.json")
    )
    assert rc == 1 and "truncated" in err
    assert "truncated" in (tmp_path / "r.json").read_text()


def test_wrong_keys_exit_2_and_the_trace_carries_no_keys(captures, tmp_path, capsys):
    out = tmp_path / "out"
    rc, err = _run(
        capsys, str(captures / GNBSIM), "-o", str(out), "--k", "00" * 16, "--opc", "11" * 16
    )
    assert rc == 2 and "wrong keys" in err
    (trace,) = list(out.glob("*.jsonl"))
    assert '"k":' not in trace.read_text()


@pytest.mark.parametrize(
    "argv, field",
    [
        (["--k", "zz"], "--k"),
        (["--k", "00" * 15, "--opc", "00" * 16], "--k"),
        (["--k", "00" * 16], "--k"),
        (["--mcc", "001"], "--mcc"),
        (["--mcc", "1", "--mnc", "01"], "--mcc"),
        (["--supi", "abc"], "--supi"),
    ],
)
def test_bad_options_exit_2_naming_the_option(tmp_path, capsys, argv, field):
    rc, err = _run(capsys, str(tmp_path / "x.pcap"), "-o", str(tmp_path), *argv)
    assert rc == 2 and field in err


def test_missing_file_exits_2(tmp_path, capsys):
    rc, err = _run(capsys, str(tmp_path / "absent.pcapng"), "-o", str(tmp_path))
    assert rc == 2 and "absent.pcapng" in err


def test_op_is_accepted_in_place_of_opc(captures, tmp_path, capsys):
    """--op computes OPc (TS 35.206): with the wrong OP the keys do not fit."""
    rc, err = _run(
        capsys,
        str(captures / GNBSIM),
        "-o",
        str(tmp_path),
        "--k",
        "8baf473f2f8fd09487cccbd7097c6862",
        "--op",
        "00" * 16,
    )
    assert rc == 2 and "wrong keys" in err
    assert Path(tmp_path).is_dir()
