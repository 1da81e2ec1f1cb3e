"""AKMA after Release 17 in the network twin (ue_stack/rel18.py says what is assumed where
the Rel-18 text was unavailable): the home network re-authenticates on its own timer
(TS 33.501 6.1.5), the AAnF disables service and notifies AFs (TS 33.535 Rel-18), and an AF
in a visited network reaches the home AAnF through the NEF (TR 33.737)."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ue_stack.app.akma_client import AkmaClient
from ue_stack.cli import main
from ue_stack.crypto import akma
from ue_stack.crypto.secret import Key
from ue_stack.errors import InputError
from ue_stack.events import (
    AanfChanged,
    AfFailureIndication,
    AfSessionRequest,
    AfSessionResult,
    Note,
)
from ue_stack.network.aanf import Aanf
from ue_stack.network.af import Af
from ue_stack.network.hn_reauth import HomeNetworkReauth
from ue_stack.network.nef import Nef
from ue_stack.primitives import ObtainAkmaKeyRequest
from ue_stack.rel18 import MAX_RETRIES, RETRY_DELAY_S
from ue_stack.runner import CheckedRun
from ue_stack.scenarios import Step, builtin_names, load_scenario, parse_scenario
from ue_stack.simulation import Simulation

SUPI = "001010000000001"
KAKMA = Key(bytes(range(32)))
A_KID = "rid0.atidAAAA@5gc.mnc001.mcc001.3gppnetwork.org"
AF_ID = akma.af_id("af.example.com", bytes.fromhex("0100000007"))
REL18 = ("hn-triggered-reauth", "aanf-service-disable", "akma-roaming",
         "af-recovers-stale-a-kid")


def simulated_log(name: str, tmp_path: Path, *argv: str) -> list[dict]:
    log = tmp_path / f"{name}.jsonl"
    assert main(["simulate", name, "--log", str(log), "--check-expect", *argv]) == 0
    return [json.loads(line) for line in log.read_text().splitlines()]


def events(log: list[dict], event: str, **match: object) -> list[dict]:
    return [r for r in log if r["event"] == event
            and all(r.get(k) == v for k, v in match.items())]


# -- home-network-triggered re-authentication -------------------------------------------


def test_hn_timer_starts_at_the_first_kausf_and_keeps_a_fixed_rate():
    """rel18 choice 1: armed once, at the first KAUSF; later KAUSFs do not move it."""
    hn = HomeNetworkReauth(600.0)
    hn.kausf_stored(SUPI, 3.0)
    hn.kausf_stored(SUPI, 50.0)  # another authentication: the timer stays
    assert hn.next_deadline() == 603.0
    assert hn.due(602.9) == []
    assert hn.due(603.0) == [SUPI]
    assert hn.next_deadline() == 1203.0
    assert hn.triggered == {SUPI: 1}


def test_without_a_period_the_home_network_never_re_authenticates():
    hn = HomeNetworkReauth(None)
    hn.kausf_stored(SUPI, 0.0)
    assert hn.next_deadline() is None and hn.due(1e9) == []


def test_hn_triggered_reauth_changes_kausf_four_times_and_keeps_per_kaf_in_step(tmp_path):
    """Done when: at least three KAUSF changes; every per-kaf AF session is ok."""
    log = simulated_log("hn-triggered-reauth", tmp_path)
    triggers = events(log, "note", layer="udm", clause="TS 33.501 6.1.5")
    assert [r["t"] for r in triggers] == pytest.approx([600.1, 1200.1, 1800.1, 2400.1])
    assert len(events(log, "aanf", action="replaced")) == 4
    assert len({r["a_kid"] for r in events(log, "aanf")}) == 5
    sessions = events(log, "af_session")
    assert len(sessions) == 5 and all(r["result"] == "ok" for r in sessions)


def test_hn_triggered_reauth_fails_legacy_cache_with_akma1_and_akma4(tmp_path):
    log = simulated_log("hn-triggered-reauth", tmp_path, "--app-mode", "legacy-cache")
    results = [r["result"] for r in events(log, "af_session")]
    assert results == ["ok"] + ["unknown_a_kid"] * 4  # the first A-KID, presented forever


# -- AKMA service disable ----------------------------------------------------------------


def test_aanf_service_disable_notifies_each_consumer_that_gave_a_uri():
    """TS 33.535 Rel-18 Naanf_AKMA_ServiceDisableNotification (input: A-KID)."""
    aanf = Aanf()
    aanf.register(SUPI, A_KID, KAKMA, 0.0)
    aanf.application_key_get(A_KID, AF_ID, 1.0, "urn:af-a")
    aanf.application_key_get(A_KID, AF_ID, 2.0, "urn:af-b")
    aanf.application_key_get(A_KID, AF_ID, 3.0)  # no URI: not told
    aanf.outbox.drain()
    assert aanf.service_disable(SUPI, 4.0) == [("urn:af-a", A_KID), ("urn:af-b", A_KID)]
    out = aanf.outbox.drain()
    assert isinstance(out[0], AanfChanged) and out[0].action == "removed"
    assert [n.fields["uri"] for n in out[1:] if isinstance(n, Note)] == ["urn:af-a", "urn:af-b"]
    assert aanf.application_key_get(A_KID, AF_ID, 5.0) is None
    assert aanf.service_disable(SUPI, 6.0) == []  # nothing left to disable


def test_a_replaced_or_removed_a_kid_takes_its_disable_subscriptions_with_it():
    """Nothing is kept for an A-KID that can never be asked for again (memory stays flat
    over a long run of re-authentications)."""
    aanf = Aanf()
    aanf.register(SUPI, A_KID, KAKMA, 0.0)
    aanf.application_key_get(A_KID, AF_ID, 1.0, "urn:af-a")
    a_kid2 = A_KID.replace("AAAA", "BBBB")
    aanf.register(SUPI, a_kid2, KAKMA, 2.0)
    assert aanf.service_disable(SUPI, 3.0) == []
    a_kid3 = A_KID.replace("AAAA", "CCCC")
    aanf.register(SUPI, a_kid3, KAKMA, 4.0)
    aanf.application_key_get(a_kid3, AF_ID, 5.0, "urn:af-a")
    aanf.context_remove(SUPI, 6.0)
    assert aanf._disable_uris == {}


def test_service_disable_tells_the_af_and_no_anchor_key_is_stored_until_enabled(tmp_path):
    log = simulated_log("aanf-service-disable", tmp_path)
    first_a_kid = events(log, "af_session")[0]["a_kid"]
    told = events(log, "note", layer="af", a_kid=first_a_kid)
    assert told and told[0]["t"] == 10.0 and "disabled" in told[0]["text"]
    assert [r["action"] for r in events(log, "aanf")] == ["registered", "removed", "registered"]
    assert events(log, "aanf", action="registered")[1]["t"] >= 25.0  # after enable + reauth
    assert [r["result"] for r in events(log, "af_session")] == ["ok", "ok"]


def test_a_reauthentication_while_disabled_registers_no_akma_context(tmp_path):
    """The UDM withdrew the subscription: the AUSF registers no anchor key (rel18 choice 2),
    so the next session's A-KID is unknown."""
    scenario = tmp_path / "disabled.toml"
    scenario.write_text(_DISABLED_REAUTH)
    log = tmp_path / "d.jsonl"
    assert main(["simulate", str(scenario), "--log", str(log)]) == 1
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [r["action"] for r in events(lines, "aanf")] == ["registered", "removed"]
    assert len(events(lines, "kausf", action="valid")) == 3  # every authentication succeeded
    assert [r["result"] for r in events(lines, "af_session")] == ["ok", "unknown_a_kid"]


