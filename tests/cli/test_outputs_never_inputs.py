"""An output is never one of the run's inputs (docs/README.md, "Outputs"): every output
option of every command that names the same file as an input — by its own name, through
a symbolic link or a hard link — is refused before anything is truncated, with exit
status 2 and one stderr line naming both options, and the input is left byte for byte as
it was. Error lines stay one line whatever a file name holds, and output never crashes on
an encoding that cannot show a character."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "traces" / "happy-path.jsonl"
CAPTURE = ROOT / "tests" / "data" / "captures" / "gnbsim-free5gc-ngap.json"
SCENARIO = ROOT / "ue_stack" / "scenarios" / "happy-path.toml"


def _copy(src: Path, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copyfile(src, dst)
    return dst


def _log(tmp_path: Path) -> Path:
    log = tmp_path / "in.xlog.jsonl"
    assert main(["replay", str(TRACE), "--log", str(log)]) == 0
    return log


def _keys(tmp_path: Path) -> Path:
    keys = tmp_path / "keys.csv"
    keys.write_text("supi,k,opc\n001010000000009,"
                    "465b5ce8b199b49faa5f0a2ee238a6bc,cd63cb71954a9f4e48a5994e37a02baf\n")
    return keys


# case -> (make the input, the argv with OUT standing for the output path, both options)
Case = tuple[Callable[[Path], Path], Callable[[str, str], list[str]], str, str]
CASES: dict[str, Case] = {
    "replay --log over the trace": (
        lambda tmp: _copy(TRACE, tmp, "t.jsonl"),
        lambda inp, out: ["replay", inp, "--log", out], "--log", "TRACE"),
    "replay --report over the trace": (
        lambda tmp: _copy(TRACE, tmp, "t.jsonl"),
        lambda inp, out: ["replay", inp, "--report", out], "--report", "TRACE"),
    "replay --diagram over the trace": (
        lambda tmp: _copy(TRACE, tmp, "t.jsonl"),
        lambda inp, out: ["replay", inp, "--diagram", out], "--diagram", "TRACE"),
    "replay --html over the trace": (
        lambda tmp: _copy(TRACE, tmp, "t.jsonl"),
        lambda inp, out: ["replay", inp, "--html", out], "--html", "TRACE"),
    "replay --pcap over the trace": (
        lambda tmp: _copy(TRACE, tmp, "t.jsonl"),
        lambda inp, out: ["replay", inp, "--pcap", out], "--pcap", "TRACE"),
    "replay --report over the keys CSV": (
        _keys, lambda inp, out: ["replay", str(TRACE), "--keys", inp, "--report", out],
        "--report", "--keys"),
    "simulate --record over the scenario": (
        lambda tmp: _copy(SCENARIO, tmp, "s.toml"),
        lambda inp, out: ["simulate", inp, "--record", out], "--record", "SCENARIO"),
    "simulate --log over the scenario": (
        lambda tmp: _copy(SCENARIO, tmp, "s.toml"),
        lambda inp, out: ["simulate", inp, "--log", out], "--log", "SCENARIO"),
    "simulate --report over the keys CSV": (
        _keys, lambda inp, out: ["simulate", "happy-path", "--keys", inp, "--report", out],
        "--report", "--keys"),
    "check --diagram over the log": (
        _log, lambda inp, out: ["check", inp, "--diagram", out], "--diagram", "LOG"),
    "check --html over the log": (
        _log, lambda inp, out: ["check", inp, "--html", out], "--html", "LOG"),
    "check --report over the log": (
        _log, lambda inp, out: ["check", inp, "--report", out], "--report", "LOG"),
    "import --report over the capture": (
        lambda tmp: _copy(CAPTURE, tmp, "c.json"),
        lambda inp, out: ["import", inp, "-o", str(Path(out).parent / "o"), "--report", out],
        "--report", "CAPTURE"),
}


def _refused(capsys, argv: list[str], inp: Path, options: tuple[str, str]) -> None:
    before = inp.read_bytes()
    capsys.readouterr()
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, (out, err)
    assert "same file as the input" in err and "Traceback" not in err
    assert all(option in err for option in options), err
    assert inp.read_bytes() == before


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("via", ["its name", "a symbolic link", "a hard link"])
def test_an_output_that_is_an_input_is_refused_and_the_input_stays(tmp_path, capsys,
                                                                     case, via):
    make, argv, output_option, input_option = CASES[case]
    inp = make(tmp_path)
    out = tmp_path / "alias"
    if via == "its name":
        out = inp
    elif via == "a symbolic link":
        out.symlink_to(inp)
    else:
        os.link(inp, out)
    _refused(capsys, argv(str(inp), str(out)), inp, (output_option, input_option))


def test_a_per_trace_log_in_a_folder_is_refused_when_it_is_one_of_the_traces(tmp_path,
                                                                             capsys):
    """``replay DIR --log DIR``: a.jsonl's log would be DIR/a.xlog.jsonl, which is itself
    one of the traces read from DIR."""
    a = _copy(TRACE, tmp_path, "a.jsonl")
    old_log = _copy(TRACE, tmp_path, "a.xlog.jsonl")
    before = old_log.read_bytes()
    capsys.readouterr()
    assert main(["replay", str(tmp_path), "--log", str(tmp_path)]) == 2
    _, err = capsys.readouterr()
    assert "same file as the input" in err and "--log" in err
    assert old_log.read_bytes() == before and a.exists()


def test_outputs_that_are_not_inputs_are_still_written(tmp_path):
    """The guard compares files, not names: a new file next to the input is fine."""
    inp = _copy(TRACE, tmp_path, "t.jsonl")
    assert main(["replay", str(inp), "--log", str(tmp_path / "t.xlog.jsonl"),
                 "--report", str(tmp_path / "r.json")]) == 0
    assert (tmp_path / "r.json").stat().st_size > 0


def test_a_newline_in_a_file_name_does_not_split_the_error_line(tmp_path, capsys):
    bad = tmp_path / "two\nlines\x1b[31m.jsonl"
    bad.write_text("not json\n")
    capsys.readouterr()
    assert main(["replay", str(bad)]) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1, err
    assert "two\\nlines\\x1b[31m.jsonl" in err


def test_an_undecodable_file_name_is_escaped_not_a_crash(tmp_path, capsys):
    name = os.fsdecode(b"bad-\xff.jsonl")  # a lone surrogate under surrogateescape
    (tmp_path / name).write_text("not json\n")
    capsys.readouterr()
    assert main(["replay", str(tmp_path / name)]) == 2
    _, err = capsys.readouterr()
    assert "bad-\\udcff.jsonl" in err and len(err.splitlines()) == 1


def test_study_output_under_an_ascii_only_encoding_does_not_crash(tmp_path):
    """The study prints λ; PYTHONIOENCODING=ascii must not turn that into a traceback."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "ue_stack", "study", "-o", str(tmp_path / "s"), "--jobs", "1",
         "--ues", "2", "--intervals", "2", "--reauth-interval", "60", "--kaf-rate", "2",
         "--smc-loss", "0"],
        capture_output=True, env=env, timeout=600, check=False)
    assert b"Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert b"\\u03bb" in done.stdout + done.stderr
