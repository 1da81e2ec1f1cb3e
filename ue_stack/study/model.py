"""One parameter point of the desync study, run on the network twin (docs/study.md "Model").

Each of ``ues`` UEs registers at a random time in ``[0, T)`` and is re-authenticated by
the twin every ``T`` after that, for ``intervals`` intervals (``D = intervals * T``).
With probability ``q`` per re-authentication the SECURITY MODE COMMAND and its four
retransmissions are lost (the AMF aborts; the UE keeps its old KAUSF: W2). One
application per UE asks for a KAF as a Poisson process of rate ``λ`` and opens an AF
session with it at once. Every N1 message takes ``latency`` seconds one way, so W1 (AUSF
accepts RES* -> UE accepts the SMC) lasts one latency.

The real cores run it: the UE's NAS and AKMA client, the twin's AMF/AUSF/AAnF/AF, on the
bus. A sink counts, per UE, the AF sessions and their failures, and the KAF requests NAS
answered later than asked (deferred) with that latency; nothing is written to disk.

With ``--refresh-period`` the study schedules no re-authentication: the twin's home network
does, on its own timer (TS 33.501 6.1.5, ``network/hn_reauth.py``), every ``T`` from the
UE's first KAUSF. The application spreads its requests over ``afs`` AFs, and the sink also
measures what a stale A-KID costs in privacy: after each KAUSF change, how long the UE
keeps presenting a replaced A-KID, and to how many AFs (docs/study.md "Staleness and
linkability").
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from typing import Any

from ..app.akma_client import LEGACY_CACHE
from ..bus import Bus, Layer, run_virtual
from ..nas.mm import Nas
from ..nas.usim import Usim, usim_of
from ..network.hn_reauth import HomeNetworkReauth
from ..scenarios import load_scenario
from ..simulation import Simulation, _TwinLink, nth_supi
from ..trace.schema import UeConfig
from ..ue import UeStack

APP, UA_ID = "app", bytes.fromhex("0100000007")
SCHEDULED, HOME_NETWORK = "scheduled", "home-network"  # who starts re-authentications
SMC_TRANSMISSIONS = 5  # the SMC and its four retransmissions on T3560 (TS 24.501 5.4.2.7)
SETTLE_S = 120.0  # after the last UE's run: timers (T3560, T3516) and deferrals end


@dataclass(frozen=True, slots=True)
class Point:
    """One parameter point (the CSV's first five columns)."""

    mode: str  # per-kaf | legacy-cache
    akma_defer: bool
    reauth_interval_s: float
    kaf_rate_per_min: float
    smc_loss: float
    trigger: str = SCHEDULED  # or HOME_NETWORK: the twin's own timer (--refresh-period)

    def seed(self, base: int) -> int:
        """A seed of its own, derived from ``--seed`` and the parameters: results do not
        depend on which process runs the point, nor on the order."""
        text = (f"{base}:{self.mode}:{self.akma_defer}:{self.reauth_interval_s!r}:"
                f"{self.kaf_rate_per_min!r}:{self.smc_loss!r}")
        if self.trigger != SCHEDULED:  # the scheduled points keep their seeds of before
            text += f":{self.trigger}"
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")

    def offset(self, latency_s: float) -> float:
        """When re-authentication k starts after registration, minus kT: the home
        network's timer starts at the first KAUSF, three one-way delays in."""
        return 3 * latency_s if self.trigger == HOME_NETWORK else 0.0


@dataclass(frozen=True, slots=True)
class Setup:
    ues: int = 40
    intervals: int = 20
    latency_s: float = 0.5
    seed: int = 0
    afs: int = 4  # the application's AFs, one chosen uniformly per KAF request
    # the AFs answer a stale A-KID with a failure indication, the application retries
    # (ue_stack.rel18 choice 3): what recovery buys, per mode
    af_failure_indication: bool = False


@dataclass(slots=True)
class UeCounts:
    sessions: int = 0
    failed: int = 0
    requests: int = 0
    deferred: int = 0
    rejected: int = 0
    kausf_changes: int = 0  # A-KID replaced at the AAnF during the UE's run
    stale_s: float = 0.0  # summed over changes: change -> last session with a replaced A-KID
    linkable: int = 0  # summed over changes: AFs shown a replaced A-KID before the next one
    needed_recovery: int = 0  # sessions that got a failure indication
    recovered: int = 0  # ... and then succeeded


@dataclass(slots=True)
class PointResult:
    point: Point
    ues: list[UeCounts]
    defer_latencies_s: list[float] = field(default_factory=list)
    w1_s: list[float] = field(default_factory=list)  # AAnF switch -> UE's KAUSF valid
    recovery_s: list[float] = field(default_factory=list)  # first indication -> ok session


@dataclass(slots=True)
class _Period:
    """From one KAUSF change of a UE to its next (or the end of the run)."""

    start: float
    a_kid: str  # the AAnF's A-KID in this period
    last_stale: float | None = None
    stale_afs: set[str] = field(default_factory=set)


class _Counter:
    """The study's exchange sink: counts what the study measures, keeps nothing else.
    ``ends`` gives each UE's end of run: KAUSF changes after it are not counted."""

    def __init__(self, supis: list[str], ends: dict[str, float] | None = None) -> None:
        self.by_ue = {s: UeCounts() for s in supis}
        self.latencies: list[float] = []
        self.w1: list[float] = []
        self._asked: dict[Any, float] = {}
        self._aanf_switch: dict[str, float] = {}
        self._ends = ends if ends is not None else {}
        self._current: dict[str, str] = {}  # UE -> the A-KID the AAnF holds
        self._period: dict[str, _Period] = {}  # UE -> its period since the last change
        self.recovery: list[float] = []
        # (UE, AF_ID) -> the first failure indication of the session being set up there
        self._indicated: dict[tuple[str, str], float] = {}

    def __call__(self, record: dict[str, Any]) -> None:
        event, ue = record["event"], str(record.get("ue"))
        if event == "primitive":
            name = record["name"]
            if name == "ObtainAkmaKeyRequest":
                self.by_ue[ue].requests += 1
                self._asked[(ue, record["corr"])] = record["t"]
            elif name in ("ObtainAkmaKeyConfirm", "ObtainAkmaKeyReject"):
                waited = record["t"] - self._asked.pop((ue, record["corr"]), record["t"])
                if waited > 1e-9:
                    self.by_ue[ue].deferred += 1
                    self.latencies.append(waited)
                if name == "ObtainAkmaKeyReject":
                    self.by_ue[ue].rejected += 1
        elif event == "af_session":
            counts = self.by_ue[ue]
            counts.sessions += 1
            counts.failed += record["result"] != "ok"
            first = self._indicated.pop((ue, record["af_id"]), None)
            if first is not None and record["result"] == "ok":
                counts.recovered += 1
                self.recovery.append(record["t"] - first)
            self._presented(ue, record)
        elif event == "note" and record.get("layer") == "af" and "attempt" in record:
            # a failure indication: the A-KID was presented (an observer saw it)
            if (ue, record["af_id"]) not in self._indicated:
                self._indicated[(ue, record["af_id"])] = record["t"]
                self.by_ue[ue].needed_recovery += 1
            self._presented(ue, record)
        elif event == "aanf" and record.get("action") in ("registered", "replaced"):
            if record["action"] == "replaced":
                self._aanf_switch[ue] = record["t"]
                self._changed(ue, record["t"], record["a_kid"])
            self._current[ue] = record["a_kid"]
        elif event == "kausf" and record.get("action") == "valid" and ue in self._aanf_switch:
            self.w1.append(record["t"] - self._aanf_switch.pop(ue))

    def _presented(self, ue: str, record: dict[str, Any]) -> None:
        """An A-KID shown to an AF: stale when it is not the AAnF's of this period."""
        period = self._period.get(ue)
        if period is not None and record["a_kid"] != period.a_kid:
            period.last_stale = record["t"]
            period.stale_afs.add(record["af_id"])

    def _changed(self, ue: str, t: float, a_kid: str) -> None:
        self._close(ue)
        if t < self._ends.get(ue, float("inf")):
            self.by_ue[ue].kausf_changes += 1
            self._period[ue] = _Period(t, a_kid)

    def _close(self, ue: str) -> None:
        period = self._period.pop(ue, None)
        if period is not None:
            counts = self.by_ue[ue]
            if period.last_stale is not None:
                counts.stale_s += period.last_stale - period.start
            counts.linkable += len(period.stale_afs)

    def close(self) -> None:
        for ue in list(self._period):
            self._close(ue)


class StudyRun(Simulation):
    """The scenario ``happy-path`` (its credentials and network) for many UEs, driven by
    the study's own per-UE timeline instead of the scenario's steps."""

    def __init__(self, point: Point, setup: Setup) -> None:
        super().__init__(load_scenario("happy-path"), app_mode=point.mode,
                         akma_defer=point.akma_defer, ues=setup.ues)
        self.point, self.setup = point, setup
        self.supis = [nth_supi(self.scenario.ue.supi, i) for i in range(setup.ues)]
        self.ends: dict[str, float] = {}  # each UE's end of run (filled by _drive)

    def run_point(self) -> PointResult:
        counter = _Counter(self.supis, self.ends)
        run_virtual(self._drive(counter))
        counter.close()
        return PointResult(self.point, list(counter.by_ue.values()), counter.latencies,
                           counter.w1, counter.recovery)

    async def _drive(self, counter: _Counter) -> None:
        point, setup = self.point, self.setup
        seed = point.seed(setup.seed)
        rng = random.Random(seed)
        scenario = replace(self.scenario, network=replace(self.scenario.network, seed=seed),
                           options={**self.scenario.options,
                                    "af_failure_indication": setup.af_failure_indication})
        twin = scenario.build_twin()
        twin.n1_latency = setup.latency_s
        T, n = point.reauth_interval_s, setup.intervals
        home_network = point.trigger == HOME_NETWORK
        if home_network:
            twin.hn_reauth = HomeNetworkReauth(T)
        # the AF of each request from a stream of its own: the other draws stay as they were
        af_rng = random.Random(f"{seed}:af")
        afs = [f"af{j}.example.com" for j in range(setup.afs)]
        bus = Bus(counter)
        by_supi: dict[str, UeStack] = {}
        net: Layer = bus.add_layer("network", twin, self._network_router(bus, twin, by_supi))
        link = _TwinLink(bus, net, twin, None)
        rate = point.kaf_rate_per_min / 60.0
        first_kausf = point.offset(setup.latency_s)
        for i, supi in enumerate(self.supis):
            ue_cfg = replace(scenario.ue, supi=supi)
            if i > 0:
                scenario.provision(twin, ue_cfg, av_faults=False)
            stack = UeStack(bus, supi, Nas(self._nas_config(scenario), usim_of(ue_cfg)),
                            app_mode=self.app_mode, network=link, corr_prefix=f"ue{i}/")
            by_supi[supi] = stack
            start = rng.uniform(0.0, T)
            self.ends[supi] = start + n * T
            bus.loop.call_at(start, _register, stack)
            for k in range(1, n):
                lost = rng.random() < point.smc_loss
                if home_network:
                    # the timer fires at start + kT + 3d: arm the loss 1 ms before it
                    if lost:
                        bus.loop.call_at(start + k * T + first_kausf - 1e-3, _lose_smc,
                                         bus, net, twin, supi)
                else:
                    bus.loop.call_at(start + k * T, _reauthenticate, bus, net, twin, supi,
                                     lost)
            if rate > 0:
                t = start + rng.expovariate(rate)
                while t < start + n * T:
                    af = afs[af_rng.randrange(len(afs))]
                    bus.loop.call_at(t, stack.kaf_request, APP, af, UA_ID)
                    t += rng.expovariate(rate)
        try:
            await bus.sleep_until(T + n * T + SETTLE_S)
            for stack in by_supi.values():
                stack.nas_input(stack.nas.core.end_of_run)
            await bus.settle()
        finally:
            await bus.close()


def _register(stack: UeStack) -> None:
    stack.ue_op("power_on", {}, _no_usim)
    stack.ue_op("register", {}, _no_usim)


def _no_usim(_ue: UeConfig | None) -> Usim:
    raise AssertionError("the study never changes a USIM")


def _reauthenticate(bus: Bus, net: Layer, twin: Any, supi: str, lost: bool) -> None:
    def op(now: float) -> None:
        if lost:
            twin.link(supi).drop_next("security_mode_command", SMC_TRANSMISSIONS)
        twin.handle_op("reauthenticate", {}, now, supi)

    bus.submit(net, op)


def _lose_smc(bus: Bus, net: Layer, twin: Any, supi: str) -> None:
    bus.submit(net, lambda _now: twin.link(supi).drop_next("security_mode_command",
                                                            SMC_TRANSMISSIONS))


def run_point(point: Point, setup: Setup) -> PointResult:
    """Simulate one point (a top-level function: worker processes can run it)."""
    return StudyRun(point, setup).run_point()


MODES = (("legacy-cache", True), ("per-kaf", False), ("per-kaf", True))


def mode_label(mode: str, akma_defer: bool) -> str:
    if mode == LEGACY_CACHE:
        return "legacy-cache"
    return f"per-kaf, deferral {'on' if akma_defer else 'off'}"
