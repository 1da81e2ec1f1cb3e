"""``simulate --jobs N`` (issue 32): the UEs run in shards, each shard its own twin; the
merged report and exchange log are byte for byte the same for any number of workers, a
violation's ``seq`` is the merged log's line that revealed it, and a run that fits one
shard is the one-bus run."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main


def _simulate(tmp_path: Path, name: str, *options: str) -> tuple[bytes, bytes]:
    log, report = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.json"
    main(["simulate", *options, "--log", str(log), "--report", str(report)])
    return log.read_bytes(), report.read_bytes()


@pytest.mark.parametrize("scenario", ["reauth-between-af-sessions", "w1-defer-off"])
def test_two_workers_write_the_report_and_log_one_worker_writes(tmp_path, scenario):
    shards = [scenario, "--ues", "7", "--shard-ues", "3", "--seed", "5"]
    one = _simulate(tmp_path, "one", *shards, "--jobs", "1")
    two = _simulate(tmp_path, "two", *shards, "--jobs", "2")
    assert one == two


def test_a_violation_names_the_merged_log_line_that_revealed_it(tmp_path):
    log, report = _simulate(tmp_path, "v", "w1-defer-off", "--ues", "5", "--shard-ues", "2",
                            "--jobs", "2")
    lines = [orjson.loads(line) for line in log.splitlines()]
    assert [r["seq"] for r in lines] == list(range(1, len(lines) + 1))
    assert [r["t"] for r in lines] == sorted(r["t"] for r in lines)
    violations = orjson.loads(report)["violations"]
    assert len({v["ue"] for v in violations}) == 5  # one per UE, from three shards
    for v in violations:
        if v.get("seq") is not None:
            line = lines[v["seq"] - 1]
            assert line["t"] == v["t"] and line.get("ue", v["ue"]) == v["ue"]


def test_a_run_that_fits_one_shard_is_the_one_bus_run(tmp_path):
    one_bus = _simulate(tmp_path, "bus", "reauth-between-af-sessions", "--ues", "4")
    sharded = _simulate(tmp_path, "shard", "reauth-between-af-sessions", "--ues", "4",
                        "--jobs", "2")
    assert one_bus == sharded


def test_shards_draw_different_rands(tmp_path):
    log, _ = _simulate(tmp_path, "r", "reauth-between-af-sessions", "--ues", "4",
                       "--shard-ues", "1", "--jobs", "1")
    rands = [r["rand"] for r in map(orjson.loads, log.splitlines()) if "rand" in r]
    assert len(rands) == len(set(rands)) >= 4


def test_an_output_drawn_from_one_bus_is_refused_with_jobs(tmp_path, capsys):
    assert main(["simulate", "happy-path", "--jobs", "2", "--pcap",
                 str(tmp_path / "x.pcap")]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