def builtin_text(name: str) -> str:
    return (resources.files("ue_stack.scenarios") / f"{name}.toml").read_text()


# aanf-service-disable without the enable: a re-authentication instead
_DISABLED_REAUTH = builtin_text("aanf-service-disable").replace(
    'op = "aanf_service_enable"', 'op = "reauthenticate"')


# -- roaming: AF in the visited network, via the NEF ---------------------------------------


def test_akma_roaming_derives_a_kids_in_the_home_realm_and_the_nef_finds_the_home_aanf(
        tmp_path):
    """Done when: A-KIDs derived in the home realm (TR 33.737 key issue #1)."""
    log = simulated_log("akma-roaming", tmp_path)
    home = akma.realm("999", "70")
    assert home == "5gc.mnc070.mcc999.3gppnetwork.org"
    a_kids = {r["a_kid"] for r in events(log, "aanf")}
    assert len(a_kids) == 2 and all(akma.realm_of(a) == home for a in a_kids)
    relayed = events(log, "note", layer="nef")
    assert len(relayed) == 2 and all(r["realm"] == home for r in relayed)
    sessions = events(log, "af_session")
    assert [(r["af_id"].split(":")[0], r["result"]) for r in sessions] == [
        ("af.visited.example", "ok"), ("af.home.example", "ok"), ("af.visited.example", "ok")]


