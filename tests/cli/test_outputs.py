"""An output that cannot be written is unusable input (docs/README.md): exit status 2, one
stderr line naming the file, nothing on stdout, never a traceback — for every output
option of every command, whether the open fails (a missing folder, a path under a file)
or a later write does (a full disk, ``/dev/full``). What was written before stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRACE = str(ROOT / "traces" / "happy-path.jsonl")


def _bad_paths(tmp_path: Path) -> dict[str, str]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {
        "missing folder": str(tmp_path / "no-such-folder" / "out"),
        "under a file": str(a_file / "out"),
        "full disk": "/dev/full",
        "a folder": str(tmp_path),
    }


def _a_log(tmp_path: Path) -> str:
    log = tmp_path / "good.xlog.jsonl"
    assert main(["replay", TRACE, "--log", str(log)]) == 0
    return str(log)


COMMANDS = {
    "replay --log": lambda tmp, bad: ["replay", TRACE, "--log", bad],
    "replay --report": lambda tmp, bad: ["replay", TRACE, "--report", bad],
    "replay --diagram": lambda tmp, bad: ["replay", TRACE, "--diagram", bad],
    "replay --pcap": lambda tmp, bad: ["replay", TRACE, "--pcap", bad],
    "simulate --pcap": lambda tmp, bad: ["simulate", "happy-path", "--pcap", bad],
    "simulate --log": lambda tmp, bad: ["simulate", "happy-path", "--log", bad],
    "simulate --report": lambda tmp, bad: ["simulate", "happy-path", "--report", bad],
    "simulate --diagram": lambda tmp, bad: ["simulate", "happy-path", "--diagram", bad],
    "simulate --record": lambda tmp, bad: ["simulate", "happy-path", "--record", bad],
    "check --report": lambda tmp, bad: ["check", _a_log(tmp), "--report", bad],
    "check --diagram": lambda tmp, bad: ["check", _a_log(tmp), "--diagram", bad],
}


@pytest.mark.parametrize("case", ["missing folder", "under a file", "full disk", "a folder"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_output_that_cannot_be_written_exits_2_with_one_line_naming_it(
        tmp_path, capsys, command, case):
    """docs/README.md: 'an output file that cannot be written is unusable input (exit 2,
    one line naming the file), never a traceback'."""
    bad = _bad_paths(tmp_path)[case]
    argv = COMMANDS[command](tmp_path, bad)
    capsys.readouterr()
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert bad in err and "Traceback" not in err
    assert f"field '{command.split()[1]}'" in err


def test_what_was_logged_before_a_report_fails_stays_on_disk(tmp_path, capsys):
    log = tmp_path / "x.xlog.jsonl"
    assert main(["replay", TRACE, "--log", str(log), "--report", "/dev/full"]) == 2
    lines = log.read_text().splitlines()
    assert lines and all(json.loads(line)["seq"] for line in lines)


CAPTURE = str(ROOT / "tests" / "data" / "captures" / "gnbsim-free5gc-ngap.json")


@pytest.mark.parametrize("case", ["missing folder", "under a file", "full disk", "a folder"])
def test_import_whose_report_cannot_be_written_leaves_no_trace_that_looks_complete(
        tmp_path, capsys, case):
    """docs/report.md: exit 2 writes nothing to stdout and no trace that pretends to be
    complete — traces get their names only once the report is on disk."""
    bad = _bad_paths(tmp_path)[case]
    outdir = tmp_path / "out"
    assert main(["import", CAPTURE, "-o", str(outdir), "--report", bad]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and bad in err
    assert "field '--report'" in err
    assert not list(outdir.glob("*.jsonl"))


@pytest.mark.parametrize("case", ["under a file", "full disk"])
def test_import_into_a_folder_that_cannot_be_made_exits_2(tmp_path, capsys, case):
    """-o creates a missing folder (with its parents); one it cannot make is exit 2."""
    bad = _bad_paths(tmp_path)[case] + "/out"
    assert main(["import", CAPTURE, "-o", bad]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "field '-o'" in err and "Traceback" not in err


def test_import_writes_complete_traces_under_their_names(tmp_path):
    outdir = tmp_path / "out"
    assert main(["import", CAPTURE, "-o", str(outdir), "--report", str(tmp_path / "r.json")]) == 0
    assert [p.suffix for p in outdir.iterdir()] == [".jsonl"]
