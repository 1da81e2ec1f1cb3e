"""``ue-stack simulate NAME|FILE``: run a scenario against the network twin.

``--list`` prints one line per built-in scenario (name, a space, a description) and
nothing else. Exit status: 0 every invariant held, 1 a violation, 2 unusable input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .. import colour
from ..app.akma_client import APP_MODES, PER_KAF
from ..capture.writer import PcapWriter
from ..errors import InputError
from ..html_report import Timeline, write_html
from ..keyfile import Keys, load_keys
from ..limits import MAX_JOBS, MAX_UES, int_option
from ..progress import terminal_progress
from ..report import summary_lines, violated_invariants, write_report
from ..runner import CheckedRun
from ..scenarios import Scenario, builtin_names, builtin_scenarios, builtin_text, load_scenario
from ..sharded import SHARD_UES, simulate_sharded
from ..simulation import Recorder, Simulation
from . import (
    add_ci_options,
    add_engine_options,
    add_pcap_epoch,
    add_property_option,
    engine_of,
    only_ues,
    properties_of,
    write_ci,
)


def register(sub: Any) -> None:
    p = sub.add_parser("simulate")
    p.add_argument("scenario", nargs="?", metavar="NAME|FILE",
                   help="a built-in scenario name or a scenario TOML file")
    p.add_argument("--list", action="store_true",
                   help="list the built-in scenarios: name and description, aligned")
    p.add_argument("--show", metavar="NAME",
                   help="print a built-in scenario's TOML (a start for your own; "
                        "docs/scenarios.md)")
    p.add_argument("--app-mode", choices=APP_MODES, help="override the scenario's app_mode")
    p.add_argument("--akma-defer", choices=("on", "off"), help="override akma_defer")
    p.add_argument("--ues", type=int_option(1, MAX_UES), default=1, metavar="N",
                   help="N UEs on one bus")
    p.add_argument("--jobs", type=int_option(1, MAX_JOBS), metavar="N",
                   help="run the UEs in shards (each its own twin) over N worker processes; "
                        "the report and log are the same for any N (docs/cluster.md)")
    p.add_argument("--shard-ues", type=int_option(1, MAX_UES), metavar="M",
                   help=f"with --jobs: UEs per shard (default {SHARD_UES}); the results "
                        "depend on it, not on --jobs")
    add_engine_options(p)
    p.add_argument("--seed", type=int_option(0, 2**64 - 1), metavar="S",
                   help="RAND generator seed")
    p.add_argument("--record", metavar="TRACE", help="write what crossed N1 as a trace")
    p.add_argument("--keys", metavar="FILE",
                   help="credentials CSV (supi,k,opc or supi,k,op) for a [ue] without k/opc; "
                   "a recorded trace then names the SUPI and carries no keys")
    p.add_argument("--log", metavar="FILE", help="exchange log")
    p.add_argument("--report", metavar="FILE",
                   help="write the report JSON (docs/report.md); '-' for stdout")
    p.add_argument("--check-expect", action="store_true",
                   help="exit status reflects whether the scenario met its expect")
    p.add_argument("--diagram", metavar="FILE", help="Mermaid sequence diagram")
    p.add_argument("--html", metavar="FILE", help="one self-contained HTML report")
    p.add_argument("--pcap", metavar="FILE",
                   help="what crossed N1 as a pcap (NGAP/NAS-5GS) Wireshark opens")
    add_pcap_epoch(p)
    add_ci_options(p, per_ue=True)
    add_property_option(p)
    p.set_defaults(run=run)


def run(args: Any) -> int:
    if args.list:
        scenarios = builtin_scenarios()
        width = max(len(s.name) for s in scenarios)
        for scenario in scenarios:
            print(f"{scenario.name:<{width}} {scenario.description}")
        return 0
    if args.show:
        load_scenario(args.show)  # an unknown name: one line, with a did-you-mean
        if args.show not in builtin_names():
            raise InputError("--show prints a built-in scenario; a file is already at hand",
                             file=args.show)
        print(builtin_text(args.show), end="")
        return 0
    report = simulate_report(args)
    if args.report != "-":  # else the report is all that goes to stdout
        print("\n".join(summary_lines(report, colour=colour.enabled(sys.stdout))))
    if args.check_expect:
        return 0 if report.get("expect", {}).get("matched", True) else 1
    return 0 if report["verdict"] == "pass" else 1


def simulate_report(args: Any, show_progress: bool = True) -> dict[str, Any]:
    """Run the scenario ``args`` names, write its outputs, return the report. Shared by the
    command and ``ue_stack.simulate``."""
    if not args.scenario:
        raise InputError("simulate: give a scenario name or file (or --list)")
    keys = load_keys(args.keys) if args.keys else None
    properties = properties_of(args)
    scenario = load_scenario(args.scenario, keys)
    if args.jobs is not None or args.shard_ues is not None or args.engine != "local":
        return _run_sharded(args, scenario)
    recorder = Recorder(args.record, scenario.ue.supi) if args.record else None
    try:
        with terminal_progress(f"{scenario.name}, {args.ues} UE(s)", "step",
                               len(scenario.steps), enabled=show_progress) as bar:
            return _run_simulation(args, scenario, recorder, keys,
                                   bar.update if bar.active else None, properties)
    finally:
        if recorder is not None:
            recorder.close()


# what a shard cannot hand back to be merged (yet): per-run outputs drawn from one bus
_NOT_SHARDED = ("record", "diagram", "html", "pcap", "property", "ue")


def _run_sharded(args: Any, scenario: Scenario) -> dict[str, Any]:
    """``--jobs``: the UEs in shards over the worker pool (``ue_stack.sharded``)."""
    for name in _NOT_SHARDED:
        if getattr(args, name, None):
            raise InputError(f"--{name} draws one bus; it is not available with --jobs, "
                             "--shard-ues or --engine ray", field="--jobs")
    engine = engine_of(args)
    app_mode = args.app_mode or scenario.options.get("app_mode") or PER_KAF
    expected = scenario.expect_for(app_mode)
    expect = None if expected is None else {"verdict": expected.verdict,
                                            "violations": list(expected.violations)}
    report = simulate_sharded(
        scenario, ues=args.ues, jobs=args.jobs or 1, engine=engine,
        shard_ues=args.shard_ues or SHARD_UES, seed=args.seed, app_mode=args.app_mode,
        akma_defer=None if args.akma_defer is None else args.akma_defer == "on",
        log=args.log, expect=expect)
    if args.report:
        write_report(args.report, report)
    write_ci(args, report, per_ue=True, logs={scenario.name: args.log} if args.log else None)
    return report


def _run_simulation(args: Any, scenario: Scenario, recorder: Recorder | None,
                    keys: Keys | None, progress: Callable[[int], None] | None,
                    properties: tuple[Any, ...] = ()) -> dict[str, Any]:
    sim = Simulation(
        scenario,
        app_mode=args.app_mode,
        akma_defer=None if args.akma_defer is None else args.akma_defer == "on",
        ues=args.ues,
        seed=args.seed,
        recorder=recorder,
        progress=progress,
    )
    expected = scenario.expect_for(sim.app_mode)
    expect = None if expected is None else {"verdict": expected.verdict,
                                            "violations": list(expected.violations)}
    net = scenario.network
    outputs: list[Any] = ([PcapWriter(args.pcap, (net.mcc, net.mnc), args.pcap_epoch)]
                          if args.pcap else [])
    timeline = Timeline(scenario.name) if args.html else None
    if timeline is not None:
        outputs.append(timeline)
    with CheckedRun(scenario.name, args.log, args.diagram, outputs=outputs,
                    only_ues=only_ues(args), properties=properties) as checked:
        checked.execute(lambda sink, app1: sim.run(app1, sink))
        report = checked.report(expect)
    if recorder is not None:
        ids = sorted(violated_invariants(report))
        head = sim.header({"verdict": report["verdict"], "violations": ids})
        if keys and head["ue"]["supi"] in keys:  # keys stay out of shareable files
            head["ue"] = {k: v for k, v in head["ue"].items() if k not in ("k", "opc", "op")}
        recorder.finish(head)
    if args.report:
        write_report(args.report, report)
    if timeline is not None:
        write_html(args.html, report, [timeline.data()], f"ue-stack simulate {scenario.name}",
                   args.check_expect)
    write_ci(args, report, per_ue=True, logs={scenario.name: args.log} if args.log else None)
    return report