def test_the_nef_answers_a_failure_indication_for_a_realm_it_has_no_aanf_for():
    """An A-KID in the serving network's realm (the mistake roaming makes visible) is not
    routable to the home AAnF."""
    aanf = Aanf()
    home_a_kid = f"rid0.atidAAAA@{akma.realm('999', '70')}"
    aanf.register(SUPI, home_a_kid, KAKMA, 0.0)
    nef = Nef()
    nef.add_home(akma.realm("999", "70"), aanf)
    assert nef.application_key_get(home_a_kid, AF_ID, 1.0) is not None
    assert nef.application_key_get(A_KID, AF_ID, 1.0) is None  # realm 001/01: unknown
    assert nef.application_key_get("no-realm", AF_ID, 1.0) is None
    texts = [n.text for n in nef.outbox.drain()]
    assert texts[0].startswith("Naanf_AKMA_ApplicationKey_Get relayed")
    assert all("failure indication" in t for t in texts[1:])


# -- the library ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", REL18)
def test_rel18_scenarios_are_built_in_and_listed(name, capsys):
    assert name in builtin_names()
    assert main(["simulate", "--list"]) == 0
    assert any(line.startswith(f"{name} ") for line in capsys.readouterr().out.splitlines())


def test_a_period_under_one_second_is_refused_naming_the_field():
    text = builtin_text("hn-triggered-reauth").replace("600.0", "0.5")
    with pytest.raises(InputError) as err:
        parse_scenario(text, "x.toml")
    assert err.value.field == "network.hn_reauth_period"


# -- the AF's failure indication and the application's recovery ----------------------------


def recovery(log: list[dict]) -> list[tuple[float, float, int]]:
    """Per failure-indicated session: (first indication, ok session, retries), as the
    docs measure recovery."""
    out, first, retries = [], None, 0
    for r in log:
        if r["event"] == "note" and r.get("layer") == "af" and "failure indication" in r["text"]:
            first = r["t"] if first is None else first
            retries += 1
        elif r["event"] == "af_session" and first is not None:
            if r["result"] == "ok":
                out.append((first, r["t"], retries))
            first, retries = None, 0
    return out


def test_per_kaf_recovers_a_stale_a_kid_one_second_later_by_asking_nas_again(tmp_path):
    """rel18 choice 3: the AF answers the A-KID the AAnF just replaced with a failure
    indication; the application obtains KAKMA/A-KID again (a new corr), now from the new
    KAUSF, and the session succeeds — measured: one session recovered, after 1 retry,
    1.0 s after the indication."""
    log = simulated_log("af-recovers-stale-a-kid", tmp_path)
    assert recovery(log) == [(61.0, 62.0, 1)]
    indication = events(log, "note", layer="af")[0]
    stale, fresh = (r["a_kid"] for r in events(log, "aanf"))
    assert indication["a_kid"] == stale and indication["attempt"] == 0
    asked = [r["t"] for r in events(log, "primitive", name="ObtainAkmaKeyRequest")]
    assert asked == [5.0, 61.0, 62.0]
    assert [(r["a_kid"], r["result"]) for r in events(log, "af_session")][1:] == [
        (fresh, "ok")]


