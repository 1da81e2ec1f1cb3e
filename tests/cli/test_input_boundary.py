"""Every input is read at one boundary (ue_stack/inputs.py, docs/README.md): regular files
only — a FIFO, a character device (/dev/zero), a folder given as a file is one line, exit
2, never a hang — read with a bound per line and per file named in the error, so a sparse
file costs a bounded read; and ``-`` reads a trace, a log or a capture from standard
input, bounded likewise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ue_stack.limits import MAX_DOC_BYTES, MAX_LINE_BYTES

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "traces" / "happy-path.jsonl"
CAPTURE = ROOT / "tests" / "data" / "captures" / "oai-registration-nia2.pcap"

# what the file stands for -> the argv with FILE in its place
ROLES = {
    "trace": ["replay", "FILE"],
    "exchange log": ["check", "FILE"],
    "scenario": ["simulate", "FILE"],
    "keys file": ["replay", str(TRACE), "--keys", "FILE"],
    "capture": ["import", "FILE", "-o", "OUT"],
    "property file": ["replay", str(TRACE), "--property", "FILE"],
    "home network key file": ["replay", str(TRACE), "--hn-key", "FILE"],
}


def _run(argv: list[str], tmp_path: Path, stdin: bytes | None = None) -> tuple[int, str]:
    """The CLI in a child process with a time limit: blocking forever fails the test."""
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    done = subprocess.run([sys.executable, "-m", "ue_stack", *argv], input=stdin,
                          capture_output=True, timeout=60, check=False,
                          stdin=None if stdin is not None else subprocess.DEVNULL)
    return done.returncode, done.stderr.decode()


def _one_line(status: int, err: str) -> str:
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


# a folder of traces or logs is a valid input (its *.jsonl): a folder only where a file is
SPECIAL = [(role, special) for role in ROLES for special in ("a FIFO", "/dev/zero", "a folder")
           if not (special == "a folder" and role in ("trace", "exchange log"))]


@pytest.mark.parametrize(("role", "special"), SPECIAL)
def test_a_special_file_is_refused_in_one_line_without_blocking(tmp_path, role, special):
    if special == "a FIFO":
        path = tmp_path / "fifo"
        os.mkfifo(path)  # no writer: opening it for reading would block
    elif special == "/dev/zero":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "folder.toml"
        path.mkdir()
    argv = [str(path) if a == "FILE" else a for a in ROLES[role]]
    err = _one_line(*_run(argv, tmp_path))
    assert "not a regular file" in err and str(path) in err


@pytest.mark.parametrize("role", ROLES)
def test_a_sparse_file_is_refused_at_its_bound_without_being_read_whole(tmp_path, role):
    sparse = tmp_path / "sparse"
    with open(sparse, "wb") as f:  # all zeros, no newline, no disk blocks
        f.truncate(max(MAX_DOC_BYTES, MAX_LINE_BYTES) * 2 + 1)
    argv = [str(sparse) if a == "FILE" else a for a in ROLES[role]]
    err = _one_line(*_run(argv, tmp_path))
    assert "sparse" in err
    assert "limits.MAX_" in err or role == "capture"  # a capture: refused by its magic


def test_a_trace_from_standard_input(tmp_path):
    status, err = _run(["replay", "-", "--log", str(tmp_path / "log.jsonl")], tmp_path,
                       TRACE.read_bytes())
    assert status == 0, err
    assert (tmp_path / "log.jsonl").stat().st_size > 0


def test_a_log_from_standard_input(tmp_path):
    log = tmp_path / "log.jsonl"
    assert _run(["replay", str(TRACE), "--log", str(log)], tmp_path)[0] == 0
    status, err = _run(["check", "-"], tmp_path, log.read_bytes())
    assert status == 0, err


def test_a_capture_from_standard_input(tmp_path):
    status, err = _run(["import", "-", "-o", str(tmp_path / "out")], tmp_path,
                       CAPTURE.read_bytes())
    assert status == 0, err
    assert list((tmp_path / "out").glob("*.jsonl"))


def test_an_overlong_line_on_standard_input_is_named_as_stdin(tmp_path):
    status, err = _run(["replay", "-"], tmp_path, b" " * (MAX_LINE_BYTES + 10))
    assert "<stdin>:1" in _one_line(status, err) and "MAX_LINE_BYTES" in err


def test_standard_input_is_read_once(tmp_path):
    err = _one_line(*_run(["replay", "-", "-"], tmp_path, b""))
    assert "only once" in err
