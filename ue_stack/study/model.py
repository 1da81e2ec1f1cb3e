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
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from typing import Any

from ..app.akma_client import LEGACY_CACHE
from ..bus import Bus, Layer, run_virtual
from ..nas.mm import Nas
from ..nas.usim import Usim
from ..scenarios import load_scenario
from ..simulation import Simulation, _TwinLink, nth_supi
from ..trace.replay import usim_of
from ..trace.schema import UeConfig
from ..ue import UeStack

APP, AF_FQDN, UA_ID = "app", "af.example.com", bytes.fromhex("0100000007")
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

    def seed(self, base: int) -> int:
        """A seed of its own, derived from ``--seed`` and the parameters: results do not
        depend on which process runs the point, nor on the order."""
        text = (f"{base}:{self.mode}:{self.akma_defer}:{self.reauth_interval_s!r}:"
                f"{self.kaf_rate_per_min!r}:{self.smc_loss!r}")
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@dataclass(frozen=True, slots=True)
class Setup:
    ues: int = 40
    intervals: int = 20
    latency_s: float = 0.5
    seed: int = 0


@dataclass(slots=True)
class UeCounts:
    sessions: int = 0
    failed: int = 0
    requests: int = 0
    deferred: int = 0
    rejected: int = 0


@dataclass(slots=True)
class PointResult:
    point: Point
    ues: list[UeCounts]
    defer_latencies_s: list[float] = field(default_factory=list)
    w1_s: list[float] = field(default_factory=list)  # AAnF switch -> UE's KAUSF valid


class _Counter:
    """The study's exchange sink: counts what the study measures, keeps nothing else."""

    def __init__(self, supis: list[str]) -> None:
        self.by_ue = {s: UeCounts() for s in supis}
        self.latencies: list[float] = []
        self.w1: list[float] = []
        self._asked: dict[Any, float] = {}
        self._aanf_switch: dict[str, float] = {}

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
        elif event == "aanf" and record.get("action") == "replaced":
            self._aanf_switch[ue] = record["t"]
        elif event == "kausf" and record.get("action") == "valid" and ue in self._aanf_switch:
            self.w1.append(record["t"] - self._aanf_switch.pop(ue))

    def close(self) -> None:
        pass


class StudyRun(Simulation):
    """The scenario ``happy-path`` (its credentials and network) for many UEs, driven by
    the study's own per-UE timeline instead of the scenario's steps."""

    def __init__(self, point: Point, setup: Setup) -> None:
        super().__init__(load_scenario("happy-path"), app_mode=point.mode,
                         akma_defer=point.akma_defer, ues=setup.ues)
        self.point, self.setup = point, setup
        self.supis = [nth_supi(self.scenario.ue.supi, i) for i in range(setup.ues)]

    def run_point(self) -> PointResult:
        counter = _Counter(self.supis)
        run_virtual(self._drive(counter))
        return PointResult(self.point, list(counter.by_ue.values()), counter.latencies,
                           counter.w1)

    async def _drive(self, counter: _Counter) -> None:
        point, setup = self.point, self.setup
        seed = point.seed(setup.seed)
        rng = random.Random(seed)
        scenario = replace(self.scenario, network=replace(self.scenario.network, seed=seed))
        twin = scenario.build_twin()
        twin.n1_latency = setup.latency_s
        bus = Bus(counter)
        by_supi: dict[str, UeStack] = {}
        net: Layer = bus.add_layer("network", twin, self._network_router(bus, twin, by_supi))
        link = _TwinLink(bus, net, twin, None)
        T, n = point.reauth_interval_s, setup.intervals
        rate = point.kaf_rate_per_min / 60.0
        for i, supi in enumerate(self.supis):
            ue_cfg = replace(scenario.ue, supi=supi)
            if i > 0:
                scenario.provision(twin, ue_cfg, av_faults=False)
            stack = UeStack(bus, supi, Nas(self._nas_config(scenario), usim_of(ue_cfg)),
                            app_mode=self.app_mode, network=link, corr_prefix=f"ue{i}/")
            by_supi[supi] = stack
            start = rng.uniform(0.0, T)
            bus.loop.call_at(start, _register, stack)
            for k in range(1, n):
                lost = rng.random() < point.smc_loss
                bus.loop.call_at(start + k * T, _reauthenticate, bus, net, twin, supi, lost)
            if rate > 0:
                t = start + rng.expovariate(rate)
                while t < start + n * T:
                    bus.loop.call_at(t, stack.kaf_request, APP, AF_FQDN, UA_ID)
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


def run_point(point: Point, setup: Setup) -> PointResult:
    """Simulate one point (a top-level function: worker processes can run it)."""
    return StudyRun(point, setup).run_point()


MODES = (("legacy-cache", True), ("per-kaf", False), ("per-kaf", True))


def mode_label(mode: str, akma_defer: bool) -> str:
    if mode == LEGACY_CACHE:
        return "legacy-cache"
    return f"per-kaf, deferral {'on' if akma_defer else 'off'}"
