"""The worker pool (ue_stack/pool.py): results in input order for any number of jobs,
inputs handed over in chunks, a worker's exception surfaces in the caller."""

from __future__ import annotations

import os
import sys

import pytest

from ue_stack.pool import LOCAL, Engine, chunk_size, chunks, run_chunk, run_many, workers


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
