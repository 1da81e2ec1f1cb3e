"""`ue-stack study` (docs/study.md): the desync study on the network twin, checked against its
arithmetic; deterministic per seed and whatever the number of processes."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import ue_stack
from ue_stack.cli import main
from ue_stack.study.agreement import agreement, binomial_tail
from ue_stack.study.arithmetic import expected_share
from ue_stack.study.model import Point, Setup, run_point
from ue_stack.study.sweep import COLUMNS, plot, run_all, summarise

ROOT = Path(__file__).resolve().parents[2]
SMALL = Setup(ues=4, intervals=4, latency_s=0.5, seed=7)


def _serial(items, _total):
    return items


def test_arithmetic_has_the_limits_study_md_states() -> None:
    """docs/study.md table: legacy -> 1 - T/D for λT >> 1; per-kaf deferral off -> w/T (times
    (n-1)/n) without loss, + q with loss; deferral on -> 0 without loss, q with it."""
    n, d, T = 20, 0.5, 600.0
    assert expected_share("legacy-cache", True, T, 600.0, 0.0, n, d) == pytest.approx(1 - 1 / n)
    assert expected_share("per-kaf", False, T, 2.0, 0.0, n, d) == pytest.approx(
        (n - 1) * d / (n * T - 4 * d))
    assert expected_share("per-kaf", True, T, 2.0, 0.0, n, d) == 0.0
    assert expected_share("per-kaf", True, T, 2.0, 0.1, n, d) == pytest.approx(
        0.1 * (n - 1) / n, rel=1e-3)
    assert expected_share("per-kaf", False, T, 2.0, 0.1, n, d) == pytest.approx(
        0.1 * (n - 1) / n + 0.9 * (n - 1) * d / (n * T), rel=1e-2)
    # λT small: the first request often comes late, and everything before it is no session
    lam_t = 0.5
    s = (1 - math.exp(-lam_t * n)) / (1 - math.exp(-lam_t))
    assert expected_share("legacy-cache", True, T, lam_t * 60 / T, 0.0, n, d) == pytest.approx(
        1 - s / n)


def test_per_kaf_with_deferral_never_fails_without_smc_loss() -> None:
    """Deferral closes W1 (TS 24.501 4.21): no AF session fails; the deferred requests wait
    at most the RES* -> SMC round trip (two one-way delays)."""
    result = run_point(Point("per-kaf", True, 60.0, 6.0, 0.0), SMALL)
    row = summarise(result, SMALL)
    assert row["sessions"] > 50 and row["failed"] == 0
    assert 0 < row["defer_latency_p99_ms"] <= 2 * SMALL.latency_s * 1000 + 1e-6


def test_deferral_off_fails_in_w1_as_the_arithmetic_says() -> None:
    """Without deferral the requests answered inside W1 fail; the share agrees with
    (n-1)w/(nT-4d) within the interval bootstrapped over UEs."""
    setup = Setup(ues=12, intervals=10, latency_s=2.0, seed=1)
    row = summarise(run_point(Point("per-kaf", False, 60.0, 20.0, 0.0), setup), setup)
    assert row["failed"] > 0
    assert row["ci_low"] <= row["expected_share"] <= row["ci_high"]


def test_results_are_the_same_for_any_number_of_processes() -> None:
    """A seed per parameter point, derived from --seed: --jobs changes nothing."""
    todo = [Point("legacy-cache", True, 60.0, 4.0, 0.0), Point("per-kaf", True, 60.0, 4.0, 0.5)]
    one = [summarise(r, SMALL) for r in run_all(todo, SMALL, 1, _serial)]
    two = [summarise(r, SMALL) for r in run_all(todo, SMALL, 2, _serial)]
    assert one == two
    other = Setup(ues=4, intervals=4, latency_s=0.5, seed=8)
    assert [summarise(r, other) for r in run_all(todo, other, 1, _serial)] != one


def test_command_writes_table_plots_and_json_that_validates(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    status = main(["study", "-o", str(out), "--ues", "3", "--intervals", "3",
                   "--reauth-interval", "60", "--kaf-rate", "2", "--smc-loss", "0",
                   "--jobs", "1"])
    assert status in (0, 1)
    assert {p.name for p in out.iterdir()} == {"study.csv", "study.json", "study.png",
                                              "study.svg", "study.pdf", "staleness.png",
                                              "staleness.svg", "staleness.pdf"}
    with (out / "study.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0])[: len(COLUMNS)] == COLUMNS and len(rows) == 3
    schema = json.loads((ROOT / "docs" / "schema" / "study.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    doc = json.loads((out / "study.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(doc))
    assert (out / "study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "study.svg").read_bytes()[:2000]
    assert (out / "study.pdf").read_bytes()[:5] == b"%PDF-"
    assert "points agree with the arithmetic" in capsys.readouterr().out
    assert doc["agreement"]["rule"] == "binomial" and doc["agreement"]["points"] == 3
    assert status == (0 if doc["agreement"]["agrees"] else 1)
    assert doc["ue_stack_version"] == ue_stack.__version__
    assert doc["argv"][:2] == ["ue-stack", "study"]


def test_the_figure_files_are_the_same_bytes_for_the_same_rows(tmp_path: Path) -> None:
    """SVG and PDF carry no date and fixed ids: a paper's build does not change."""
    rows = [summarise(r, SMALL) for r in run_all(
        [Point("legacy-cache", True, 60.0, 4.0, 0.0), Point("per-kaf", True, 60.0, 4.0, 0.0),
         Point("per-kaf", False, 60.0, 4.0, 0.0)], SMALL, 1, _serial)]
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        out.mkdir()
        plot(out, rows, SMALL)
    for ext in ("svg", "pdf"):
        assert (first / f"study.{ext}").read_bytes() == (second / f"study.{ext}").read_bytes()
    assert b"<dc:date>" not in (first / "study.svg").read_bytes()


