"""An output that cannot be written is unusable input (FORMATS.md 5): exit status 2, one
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
    """FORMATS.md 5: 'an output file that cannot be written is unusable input (exit 2,
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
