"""End-to-end simulation: UE model + network twin on the bus, checked by the invariants.

Each built-in scenario states the verdict it must reach in each app mode; a trace
recorded from a simulation must replay to the same verdict.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ue_stack.cli import main
from ue_stack.runner import CheckedRun
from ue_stack.scenarios import Step, builtin_scenarios, load_scenario
from ue_stack.simulation import Recorder, Simulation

UA_TLS = bytes.fromhex("0100000007")
CASES = [(s.name, mode) for s in builtin_scenarios() for mode in sorted(s.expect)]


def simulate(scenario, app_mode=None, record: Path | None = None, ues: int = 1):
    recorder = Recorder(record, scenario.ue.supi) if record else None
    sim = Simulation(scenario, app_mode=app_mode, ues=ues, recorder=recorder)
    with CheckedRun(scenario.name) as run:
        run.execute(lambda sink, app1: sim.run(app1, sink))
        report = run.report(None)
    if recorder:
        violated = sorted(i for i, c in report["invariants"].items() if c["violations"])
        recorder.finish(sim.header({"verdict": report["verdict"], "violations": violated}))
    return report


def violated(report) -> list[str]:
    return sorted(i for i, c in report["invariants"].items() if c["violations"])


@pytest.mark.parametrize(("name", "app_mode"), CASES)
def test_each_builtin_scenario_reaches_its_stated_verdict(name, app_mode):
    scenario = load_scenario(name)
    expect = scenario.expect_for(app_mode)
    report = simulate(scenario, app_mode)
    assert (report["verdict"], violated(report)) == (expect.verdict, list(expect.violations))


def test_the_change_requests_case_passes_per_kaf_and_fails_legacy_on_akma1_and_akma4():
    """docs/behaviour.md t0..t4: re-authentication between two AF sessions (TS 24.501 4.21)."""
    scenario = load_scenario("reauth-between-af-sessions")
    assert violated(simulate(scenario, "per-kaf")) == []
    assert violated(simulate(scenario, "legacy-cache")) == ["AKMA-1", "AKMA-4"]


@pytest.mark.parametrize("name", ["w2-smc-lost", "w2-smc-rejected"])
def test_window_w2_is_reported_as_akma4_not_hidden(name):
    assert "AKMA-4" in violated(simulate(load_scenario(name), "per-kaf"))


@pytest.mark.parametrize("name", [s.name for s in builtin_scenarios()])
def test_a_recorded_simulation_replays_to_the_same_verdict(name, tmp_path):
    trace = tmp_path / f"{name}.jsonl"
    report = simulate(load_scenario(name), record=trace)
    status = main(["replay", str(trace), "--check-expect", "--report", str(tmp_path / "r.json")])
    assert status == 0, f"replay of {name} did not reach the simulated verdict"
    assert trace.read_text().count('"kind":"dl"') > 0
    assert report["verdict"] in ("pass", "fail")


def test_many_ues_on_one_bus_each_get_their_keys():
    """--ues N: N UEs register and derive KAFs concurrently; keys agree for every one."""
    report = simulate(load_scenario("reauth-between-af-sessions"), "per-kaf", ues=20)
    assert report["verdict"] == "pass"
    assert report["stats"]["kaf_derivations"] == 20 * 2
    assert report["invariants"]["AKMA-4"]["checked"] == 20 * 2


def test_simulate_list_prints_happy_path_first_and_nothing_else(capsys):
    assert main(["simulate", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("happy-path ")
    assert len(lines) == len(builtin_scenarios()) >= 14
    assert all(" " in line and line.split(" ", 1)[1] for line in lines)


def test_an_unknown_scenario_is_a_usage_error(capsys):
    assert main(["simulate", "no-such-scenario"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-scenario" in err[0]


# -- property: interleavings never break the AKMA rule in per-kaf mode -------------------

EVENTS = st.one_of(
    st.sampled_from([
        "kaf", "kaf", "kaf", "reauth", "reauth_smc_lost", "usim_cycle", "power_cycle",
        "reauth_nia0", "reauth_response_lost", "reauth_duplicated",
        # the UE's own procedures: idle and back by SERVICE REQUEST, a
        # mobility and a periodic registration update
        "service_request", "mobility_update", "periodic_update",
    ]),
    # REGISTRATION REJECT: a cause for each row kind of the cause tables (USIM invalid,
    # PLMN search, limited service, attempting, update-only #9/#13) and abnormal ones
    st.tuples(st.just("registration_reject"),
              st.sampled_from([3, 6, 7, 9, 11, 12, 13, 15, 22, 62, 72, 73, 111])),
    # network DEREGISTRATION REQUEST with a cause, re-registration required or not
    st.tuples(st.just("network_deregistration"),
              st.sampled_from([3, 6, 7, 11, 12, 13, 62, 73, None]), st.booleans()),
)
# A re-authentication with a fault first: the SMC selects 5G-IA0 (rejected #24: W2); the
# AUTHENTICATION RESPONSE is lost, so the AMF's T3560 resends the challenge and the
# stored RES* answers it; the challenge arrives twice.
REAUTH_FAULTS = {
    "reauth": None,
    "reauth_nia0": ("nia0_next", {}),
    "reauth_response_lost": ("drop_next", {"msg": "authentication_response"}),
    "reauth_duplicated": ("duplicate_next", {"msg": "authentication_request"}),
}


def timeline(events: list) -> tuple[Step, ...]:
    """Start registered, then one event every 50 s (long enough for any timer to run out
    and the network to give up), each followed by what brings the UE back."""
    app = {"app": "mail", "af_fqdn": "af.example.com", "ua_id": UA_TLS}
    steps = [Step(0.0, "ue", "power_on"), Step(0.1, "ue", "register")]
    t = 5.0
    for i, event in enumerate(events):
        t += 50.0
        kind, *args = event if isinstance(event, tuple) else (event,)
        if kind == "kaf":
            steps.append(Step(t, "app", "kaf_request", dict(app, app=f"app{i % 3}")))
        elif kind in REAUTH_FAULTS:
            if REAUTH_FAULTS[kind] is not None:
                steps.append(Step(t, "net", *REAUTH_FAULTS[kind]))
            steps.append(Step(t, "net", "reauthenticate"))
            steps.append(Step(t + 0.001, "app", "kaf_request", dict(app)))
        elif kind == "reauth_smc_lost":
            steps.append(Step(t, "net", "drop_next", {"msg": "security_mode_command"}))
            steps.append(Step(t, "net", "reauthenticate"))
        elif kind == "usim_cycle":
            steps.append(Step(t, "ue", "usim_removed"))
            steps.append(Step(t + 1, "app", "kaf_request", dict(app)))
            steps.append(Step(t + 2, "ue", "usim_inserted"))
            steps.append(Step(t + 3, "ue", "register"))
        elif kind == "registration_reject":
            # A fresh registration rejected once RES* is verified; the reject arrives late
            # enough that an AKMA request is deferred when it comes.
            steps.extend([
                Step(t, "ue", "power_off"), Step(t + 1, "ue", "power_on"),
                Step(t + 1, "net", "reject_next_registration", {"cause": args[0]}),
                Step(t + 1, "net", "delay_next", {"msg": "registration_reject", "seconds": 1.0}),
                Step(t + 2, "ue", "register"),
                Step(t + 2.5, "app", "kaf_request", dict(app)),
                Step(t + 4, "app", "kaf_request", dict(app)),
            ])
            steps.extend(power_cycle_and_register(t + 20))
        elif kind == "network_deregistration":
            # During a re-authentication whose SMC is late, so a deferred request is open.
            cause, re_registration = args
            fields = {"re_registration_required": re_registration,
                      **({"cause": cause} if cause is not None else {})}
            steps.extend([
                Step(t, "net", "delay_next", {"msg": "security_mode_command", "seconds": 2.0}),
                Step(t, "net", "reauthenticate"),
                Step(t + 0.5, "app", "kaf_request", dict(app)),
                Step(t + 1, "net", "deregister", fields),
                Step(t + 1.5, "app", "kaf_request", dict(app)),
            ])
            steps.extend(power_cycle_and_register(t + 20))
        elif kind == "service_request":
            steps.extend([Step(t, "ue", "release"), Step(t + 1, "ue", "service_request"),
                          Step(t + 1.001, "app", "kaf_request", dict(app))])
        elif kind in ("mobility_update", "periodic_update"):
            steps.extend([Step(t, "ue", kind), Step(t + 0.001, "app", "kaf_request", dict(app))])
        else:
            steps.append(Step(t, "ue", "power_off"))
            steps.append(Step(t + 1, "ue", "power_on"))
            steps.append(Step(t + 2, "app", "kaf_request", dict(app)))
            steps.append(Step(t + 3, "ue", "register"))
    steps.append(Step(t + 50.0, "app", "kaf_request", dict(app)))
    steps.append(Step(t + 100.0, "ue", "advance"))
    return tuple(steps)


def power_cycle_and_register(t: float) -> list[Step]:
    """Switch-off ends a USIM invalidity (TS 24.501 5.5.1.2.5, 5.5.2.3.2); register again."""
    return [Step(t, "ue", "power_off"), Step(t + 1, "ue", "power_on"),
            Step(t + 2, "ue", "register")]


# The primary authentication the network runs: 5G AKA, EAP-AKA' with EAP-Success in the
# SMC, EAP-AKA' with EAP-Success in AUTHENTICATION RESULT (TS 33.535 6.1: AKMA anchors on
# KAUSF from either method).
METHODS = st.sampled_from(
    ["happy-path", "eap-aka-prime-happy-path", "eap-aka-prime-reauth-between-af-sessions"]
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(METHODS, st.lists(EVENTS, min_size=1, max_size=8))
def test_random_interleavings_never_break_akma_1_2_3_or_xl1_per_kaf(base, events):
    """Re-authentications (SMC lost, SMC selecting 5G-IA0, challenge resent or duplicated),
    REGISTRATION REJECTs and network deregistrations with causes (#3/#6/#7 invalidate the
    USIM), KAF requests, USIM removal and power cycles in any order, with 5G AKA or
    EAP-AKA': a per-kaf UE never derives KAF without a fresh confirm
    (AKMA-1), never from a KAUSF that is not valid (AKMA-2/3), answers every request
    exactly once (XL-1), and takes a new KAUSF into use only on an accepted SMC or
    EAP-Success (NAS-1)."""
    scenario = replace(load_scenario(base), steps=timeline(events))
    report = simulate(scenario, "per-kaf")
    assert report["invariants"]["NAS-1"]["checked"] > 0
    for invariant in ("AKMA-1", "AKMA-2", "AKMA-3", "XL-1", "NAS-1"):
        assert report["invariants"][invariant]["violations"] == 0, (
            invariant, events, [v for v in report["violations"] if v["invariant"] == invariant])