def test_a_few_misses_are_chance_and_many_are_not() -> None:
    """3 of 48 points outside their 95% interval is what chance predicts (2.4): exit 0;
    7 is not (p < 0.01): exit 1; --strict fails on one."""
    def rows(misses: int) -> list[dict]:
        return [{"agrees": i >= misses} for i in range(48)]

    assert agreement(rows(3))["agrees"] is True
    assert agreement(rows(3))["p_value"] == pytest.approx(0.4330, abs=1e-4)
    assert agreement(rows(6))["agrees"] is True
    assert agreement(rows(7))["agrees"] is False
    assert agreement(rows(0), strict=True)["agrees"] is True
    assert agreement(rows(1), strict=True)["agrees"] is False


def test_binomial_tail_is_exact() -> None:
    assert binomial_tail(0, 10, 0.3) == 1.0
    assert binomial_tail(10, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_tail(1, 2, 0.5) == pytest.approx(0.75)


@pytest.mark.parametrize("argv", [["--smc-loss", "1.5"], ["--reauth-interval", "20"],
                                  ["--kaf-rate", "x"], ["--jobs", "0"]])
def test_bad_study_options_are_one_line_and_exit_2(tmp_path: Path, capsys, argv) -> None:
    assert main(["study", "-o", str(tmp_path / "s"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]


def test_a_point_without_sessions_is_n_a_and_kaf_rate_0_exits_0(tmp_path: Path,
                                                                 capsys) -> None:
    """--kaf-rate 0: no AF session anywhere, so no share to compare with the arithmetic:
    every point is n/a (agrees null), none counts as a miss, and the study exits 0."""
    out = tmp_path / "s"
    status = main(["study", "-o", str(out), "--ues", "2", "--intervals", "2",
                   "--reauth-interval", "60", "--kaf-rate", "0", "--smc-loss", "0",
                   "--jobs", "1"])
    table = capsys.readouterr().out
    doc = json.loads((out / "study.json").read_text())
    schema = json.loads((ROOT / "docs" / "schema" / "study.schema.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(doc))
    assert status == 0
    assert all(p["agrees"] is None and p["sessions"] == 0 for p in doc["points"])
    assert doc["agreement"]["points"] == 0 and doc["agreement"]["not_judged"] == 3
    assert " NO " not in table and "n/a" in table