def test_legacy_cache_retries_from_its_cache_and_the_session_fails(tmp_path):
    """The cache holds the first KAKMA: every retry presents the same stale A-KID; after
    MAX_RETRIES indications the AF fails the session (AKMA-4), each KAF from the cache
    (AKMA-1)."""
    log = simulated_log("af-recovers-stale-a-kid", tmp_path, "--app-mode", "legacy-cache")
    assert [r["t"] for r in events(log, "note", layer="af")] == [61.0, 62.0, 63.0]
    assert [(r["t"], r["result"]) for r in events(log, "af_session")] == [
        (5.0, "ok"), (64.0, "unknown_a_kid")]
    assert recovery(log) == []


def test_without_failure_indications_the_same_timeline_fails_akma4(tmp_path):
    """The AF's answer is what makes recovery possible: with the option off, the W1
    request's session fails at once, per-kaf or not."""
    scenario = tmp_path / "no-indication.toml"
    scenario.write_text(builtin_text("af-recovers-stale-a-kid").replace(
        "af_failure_indication = true", "af_failure_indication = false"))
    log = tmp_path / "n.jsonl"
    assert main(["simulate", str(scenario), "--log", str(log)]) == 1
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [r["result"] for r in events(lines, "af_session")] == ["ok", "unknown_a_kid"]


def test_the_af_fails_the_session_after_max_retries():
    aanf = Aanf()
    af = Af(aanf, failure_indication=True)
    req = AfSessionRequest("mail", "af.example.com", bytes.fromhex("0100000007"), A_KID, "00")
    assert isinstance(af.session_request(req, 0.0), AfFailureIndication)
    last = replace(req, attempt=MAX_RETRIES)
    result = af.session_request(last, 1.0)
    assert isinstance(result, AfSessionResult) and result.result == "unknown_a_kid"


def test_the_client_asks_nas_again_after_the_retry_delay():
    client = AkmaClient("mail", "per-kaf")
    client.handle_af_failure(AfFailureIndication(
        "mail", "af.example.com", bytes.fromhex("0100000007"), A_KID, 0), now=10.0)
    assert client.next_deadline() == 10.0 + RETRY_DELAY_S
    client.handle_timer(10.5)
    assert client.outbox.drain() == []
    client.handle_timer(11.0)
    assert client.outbox.drain() == [ObtainAkmaKeyRequest(app="mail", corr="mail-1")]
    assert client.next_deadline() is None


def test_a_recorded_recovery_replays_with_the_option_in_its_header(tmp_path):
    trace = tmp_path / "r.jsonl"
    assert main(["simulate", "af-recovers-stale-a-kid", "--record", str(trace)]) == 0
    header = json.loads(trace.read_text().splitlines()[0])
    assert header["options"]["af_failure_indication"] is True
    assert main(["replay", str(trace), "--check-expect"]) == 0
    without = tmp_path / "w.jsonl"
    lines = trace.read_text().splitlines()
    del header["options"]["af_failure_indication"]
    without.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    assert main(["replay", str(without)]) == 1  # the replayed AF fails the W1 session


def test_a_non_boolean_af_failure_indication_is_refused_naming_the_field(tmp_path, capsys):
    trace = tmp_path / "bad.jsonl"
    assert main(["simulate", "af-recovers-stale-a-kid", "--record", str(trace)]) == 0
    lines = trace.read_text().splitlines()
    header = json.loads(lines[0])
    header["options"]["af_failure_indication"] = "yes"
    trace.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    assert main(["replay", str(trace)]) == 2
    assert "options.af_failure_indication" in capsys.readouterr().err


