"""Simulation: UEs (NAS + upper layers) and the network twin on one bus, driven by a
scenario's timeline (docs/behaviour.md "Network twin"; issue: scenarios, faults, many UEs).

The N1 link between each UE and the twin applies the scenario's faults (drop, duplicate,
delay a named message) in both directions. ``--record`` writes a ue-stack/trace v1 file
of what actually crossed N1 — downlink as the UE received it, uplink as the UE sent it —
plus the UE and application inputs, with ``expect`` set to this run's outcome, so that
``ue-stack replay`` must reach the same verdict.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from .app.akma_client import PER_KAF
from .bus import Bus, Layer
from .events import AfSessionRequest, SendN1
from .invariants.app1 import App1Tracker
from .nas.concealment import suci_config
from .nas.messages import NasMessage
from .nas.mm import Nas, NasConfig
from .nas.usim import Usim, usim_of
from .outputs import finish
from .scenarios import Scenario, Step
from .sink import ExchangeSink
from .trace.schema import UeConfig
from .trace.writer import TraceWriter, header, message_record
from .ue import UeStack, log_network_event


def ue_config_record(ue: UeConfig) -> dict[str, Any]:
    """A ``UeConfig`` as the ``ue`` object of docs/trace-format.md."""
    out: dict[str, Any] = {"supi": ue.supi}
    if ue.k is not None:
        out["k"] = bytes(ue.k).hex()
    if ue.opc is not None:
        out["opc"] = bytes(ue.opc).hex()
    out["sqn_ms"] = ue.sqn_ms.hex()
    out["rid"] = ue.rid
    if ue.home_plmn is not None:
        out["home_plmn"] = {"mcc": ue.home_plmn.mcc, "mnc": ue.home_plmn.mnc}
    if ue.sec_cap is not None:
        out["sec_cap"] = ue.sec_cap.hex()
    if ue.ngksi is not None:
        out["ngksi"] = ue.ngksi
    if ue.suci_profile is not None and ue.hn_public is not None:
        out.update(suci_profile=ue.suci_profile, hn_public=ue.hn_public.hex(),
                   hn_key_id=ue.hn_key_id)
    return out


def nth_supi(base: str, i: int) -> str:
    """The i-th UE of a batch: the scenario's SUPI plus i, same number of digits."""
    return base if i == 0 else str(int(base) + i).zfill(len(base))


class Recorder:
    """Writes what one UE saw as a trace. Records go to a temporary file first because
    the header's ``expect`` is known only at the end; memory stays flat. The output is
    opened at once, so a path that cannot be written stops the run before it starts."""

    def __init__(self, path: str | Path, supi: str) -> None:
        self.path = Path(path)
        self.supi = supi
        # NAME.partial until finish(): an interrupted simulation leaves no trace that
        # looks recorded
        self._out = TraceWriter(self.path, None, "--record", partial=True)
        self._tmp = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()

    def write(self, record: dict[str, Any]) -> None:
        self._tmp.write(orjson.dumps(record) + b"\n")

    def n1(self, t: float, kind: str, message: NasMessage) -> None:
        self.write(message_record(t, kind, message))

    def finish(self, head: dict[str, Any]) -> None:
        self._tmp.seek(0)
        with self._out as w, self._tmp:
            w.write(head)
            w.comment("recorded by `ue-stack simulate --record`: what crossed N1, not faults")
            w.copy_from(self._tmp)
        finish(self.path, "--record")

    def close(self) -> None:
        """Release the files of a run that stopped early (``finish`` closes them too)."""
        self._out.close()
        self._tmp.close()


