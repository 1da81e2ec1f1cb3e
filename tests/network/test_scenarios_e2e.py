"""Every built-in scenario, run synchronously: the real NAS core (``ue_stack.nas.mm``) and
the network twin joined by an in-memory N1 link with the scenario's faults (h11-style, no
asyncio), plus a minimal AKMA client per app mode.

This pins what the network side and the scenario library promise: the AF session
outcomes behind AKMA-1/AKMA-4 and each ``kaf_request``'s ``expect``. The full verdict
(every invariant, over the bus's exchange log) is ``ue-stack simulate``'s job.
"""

from __future__ import annotations

import heapq
import itertools
import math

import pytest

from ue_stack.crypto import akma
from ue_stack.crypto.secret import fp
from ue_stack.events import AfFailureIndication, AfSessionRequest, AfSessionResult, SendN1
from ue_stack.primitives import ObtainAkmaKeyConfirm, ObtainAkmaKeyReject, ObtainAkmaKeyRequest
from ue_stack.rel18 import RETRY_DELAY_S
from ue_stack.scenarios import builtin_scenarios

mm = pytest.importorskip("ue_stack.nas.mm")
usim_mod = pytest.importorskip("ue_stack.nas.usim")


def usim_for(ue):
    return usim_mod.Usim(ue.supi, ue.k, ue.opc, ue.sqn_ms, ue.rid)


class Run:
    """One scenario in one app mode; ``outcomes`` lists (t, app, outcome) per request."""

    def __init__(self, scenario, app_mode: str) -> None:
        self.s, self.mode = scenario, app_mode
        home = scenario.home_plmn
        self.nas = mm.Nas(
            mm.NasConfig(scenario.network.snn, home.mcc, home.mnc,
                         akma_defer=scenario.options.get("akma_defer", True),
                         sec_cap=scenario.ue.sec_cap),
            usim_for(scenario.ue),
        )
        self.twin = scenario.build_twin()
        self.supi = scenario.ue.supi
        self.link = self.twin.link(self.supi)
        self.queue: list = []
        self.seq = itertools.count()
        self.pending: dict[str, tuple] = {}
        self.cache: dict[str, ObtainAkmaKeyConfirm] = {}
        self.outcomes: list[tuple[float, str, str]] = []
        self.akma1 = False

    def at(self, t: float, action) -> None:
        heapq.heappush(self.queue, (t, next(self.seq), action))

    def run(self) -> Run:
        for step in self.s.steps:
            self.at(step.t, lambda now, step=step: self.step(step, now))
        end = self.s.steps[-1].t
        now = 0.0
        while True:
            t_item = self.queue[0][0] if self.queue else math.inf
            deadlines = [d for d in (self.nas.next_deadline(), self.twin.next_deadline())
                         if d is not None]
            t_timer = min(deadlines, default=math.inf)
            if t_timer < t_item and t_timer <= end:
                now = t_timer
                if (d := self.nas.next_deadline()) is not None and d <= now:
                    self.nas.handle_timer(now)
                if (d := self.twin.next_deadline()) is not None and d <= now:
                    self.twin.handle_timer(now)
            elif t_item <= end:
                now, _, action = heapq.heappop(self.queue)
                action(now)
            else:
                break
            self.route(now)
        self.nas.end_of_run(end)
        self.route(end)
        return self

    def step(self, step, now: float) -> None:
        f, nas = step.fields, self.nas
        if step.kind == "net":
            self.twin.handle_op(step.op, f, now, self.supi)
        elif step.kind == "app":
            self.kaf_request(f["app"], f["af_fqdn"], f["ua_id"], now)
        elif step.op == "register":
            nas.register(now, f.get("registration_type", "initial"))
        elif step.op == "deregister":
            nas.deregister(now, f.get("switch_off", False))
        elif step.op == "usim_inserted":
            nas.usim_inserted(usim_for(f.get("ue", self.s.ue)), now)
        elif step.op != "advance":
            getattr(nas, step.op)(now)

    def kaf_request(self, app: str, fqdn: str, ua_id: bytes, now: float,
                    attempt: int = 0) -> None:
        if self.mode == "legacy-cache" and app in self.cache:
            self.akma1 = True  # a KAF derived without a fresh confirm
            self.af_session(self.cache[app], fqdn, ua_id, now, attempt)
            return
        corr = f"{app}-{next(self.seq)}"
        self.pending[corr] = (fqdn, ua_id, attempt)
        self.nas.handle_primitive(ObtainAkmaKeyRequest(app, corr), now)

    def af_session(self, confirm: ObtainAkmaKeyConfirm, fqdn: str, ua_id: bytes, now: float,
                   attempt: int = 0):
        k_af = akma.k_af(confirm.k_akma, akma.af_id(fqdn, ua_id))
        req = AfSessionRequest(confirm.app, fqdn, ua_id, confirm.a_kid, fp(k_af), attempt)
        self.twin.handle_af_session(req, now, self.supi)

    def route(self, now: float) -> None:
        while True:
            moved = False
            for event in self.nas.outbox.drain():
                moved = True
                if isinstance(event, SendN1):
                    for delay, m in self.link.apply(event.message):
                        self.at(now + delay, lambda t, m=m: self.twin.handle_n1(self.supi, m, t))
                elif isinstance(event, ObtainAkmaKeyConfirm):
                    fqdn, ua_id, attempt = self.pending.pop(event.corr)
                    self.cache.setdefault(event.app, event)
                    self.af_session(event, fqdn, ua_id, now, attempt)
                elif isinstance(event, ObtainAkmaKeyReject):
                    self.pending.pop(event.corr)
                    self.outcomes.append((now, event.app, "rejected"))
            for event in self.twin.outbox.drain():
                moved = True
                if isinstance(event, SendN1):
                    for delay, m in self.link.apply(event.message):
                        self.at(now + delay, lambda t, m=m: self.nas.handle_n1(m, t))
                elif isinstance(event, AfSessionResult):
                    self.outcomes.append((now, event.app, event.result))
                elif isinstance(event, AfFailureIndication):  # try again (rel18 choice 3)
                    self.at(now + RETRY_DELAY_S, lambda t, e=event: self.kaf_request(
                        e.app, e.af_fqdn, e.ua_id, t, e.attempt + 1))
            if not moved:
                return

    def violations(self) -> set[str]:
        found = {"AKMA-1"} if self.akma1 else set()
        if any(o not in ("ok", "rejected") for _, _, o in self.outcomes):
            found.add("AKMA-4")
        return found


