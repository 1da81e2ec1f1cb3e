"""`ue-stack study --refresh-period` (docs/study.md "Refresh period, staleness and
linkability"): the home network re-authenticates on its own timer (TS 33.501 6.1.5), and
the study measures how long a replaced A-KID stays in use after each KAUSF change and how
many A-KID/AF pairs an observer could link — each checked against its arithmetic."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ue_stack.cli import main
from ue_stack.study.arithmetic import expected_linkable, expected_share, expected_stale_s
from ue_stack.study.model import HOME_NETWORK, SCHEDULED, Point, Setup, run_point
from ue_stack.study.sweep import summarise

ROOT = Path(__file__).resolve().parents[2]
SETUP = Setup(ues=10, intervals=6, latency_s=0.5, seed=3, afs=4)


def row(mode: str, defer: bool, T: float, rate: float, q: float,
        trigger: str = HOME_NETWORK, setup: Setup = SETUP) -> dict:
    return summarise(run_point(Point(mode, defer, T, rate, q, trigger), setup), setup)


def within(r: dict, key: str, low: str, high: str, expected: str) -> bool:
    return r[low] - 1e-9 <= r[expected] <= r[high] + 1e-9


def test_the_home_networks_timer_changes_kausf_once_per_period_in_every_run():
    """n intervals: n-1 KAUSF changes per UE, none counted after the UE's run ends."""
    r = row("per-kaf", True, 120.0, 4.0, 0.0)
    assert r["reauth_trigger"] == HOME_NETWORK
    assert r["kausf_changes"] == SETUP.ues * (SETUP.intervals - 1)
    assert r["failed"] == 0 and r["stale_a_kid_s"] == 0 and r["linkable_pairs_per_ue"] == 0


def test_legacy_cache_keeps_a_replaced_a_kid_in_use_for_the_rest_of_each_period():
    """After every change a legacy-cache UE presents its first A-KID until the next one:
    the last stale session comes g(T) = T - (1 - e^{-λT})/λ after the change on average,
    and each period links every AF it touches."""
    r = row("legacy-cache", True, 120.0, 6.0, 0.0)
    assert r["stale_a_kid_s"] > 0.8 * 120
    assert within(r, "stale_a_kid_s", "stale_a_kid_ci_low", "stale_a_kid_ci_high",
                  "expected_stale_a_kid_s")
    assert within(r, "linkable_pairs_per_ue", "linkable_ci_low", "linkable_ci_high",
                  "expected_linkable_pairs")
    assert r["linkable_pairs_per_ue"] > 3 * (SETUP.intervals - 1)


def test_a_lost_smc_leaves_per_kaf_on_a_stale_a_kid_until_the_next_refresh():
    """W2 (q = 1 here): even with deferral the UE keeps the old KAUSF for the period."""
    r = row("per-kaf", True, 120.0, 6.0, 1.0)
    assert r["stale_a_kid_s"] > 60
    assert within(r, "stale_a_kid_s", "stale_a_kid_ci_low", "stale_a_kid_ci_high",
                  "expected_stale_a_kid_s")
    assert within(r, "linkable_pairs_per_ue", "linkable_ci_low", "linkable_ci_high",
                  "expected_linkable_pairs")


def test_the_failure_share_under_the_home_networks_timer_agrees_with_its_arithmetic():
    """Re-authentications start 3d later than the study's own (the timer starts at the
    first KAUSF): the lost-SMC spans of the last interval shrink by that offset."""
    r = row("per-kaf", False, 120.0, 6.0, 0.5)
    assert r["ci_low"] <= r["expected_share"] <= r["ci_high"]
    n, T, d = SETUP.intervals, 120.0, SETUP.latency_s
    assert r["expected_share"] == pytest.approx(
        ((n - 1) * 0.5 * d + 0.5 * ((n - 1) * T - 3 * d - 2 * d)) / (n * T - 4 * d))


def test_stale_and_linkable_arithmetic_has_the_limits_study_md_states():
    n, d, T, lam_min = 20, 0.5, 600.0, 2.0
    lam = lam_min / 60
    g = T - (1 - math.exp(-lam * T)) / lam
    legacy = expected_stale_s("legacy-cache", True, T, lam_min, 0.0, n, d)
    assert legacy == pytest.approx(g, rel=1e-3)  # λT = 20: every period is stale
    assert expected_stale_s("per-kaf", True, T, lam_min, 0.0, n, d) == 0.0
    assert expected_linkable("per-kaf", True, T, lam_min, 0.0, n, d, afs=4) == 0.0
    # deferral off, no loss: only W1, so about λw AFs per change
    assert expected_linkable("per-kaf", False, T, lam_min, 0.0, n, d, afs=4) == pytest.approx(
        (n - 1) * lam * d, rel=0.01)
    # legacy: every AF touched in a period is linked; many AFs -> the period's sessions
    assert expected_linkable("legacy-cache", True, T, lam_min, 0.0, n, d, afs=10**6) == (
        pytest.approx((n - 1) * lam * T, rel=1e-3))
    # the scheduled and the home network's re-authentications differ by the offset only
    assert expected_share("per-kaf", True, T, lam_min, 0.1, n, d, 3 * d) < expected_share(
        "per-kaf", True, T, lam_min, 0.1, n, d)