class Simulation:
    """One scenario run: every exchange goes to ``run``'s ``sink`` (the checker among its
    consumers); ``app1`` gets each ``kaf_request``'s expectation."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        app_mode: str | None = None,
        akma_defer: bool | None = None,
        ues: int = 1,
        first: int = 0,
        total: int | None = None,
        seed: int | None = None,
        recorder: Recorder | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.progress = progress  # called with the number of steps done after each step
        self.app_mode = app_mode or scenario.options.get("app_mode") or PER_KAF
        self.akma_defer = (akma_defer if akma_defer is not None
                           else bool(scenario.options.get("akma_defer", True)))
        self.ues = ues
        # a shard (``simulate --jobs``): UEs first .. first+ues-1 of ``total``
        self.first = first
        self.total = ues if total is None else total
        self.seed = seed
        self.recorder = recorder

    async def run(self, app1: App1Tracker, sink: ExchangeSink | None) -> None:
        scenario = self.scenario
        if self.seed is not None:
            scenario = replace(scenario, network=replace(scenario.network, seed=self.seed))
        twin = scenario.build_twin()
        bus = Bus(sink)
        self.bus = bus
        self.app1 = app1
        by_supi: dict[str, UeStack] = {}
        recorded = self.recorder.supi if self.recorder else None
        net: Layer = bus.add_layer("network", twin, self._network_router(bus, twin, by_supi))
        link = _TwinLink(bus, net, twin, self.recorder)

        stacks: list[UeStack] = []
        for i in range(self.first, self.first + self.ues):
            ue_cfg = scenario.ue if i == 0 else replace(scenario.ue,
                                                        supi=nth_supi(scenario.ue.supi, i))
            if i > 0:
                # every UE of the batch behaves like the scenario's own, faults included
                scenario.provision(twin, ue_cfg, av_faults=True)
            nas = Nas(self._nas_config(scenario), usim_of(ue_cfg))
            stack = UeStack(bus, ue_cfg.supi, nas, app_mode=self.app_mode, network=link,
                            corr_prefix=f"ue{i}/" if self.total > 1 else "")
            stack.recorded = ue_cfg.supi == recorded
            stacks.append(stack)
            by_supi[ue_cfg.supi] = stack

        last_t = 0.0
        try:
            for done, step in enumerate(scenario.steps, 1):
                await bus.sleep_until(step.t)
                last_t = step.t
                for stack in stacks:
                    self._feed(step, stack, twin, net, by_supi)
                if step.kind == "net":
                    self._net(step, bus, twin, net)
                await bus.settle()
                if self.progress is not None:
                    self.progress(done)
            await bus.sleep_until(last_t)
            for stack in stacks:
                stack.nas_input(stack.nas.core.end_of_run)
            await bus.settle()
            app1.finish(bus.seq, bus.now)
        finally:
            await bus.close()

    # -- set-up ---------------------------------------------------------------------------

    def _nas_config(self, scenario: Scenario) -> NasConfig:
        home = scenario.home_plmn
        return NasConfig(snn=scenario.network.snn, home_mcc=home.mcc, home_mnc=home.mnc,
                         akma_defer=self.akma_defer, sec_cap=scenario.ue.sec_cap,
                         # fresh per concealment, the same per seed (nas/concealment.py)
                         suci=suci_config(scenario.ue, str(scenario.network.seed).encode()),
                         build_pdus=True)  # protected uplinks, as --pcap shows them

    def _network_router(self, bus: Bus, twin: Any,
                        by_supi: dict[str, UeStack]) -> Callable[[Layer, object], None]:
        recorder = self.recorder

        def route(_layer: Layer, event: object) -> None:
            if not isinstance(event, SendN1):
                log_network_event(bus, _layer, event, lambda supi: by_supi.get(supi or ""))
                return
            stack = by_supi.get(event.supi or "")
            if stack is None:
                bus.log("note", layer="n1", text="downlink for an unknown UE dropped",
                        ue=event.supi, msg=event.message.msg)
                return
            for delay, message in twin.link(event.supi).apply(event.message, downlink=True):
                deliver = _downlink(stack, message, recorder)
                if delay > 0:
                    bus.loop.call_later(delay, deliver)
                else:
                    deliver()

        return route

    # -- timeline ---------------------------------------------------------------------------

    def _feed(self, step: Step, stack: UeStack, twin: Any, net: Layer,
              by_supi: dict[str, UeStack]) -> None:
        bus, f = stack.bus, step.fields
        rec = self.recorder if stack.recorded else None
        if step.kind == "app":
            bus.log("input", ue=stack.supi, kind="app", action=step.op, app=f["app"],
                    af_fqdn=f["af_fqdn"], ua_id=f["ua_id"].hex(), expect=f.get("expect"))
            self.app1.expect(stack.supi, f["app"], f.get("expect"), bus.seq)
            if rec:
                rec.write({"t": bus.now, "kind": "app", "op": step.op, "app": f["app"],
                           "af_fqdn": f["af_fqdn"], "ua_id": f["ua_id"].hex(),
                           **({"expect": f["expect"]} if f.get("expect") else {})})
            stack.kaf_request(f["app"], f["af_fqdn"], f["ua_id"])
            return
        if step.kind != "ue":
            return
        plain = {k: v for k, v in f.items() if k != "ue"}
        bus.log("input", ue=stack.supi, kind="ue", action=step.op, **plain)
        if rec:
            extra = {"ue": ue_config_record(f["ue"])} if "ue" in f else {}
            rec.write({"t": bus.now, "kind": "ue", "op": step.op, **plain, **extra})
        stack.ue_op(step.op, f, lambda cfg: self._usim_inserted(stack, cfg, by_supi))

    def _usim_inserted(self, stack: UeStack, ue_cfg: UeConfig | None,
                       by_supi: dict[str, UeStack]) -> Usim:
        ue_cfg = ue_cfg or self.scenario.ue
        # the UE now speaks for the new SUPI on N1
        by_supi[ue_cfg.supi] = stack
        stack.supi = ue_cfg.supi
        return usim_of(ue_cfg)

    def _net(self, step: Step, bus: Bus, twin: Any, net: Layer) -> None:
        bus.log("input", kind="net", action=step.op,
                **{k: v for k, v in step.fields.items() if isinstance(v, str | int | float)})
        if step.op == "aanf_context_remove" and self.recorder:
            self.recorder.write({"t": bus.now, "kind": "net", "op": step.op})
        elif step.op == "aanf_service_disable" and self.recorder:
            # what the AAnF does to the UE's context is what replay needs (rel18 choice 2)
            self.recorder.write({"t": bus.now, "kind": "net", "op": "aanf_context_remove",
                                 "note": "aanf_service_disable in the simulation"})
        op, fields = step.op, step.fields
        bus.submit(net, lambda now: twin.handle_op(op, fields, now))

    def header(self, expect: dict[str, Any]) -> dict[str, Any]:
        s = self.scenario
        net = {"snn": s.network.snn} if s.network.snn != _default_snn(s) else {}
        return header(
            s.ue.supi,
            title=f"simulate {s.name}: {s.description}",
            source=f"recorded by `ue-stack simulate {s.name}` (app mode {self.app_mode}, "
                   f"seed {self.seed if self.seed is not None else s.network.seed})",
            ue=ue_config_record(s.ue),
            serving_plmn={"mcc": s.network.mcc, "mnc": s.network.mnc},
            **net,
            options={"app_mode": self.app_mode, "akma_defer": self.akma_defer,
                     **({"af_failure_indication": True}
                        if s.options.get("af_failure_indication") else {})},
            expect=expect,
        )


def _default_snn(s: Scenario) -> str:
    from .crypto.aka import serving_network_name

    return serving_network_name(s.network.mcc, s.network.mnc)


def _downlink(stack: UeStack, message: NasMessage,
              recorder: Recorder | None) -> Callable[[], None]:
    def deliver() -> None:
        if recorder is not None and stack.recorded:
            recorder.n1(stack.bus.now, "dl", message)
        stack.downlink(message)

    return deliver


class _TwinLink:
    """The UE's side of N1 and Ua* towards the twin (an ``ue.N1Link``): uplink faults are
    applied in the network layer's turn, so their notes are logged in order."""

    def __init__(self, bus: Bus, net: Layer, twin: Any, recorder: Recorder | None) -> None:
        self.bus, self.net, self.twin, self.recorder = bus, net, twin, recorder

    def ul(self, stack: UeStack, message: NasMessage) -> None:
        if self.recorder is not None and stack.recorded:
            self.recorder.n1(self.bus.now, "ul", message)
        twin, supi, bus, net = self.twin, stack.supi, self.bus, self.net

        def send(now: float) -> None:
            for delay, msg in twin.link(supi).apply(message):
                if delay > 0:
                    bus.loop.call_later(delay, bus.submit, net,
                                        lambda t, m=msg: twin.handle_n1(supi, m, t))
                else:
                    twin.handle_n1(supi, msg, now)

        bus.submit(net, send)

    def af_session(self, stack: UeStack, request: AfSessionRequest) -> None:
        twin, supi = self.twin, stack.supi
        self.bus.submit(self.net, lambda now: twin.handle_af_session(request, now, supi))