SCENARIOS = builtin_scenarios()
AKMA_IDS = {"AKMA-1", "AKMA-4"}


@pytest.mark.parametrize("mode", ["per-kaf", "legacy-cache"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_builtin_scenario_gives_the_af_outcomes_it_expects(scenario, mode):
    """The AKMA-1/AKMA-4 part of each scenario's ``expect`` holds end to end."""
    run = Run(scenario, mode).run()
    expected = set(scenario.expect_for(mode).violations) & AKMA_IDS
    assert run.violations() == expected, run.outcomes
    requests = [s for s in scenario.steps if s.op == "kaf_request"]
    assert len(run.outcomes) == len(requests), run.outcomes


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_builtin_scenario_kaf_requests_get_their_expected_outcome_per_kaf(scenario):
    """docs/trace-format.md: ``expect = "ok"`` -> an AF session with result ok; ``"rejected"`` ->
    ObtainAkmaKeyReject."""
    run = Run(scenario, "per-kaf").run()
    requests = [s for s in scenario.steps if s.op == "kaf_request"]
    for step, (_, _, outcome) in zip(requests, sorted(run.outcomes), strict=True):
        if "expect" in step.fields:
            assert outcome == step.fields["expect"], (step.t, run.outcomes)


PER_KAF_OUTCOMES = {  # what each request of each scenario gets in per-kaf mode
    "happy-path": ["ok"],
    "reauth-between-af-sessions": ["ok", "ok"],
    "w1-defer-on": ["ok", "ok"],
    "w1-defer-off": ["ok", "unknown_a_kid"],
    "w2-smc-lost": ["ok", "unknown_a_kid"],
    "w2-smc-rejected": ["ok", "unknown_a_kid"],
    "smc-nia0-rejected": ["ok", "unknown_a_kid"],
    "mac-failure-recovery": ["ok"],
    "synch-failure-resync": ["ok"],
    "separation-bit-zero": ["ok"],
    "ngksi-in-use": ["ok", "ok"],
    "auth-reject-akma-rejected": ["rejected"],
    "usim-removal": ["ok", "rejected"],
    "power-cycle-keeps-kausf": ["ok", "ok", "ok"],
    "aanf-context-remove": ["ok", "unknown_a_kid"],
    "eap-aka-prime-happy-path": ["ok"],
    "eap-aka-prime-reauth-between-af-sessions": ["ok", "ok"],
    "eap-aka-prime-synch-failure": ["ok"],
    "eap-aka-prime-failure": ["rejected"],
    "eap-aka-prime-w1-defer-on": ["ok", "ok"],
    "eap-aka-prime-w1-defer-off": ["ok", "unknown_a_kid"],
    "hn-triggered-reauth": ["ok"] * 5,
    "aanf-service-disable": ["ok", "ok"],
    "akma-roaming": ["ok", "ok", "ok"],
    "af-recovers-stale-a-kid": ["ok", "ok"],
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_builtin_scenario_per_kaf_outcomes_show_what_its_description_says(scenario):
    """W1 without deferral, W2 (SMC lost or rejected) and AAnF context removal leave the
    UE with an A-KID the AAnF no longer knows; every other case keeps keys in step."""
    run = Run(scenario, "per-kaf").run()
    assert [o for _, _, o in sorted(run.outcomes)] == PER_KAF_OUTCOMES[scenario.name]