def test_scheduled_points_keep_their_seeds_and_the_refresh_points_get_their_own():
    a = Point("per-kaf", True, 60.0, 2.0, 0.0)
    assert a.trigger == SCHEDULED
    assert a.seed(0) == Point("per-kaf", True, 60.0, 2.0, 0.0, SCHEDULED).seed(0)
    assert a.seed(0) != Point("per-kaf", True, 60.0, 2.0, 0.0, HOME_NETWORK).seed(0)


def test_refresh_period_command_writes_csv_plots_and_json_that_validates(tmp_path, capsys):
    """Done when: `study --refresh-period 300,1800 --kaf-rate 2 --ues 20 -o DIR` writes
    its CSV and plots (here with fewer intervals and one loss value, to stay quick)."""
    out = tmp_path / "s"
    status = main(["study", "--refresh-period", "300,1800", "--kaf-rate", "2", "--ues", "3",
                   "--intervals", "3", "--smc-loss", "0", "--jobs", "1", "-o", str(out)])
    assert status in (0, 1)
    assert {"study.csv", "study.png", "study.svg", "staleness.png",
            "staleness.svg"} <= {p.name for p in out.iterdir()}
    with (out / "study.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 3
    assert {r["reauth_interval_s"] for r in rows} == {"300.0", "1800.0"}
    assert {r["reauth_trigger"] for r in rows} == {HOME_NETWORK}
    for key in ("stale_a_kid_s", "expected_stale_a_kid_s", "linkable_pairs_per_ue",
                "expected_linkable_pairs"):
        assert all(float(r[key]) >= 0 for r in rows)
    schema = json.loads((ROOT / "docs" / "schema" / "study.schema.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(
        json.loads((out / "study.json").read_text())))
    assert (out / "staleness.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "home network's own timer" in printed and "linkable/UE" in printed


@pytest.mark.parametrize("argv", [["--refresh-period", "300", "--reauth-interval", "300"],
                                  ["--refresh-period", "30"], ["--refresh-period", "x"],
                                  ["--afs", "0"]])
def test_bad_refresh_options_are_one_line_and_exit_2(tmp_path, capsys, argv):
    assert main(["study", "-o", str(tmp_path / "s"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]


# -- --af-failure-indication: what recovery buys (docs/study.md "Recovery") ----------------

RECOVERY = Setup(ues=12, intervals=8, latency_s=0.5, seed=5, afs=4, af_failure_indication=True)


def test_per_kaf_without_deferral_recovers_every_w1_session_after_one_retry():
    """A W1 request presents the replaced A-KID; the AF's failure indication makes the
    application ask NAS again 1 s later, after the SMC (d = 0.5 s): the session succeeds.
    The failure share falls from (n-1)w/(nT-4d) to 0, as the arithmetic says."""
    r = row("per-kaf", False, 60.0, 20.0, 0.0, setup=RECOVERY)
    assert r["sessions_needing_recovery"] > 5
    assert r["sessions_recovered"] == r["sessions_needing_recovery"]
    assert r["recovery_p50_ms"] == pytest.approx(1000.0) == r["recovery_p99_ms"]
    assert r["failed"] == 0 and r["expected_share"] == 0.0
    plain = row("per-kaf", False, 60.0, 20.0, 0.0, setup=replace(
        RECOVERY, af_failure_indication=False))
    assert plain["failed"] == r["sessions_needing_recovery"]  # the same requests, failed


def test_legacy_cache_recovers_nothing_its_retries_present_the_cached_a_kid():
    r = row("legacy-cache", True, 60.0, 6.0, 0.0, setup=RECOVERY)
    assert r["sessions_needing_recovery"] > 50 and r["sessions_recovered"] == 0
    assert r["recovery_p50_ms"] is None
    assert r["ci_low"] <= r["expected_share"] <= r["ci_high"]


def test_recovery_arithmetic_keeps_what_retries_cannot_reach():
    """W1 longer than the last retry's lag (3 x 1 s) still fails for its first d - 3 s;
    a lost SMC is left only by the retries that fall after the next change."""
    n, T = 10, 300.0
    assert expected_share("per-kaf", False, T, 2.0, 0.0, n, 5.0, recovery=True) == (
        pytest.approx((n - 1) * 2.0 / (n * T - 20.0)))
    q, d = 0.1, 0.5
    lost = (n - 1) * T - 2 * d - (1 - q) * (n - 2) * (3.0 - d)
    assert expected_share("per-kaf", False, T, 2.0, q, n, d, recovery=True) == (
        pytest.approx(q * lost / (n * T - 4 * d)))
    assert expected_share("legacy-cache", True, T, 2.0, q, n, d, recovery=True) == (
        expected_share("legacy-cache", True, T, 2.0, q, n, d))
