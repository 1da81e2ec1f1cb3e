"""An interrupted run says so (docs/README.md, "Interrupted runs"): SIGTERM is handled
like Ctrl-C — one stderr line, exit status 128 + the signal (143; SIGINT 130) — and the
log, diagram and recorded trace it was writing stay as NAME.partial, which `check` and
`replay` refuse as unfinished; a complete run renames them to NAME. Two runs writing one
output do not interleave it: the second is refused while the first holds its lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ue_stack.cli import main
from ue_stack.errors import InputError
from ue_stack.outputs import finish, open_output

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "traces" / "happy-path.jsonl"


def _long_simulation(tmp_path: Path) -> tuple[subprocess.Popen, dict[str, Path]]:
    out = {"log": tmp_path / "run.xlog.jsonl", "diagram": tmp_path / "run.mmd",
           "record": tmp_path / "run.trace.jsonl"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ue_stack", "simulate", "happy-path", "--ues", "100000",
         "--log", str(out["log"]), "--diagram", str(out["diagram"]),
         "--record", str(out["record"])],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = Path(f"{out['log']}.partial")
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > 0):  # the run is under way
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    return proc, out


def test_sigterm_exits_143_and_leaves_only_partial_outputs(tmp_path):
    proc, out = _long_simulation(tmp_path)
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=60) == 143
    finally:
        proc.kill()
    err = proc.stderr.read().decode()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for path in out.values():
        assert not path.exists(), path  # nothing that looks finished
    assert Path(f"{out['log']}.partial").stat().st_size > 0


def test_check_and_replay_refuse_a_partial_output(tmp_path, capsys):
    log = tmp_path / "x.xlog.jsonl.partial"
    assert main(["replay", str(TRACE), "--log", str(tmp_path / "x.xlog.jsonl")]) == 0
    (tmp_path / "x.xlog.jsonl").rename(log)
    trace = tmp_path / "t.jsonl.partial"
    trace.write_bytes(TRACE.read_bytes())
    for argv in (["check", str(log)], ["replay", str(trace)]):
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and "unfinished" in err, err


def test_a_complete_run_renames_its_outputs_and_leaves_no_partial(tmp_path):
    log, diagram, record = (tmp_path / n for n in ("l.jsonl", "d.mmd", "r.jsonl"))
    assert main(["simulate", "happy-path", "--log", str(log), "--diagram", str(diagram),
                 "--record", str(record)]) == 0
    assert log.stat().st_size and diagram.stat().st_size and record.stat().st_size
    assert not list(tmp_path.glob("*.partial"))


def test_a_second_writer_of_one_output_is_refused_while_the_first_writes(tmp_path):
    path = tmp_path / "shared.xlog.jsonl"
    first = open_output(path, "--log", partial=True)
    first.write(b'{"seq": 1}\n')
    first.flush()
    with pytest.raises(InputError, match="another ue-stack run is writing"):
        open_output(path, "--log", partial=True)
    first.close()
    finish(path, "--log")
    assert path.read_bytes() == b'{"seq": 1}\n'  # the first run's output, whole


def test_a_device_is_written_as_it_is_never_renamed_over(tmp_path):
    """/dev/null stays a device: no /dev/null.partial is made and nothing is renamed."""
    assert main(["replay", str(TRACE), "--log", "/dev/null"]) == 0
    assert Path("/dev/null").is_char_device()
    assert not Path("/dev/null.partial").exists()