@pytest.mark.parametrize("name", REL18)
def test_each_recorded_rel18_trace_fails_legacy_cache_with_exactly_akma1_and_akma4(
        name, tmp_path):
    """traces/sim-NAME.jsonl replays to pass (tests/replay/test_traces.py); with legacy-cache
    upper layers the same N1 exchange fails exactly AKMA-1 and AKMA-4."""
    trace = Path(__file__).resolve().parents[2] / "traces" / f"sim-{name}.jsonl"
    report = tmp_path / "r.json"
    assert main(["replay", str(trace), "--app-mode", "legacy-cache",
                 "--report", str(report)]) == 1
    invariants = json.loads(report.read_text())["invariants"]
    assert sorted(i for i, c in invariants.items() if c["violations"]) == ["AKMA-1", "AKMA-4"]


# -- properties over timings ----------------------------------------------------------------


def verdict(scenario, app_mode: str = "per-kaf") -> list[str]:
    sim = Simulation(scenario, app_mode=app_mode)
    with CheckedRun(scenario.name) as run:
        run.execute(lambda sink, app1: sim.run(app1, sink))
        report = run.report(None)
    return sorted(i for i, c in report["invariants"].items() if c["violations"])


def with_requests(scenario, period: float, times: list[float], **options):
    """``scenario`` with the home network's period, these kaf_request times (after its
    registration steps), and ``options``."""
    base = [s for s in scenario.steps if s.kind == "ue"]
    app = next(s for s in scenario.steps if s.op == "kaf_request")
    steps = base + [replace(app, t=t, fields={k: v for k, v in app.fields.items()
                                               if k != "expect"}) for t in times]
    return replace(scenario, network=replace(scenario.network, hn_reauth_period=period),
                   options={**scenario.options, **options},
                   steps=tuple(sorted(steps, key=lambda s: s.t)))


REQUEST_TIMES = st.lists(st.floats(1.0, 400.0, allow_nan=False), min_size=1, max_size=8)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(period=st.floats(20.0, 200.0), times=REQUEST_TIMES)
def test_per_kaf_with_deferral_keeps_every_invariant_whatever_the_refresh_timing(
        period, times):
    """However often the home network re-authenticates and whenever the application asks,
    per-kaf upper layers with NAS deferral never present a stale A-KID."""
    scenario = with_requests(load_scenario("hn-triggered-reauth"), period, times)
    assert verdict(scenario) == []


W1_HITS = st.lists(st.tuples(st.integers(1, 3), st.floats(0.0, 0.99)), min_size=1, max_size=4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(period=st.floats(20.0, 200.0), times=REQUEST_TIMES, hits=W1_HITS,
       smc_delay=st.floats(0.1, 2.9))
def test_failure_indications_recover_every_w1_session_of_per_kaf_without_deferral(
        period, times, hits, smc_delay):
    """Without deferral a request in W1 gets the replaced A-KID; with failure indications
    the retries (1, 2, 3 s later) reach past any W1 shorter than 3 s, so per-kaf ends every
    session ok. ``hits`` puts requests inside the W1 of refreshes 1..3 (the first KAUSF
    is stored at 0.1 s; each SMC then takes ``smc_delay``)."""
    in_w1 = [0.1 + k * period + f * smc_delay for k, f in hits]
    scenario = with_requests(load_scenario("hn-triggered-reauth"), period, times + in_w1,
                             akma_defer=False, af_failure_indication=True)
    delay = [Step(0.0, "net", "delay_next",
                  {"msg": "security_mode_command", "seconds": smc_delay, "count": 1000})]
    scenario = replace(scenario, steps=tuple(sorted((*scenario.steps, *delay),
                                                    key=lambda s: s.t)))
    assert verdict(scenario) == []
