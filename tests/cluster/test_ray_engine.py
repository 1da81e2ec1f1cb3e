"""`--engine ray` on a Ray instance started here with two CPUs (issue 19): the chunks the
local pool runs go to Ray tasks, and what is merged from them is byte for byte what the
local engine merges; a worker that dies mid-chunk is run again and its inputs are merged
once. Needs the cluster extra (`make test-tools` installs it); slow (Ray takes seconds
to start), hence `tools`."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.commands import replay as replay_command
from ue_stack.pool import Engine, run_many

pytestmark = pytest.mark.tools

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "traces"
RAY = Engine("ray")


@pytest.fixture(scope="module")
def ray_local():
    """One Ray instance with two CPUs for the module; ``--engine ray`` joins it."""
    import ray

    # the helpers below live in this test module, which Ray's workers cannot import
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    yield ray
    ray.shutdown()


def _square_dying_once(item: tuple[int, str]) -> int:
    """``n * n``, after noting the call; the worker running 13 dies the first time."""
    n, folder = item
    with open(os.path.join(folder, "calls"), "a") as calls:
        calls.write(f"{n}\n")
    marker = os.path.join(folder, "died")
    if n == 13 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)  # as a SIGKILL or an out-of-memory kill would: no clean-up
    return n * n


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n


def _replay_dying_once(job: dict) -> replay_command.TraceOutcome:
    """``replay``'s own task, in a worker that dies once in the middle of a chunk."""
    marker = Path(job.pop("died"))
    if job["path"].endswith("happy-path.jsonl") and not marker.exists():
        marker.touch()
        os._exit(1)
    return replay_command._replay_job(job)


def test_a_worker_killed_mid_chunk_is_rerun_and_each_input_merged_once(ray_local, tmp_path):
    """Ray runs the chunk again on another worker; the inputs of that chunk before the
    death were computed twice (the calls log shows it) but only the returned chunk
    counts: every result once, in input order."""
    out = list(run_many(_square_dying_once, [(n, str(tmp_path)) for n in range(40)], 2, RAY))
    assert out == [n * n for n in range(40)]
    calls = [int(x) for x in (tmp_path / "calls").read_text().split()]
    assert (tmp_path / "died").exists()
    assert calls.count(13) == 2 and len(calls) > 40


def test_an_exception_in_a_task_surfaces_as_itself_and_is_not_retried(ray_local):
    with pytest.raises(ValueError, match="three"):
        list(run_many(_fail_on_three, range(6), 2, RAY))


def test_replay_corpus_on_ray_gives_the_byte_identical_report_and_table(ray_local, tmp_path,
                                                                       capsys):
    """Issue 19: `replay CORPUS --engine ray` merges exactly what `--jobs 2` does."""
    local, on_ray = tmp_path / "local.json", tmp_path / "ray.json"
    main(["replay", str(TRACES), "--jobs", "2", "--report", str(local)])
    table_local = capsys.readouterr().out
    main(["replay", str(TRACES), "--engine", "ray", "--report", str(on_ray)])
    assert capsys.readouterr().out == table_local
    assert on_ray.read_bytes() == local.read_bytes()


def test_replay_loses_nothing_when_a_worker_dies_mid_corpus(ray_local, tmp_path):
    """The corpus replayed on Ray with one worker killed in the middle of a chunk merges
    to the report of the local run."""
    paths = sorted(str(p) for p in TRACES.glob("*.jsonl"))
    options = replay_command.Options()
    jobs = [{"path": p, "options": options, "log_path": None, "diagram_path": None,
             "pcap_path": None} for p in paths]
    local = replay_command.merge(list(run_many(replay_command._replay_job, jobs, 2)))
    dying = [{**job, "died": str(tmp_path / "died")} for job in jobs]
    on_ray = replay_command.merge(list(run_many(_replay_dying_once, dying, 2, RAY)))
    assert (tmp_path / "died").exists()
    assert orjson.dumps(on_ray) == orjson.dumps(local)


def test_the_command_joins_a_running_cluster_with_address_auto(ray_local, tmp_path):
    """A separate `ue-stack` process joins the instance this module started, writes its
    per-trace outputs where it is told (relative to its own directory) and reports as
    the local engine does."""
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ue_stack", "replay", str(TRACES),
                               "--report", "-", *extra],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)

    local = run("--jobs", "2")
    (tmp_path / "diagrams").mkdir()
    on_ray = run("--engine", "ray", "--address", "auto", "--diagram", "diagrams")
    assert on_ray.returncode == local.returncode
    assert on_ray.stdout == local.stdout
    assert len(list((tmp_path / "diagrams").glob("*.mmd"))) == len(list(TRACES.glob("*.jsonl")))


def test_a_small_study_sweep_on_ray_writes_the_byte_identical_table(ray_local, tmp_path,
                                                                    capsys):
    """Issue 19: `study --engine ray` gives the CSV, the JSON and the printed table of the
    local pool for the same seed (each point's seed comes from --seed, not the worker)."""
    sweep = ["study", "--ues", "3", "--intervals", "3", "--reauth-interval", "120,240",
             "--kaf-rate", "2", "--seed", "7"]
    main([*sweep, "-o", str(tmp_path / "local"), "--jobs", "2"])
    table_local = capsys.readouterr().out.splitlines()[:-1]  # the last names the files
    main([*sweep, "-o", str(tmp_path / "ray"), "--engine", "ray"])
    assert capsys.readouterr().out.splitlines()[:-1] == table_local
    for name in ("study.csv", "study.json"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_a_small_exploration_on_ray_finds_the_same_findings_and_traces(ray_local, tmp_path,
                                                                       capsys, monkeypatch):
    """Issue 19: `explore --engine ray` keeps the same shortest counterexamples (W1 and W2
    at depth 5 with deferral off) as the local pool: the summary but for its wall time,
    the table and every finding's trace byte for byte."""
    def run(name: str, *extra: str) -> tuple[dict, list[str]]:
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)  # `-o out` in each: the summary names out/...
        main(["explore", "--depth", "5", "--akma-defer", "off", "-o", "out", *extra])
        summary = orjson.loads((tmp_path / name / "out" / "summary.json").read_bytes())
        summary.pop("seconds")  # the one measured, not computed, figure
        return summary, capsys.readouterr().out.splitlines()[1:]  # the first has seconds

    local = run("local", "--jobs", "2")
    assert {(f["invariant"], f["label"]) for f in local[0]["findings"]} >= {
        ("AKMA-4", "W1"), ("AKMA-4", "W2")}
    assert run("ray", "--engine", "ray") == local
    local_out, ray_out = tmp_path / "local" / "out", tmp_path / "ray" / "out"
    traces = sorted(p.name for p in local_out.glob("*.jsonl"))
    assert traces and traces == sorted(p.name for p in ray_out.glob("*.jsonl"))
    for name in traces:
        assert (ray_out / name).read_bytes() == (local_out / name).read_bytes()
