"""The worker pool (ue_stack/pool.py): results in input order for any number of jobs,
inputs handed over in chunks, a worker's exception surfaces in the caller."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from ue_stack.errors import InputError
from ue_stack.pool import LOCAL, Engine, chunk_size, chunks, run_chunk, run_many, workers

ROOT = Path(__file__).resolve().parents[2]


def _square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n


def test_results_come_back_in_input_order_from_several_workers():
    out = list(run_many(_square_and_pid, range(40), jobs=2))
    assert [square for square, _ in out] == [n * n for n in range(40)]
    assert os.getpid() not in {pid for _, pid in out}


def test_one_job_runs_in_this_process():
    assert {pid for _, pid in run_many(_square_and_pid, range(5), jobs=1)} == {os.getpid()}


def test_short_inputs_go_in_chunks_of_several():
    assert chunk_size(150, 2) == 19
    assert chunk_size(3, 2) == 1


def test_an_exception_in_a_worker_surfaces_in_the_caller():
    with pytest.raises(ValueError, match="three"):
        list(run_many(_fail_on_three, range(6), jobs=2))


def test_either_engine_gets_the_same_chunks_in_input_order():
    """The chunks ``run_many`` hands to an engine cover every input once, in order."""
    work = list(range(23))
    cut = chunks(work, chunk_size(len(work), 2))
    assert [n for chunk in cut for n in chunk] == work
    assert len(cut) == 8
    assert run_chunk(_fail_on_three, [0, 1, 2]) == [0, 1, 2]


def test_the_local_engine_is_the_default_and_needs_no_ray(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    assert workers(3) == 3 == workers(3, LOCAL)
    assert list(run_many(_fail_on_three, [1, 2], 2, Engine())) == [1, 2]


def _die_on_3(item: int) -> int:
    """A worker the OOM killer takes: SIGKILL, no exception, no result."""
    if item == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_a_worker_killed_by_sigkill_is_one_input_error_not_a_traceback():
    from ue_stack.pool import WorkerDied

    with pytest.raises(WorkerDied) as caught:
        list(run_many(_die_on_3, range(8), jobs=2))
    assert isinstance(caught.value, InputError)
    assert "worker process died" in str(caught.value) and "\n" not in str(caught.value)


def test_replay_with_a_killed_worker_exits_2_with_one_line(capsys, monkeypatch):
    """replay --jobs 2 over the trace library, one worker killed: exit 2 (not 1, which
    would claim a violation), one stderr line, no traceback."""
    from ue_stack.cli import main
    from ue_stack.commands import replay

    real = replay._replay_job

    def killed_on_one(job):  # forked workers see the patched module attribute
        if job["path"].endswith("happy-path.jsonl"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(job)

    # pickled by name, as the real one is: the workers find it in their (forked) module
    killed_on_one.__module__, killed_on_one.__qualname__ = replay.__name__, "_replay_job"
    monkeypatch.setattr(replay, "_replay_job", killed_on_one)
    capsys.readouterr()
    assert main(["replay", str(ROOT / "traces"), "--jobs", "2", "--report", "-"]) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and "worker process died" in err, err
