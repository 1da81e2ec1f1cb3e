"""One explored state: its path (a list of trace records) replayed from the start through
the very code ``ue-stack replay`` runs, then read.

Snapshots are taken by **re-running the prefix**, not by copying the cores: the bus,
its event loop and the checker's closures cannot be deep-copied, and
``benchmarks/bench_explore.py`` measures that a prefix of the depths explored replays in
about the time a ``copy.deepcopy`` of the cores alone takes (see the README). It also
makes every state's path a trace that replays to the same log by construction.

The cores are read (``Observation``) once the last record is fed and settled, before
what happens at the end of a trace (``end_of_run``): the state is the one a longer path
continues from.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from ..crypto.secret import fp
from ..nas import mm
from ..nas.core import MmCore
from ..nas.messages import MESSAGES
from ..nas.states import TRANSITIONS
from ..runner import CheckedRun
from ..trace.loader import Trace
from ..trace.replay import Options, Replay
from ..trace.schema import TraceRecord
from .alphabet import SUPI, header, kakma_fp


class _Uplinks:
    """An output of the run (``runner.Output``) keeping the model's uplinks, so the path
    can carry them as ``ul`` expectations and its trace replays with NAS-3 met."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def feed(self, record: dict[str, Any]) -> None:
        if record["event"] == "n1" and record.get("dir") == "ul":
            names = MESSAGES[record["msg"]][1]
            self.seen.append({"msg": record["msg"],
                              **{n: record[n] for n in names if record.get(n) is not None}})

    def violation(self, v: Any) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Observation:
    """What one run shows: the state's key (canonical, generations renumbered), what
    moves it offers, and the invariants violated on the way."""

    key: tuple[Any, ...]
    powered: bool
    timers: tuple[tuple[str, float], ...]  # running timers and their deadlines
    t: float  # model time after the last record
    violations: tuple[tuple[str, str], ...]  # (invariant, message), in log order
    rows: frozenset[int]  # NAS transition table rows fired
    uplinks: tuple[dict[str, Any], ...]  # every uplink of the run, as `ul` record fields
    ue_gen: str | None  # KAKMA fingerprints: the UE's valid KAUSF, the AAnF's context
    aanf_gen: str | None


ROW_OF: dict[tuple[str, Any], int] = {}
for _i, (_trigger, _source, _dest) in enumerate(TRANSITIONS):
    for _s in (_source if isinstance(_source, list | tuple | frozenset) else (_source,)):
        ROW_OF[(_trigger, _s)] = _i


@contextmanager
def recording_rows(into: set[int]) -> Iterator[None]:
    """Note every table row the NAS fires (legal triggers only) while inside.
    ``Nas._fire`` is the one place the table is run, so wrapping it sees every row."""
    original = mm.Nas._fire

    def fire(self: MmCore, trigger: str, *, remote: bool) -> None:
        row = ROW_OF.get((trigger, self.state))
        original(self, trigger, remote=remote)
        if row is not None:
            into.add(row)

    mm.Nas._fire = fire  # type: ignore[method-assign]
    try:
        yield
    finally:
        mm.Nas._fire = original  # type: ignore[method-assign]


def trace_bytes(hdr: dict[str, Any], records: list[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in (hdr, *records)) + b"\n"


def observe(records: list[dict[str, Any]], app_mode: str, akma_defer: bool,
            net_key: Any) -> Observation:
    """Replay ``records`` and read the state they leave. ``net_key(gen)`` is the network
    view's part of the key, given the generation renumbering."""
    hdr = header(app_mode, akma_defer, "explore prefix")
    trace = Trace("<explore>", trace_bytes(hdr, records))
    replay = Replay(trace.header, Options(), lambda *a: None)
    seen: list[Observation] = []
    rows: set[int] = set()

    def feed() -> Iterator[TraceRecord]:
        last: TraceRecord | None = None
        for last in trace:
            yield last
        # one more record makes replay feed the last one; then read before it is fed
        yield TraceRecord(line=0, t=last.t if last else 0.0, kind="ue", op="advance")
        seen.append(_read(replay, run, rows, net_key, tuple(uplinks.seen)))
        # the run then ends as any replay does; what it does after this is not read

    uplinks = _Uplinks()
    with CheckedRun("<explore>", outputs=[uplinks]) as run:
        replay.record = run.record
        with recording_rows(rows):
            run.execute(lambda sink, app1: replay.run(feed(), app1, sink))
    return seen[0]


def _read(replay: Replay, run: CheckedRun, rows: set[int], net_key: Any,
          uplinks: tuple[dict[str, Any], ...]) -> Observation:
    ue = replay.ue
    nas = ue.nas.core
    shadow = replay.shadow
    names: dict[str | None, int | None] = {None: None}

    def gen(fp_: str | None) -> int | None:
        if fp_ not in names:
            names[fp_] = len(names)
        return names[fp_]

    valid, pending = nas.kausf.valid, nas.kausf.pending
    ue_gen = kakma_fp(valid) if valid is not None else None
    ctx = shadow.aanf.context(SUPI)
    aanf_gen = kakma_fp_of_context(ctx)
    apps = []
    for name in sorted(ue.apps):
        client = ue.apps[name].core
        cached = client._cached  # legacy-cache: the KAKMA reused
        apps.append((name, client.waiting,
                     gen(None if cached is None else cached.k_akma_fp)))
    timers = tuple(sorted((n, d) for n in mm.DEFAULT_TIMERS
                          if (d := nas.timers.deadline(n)) is not None))
    usim = nas.usim
    key = (
        nas.state.value, nas.update_status.value, nas.guti is not None,
        None if usim is None else usim.valid,
        gen(ue_gen), gen(kakma_fp(pending) if pending is not None else None), gen(aanf_gen),
        nas.deferred_requests, tuple(n for n, _ in timers), nas.attempt_counter,
        # which registration is (or was last) running: a failed periodic update keeps 5U1,
        # a mobility one does not (5.5.1.3.7), so the two are different states
        nas._registration_type,
        nas._auth_failures, _ngksi(nas.contexts.current), _ngksi(nas.contexts.partial),
        tuple(apps),
        # what the protection boundary decides on (TS 24.501 4.4.4.2, 4.4.3.1): secure
        # exchange, and whether a replayed first COUNT of the context would be a replay
        nas.boundary.secure, _counted(nas.contexts.current), _counted(nas.contexts.partial),
        net_key(gen),
    )
    return Observation(key, nas.state is not mm.S.NULL, timers, replay.bus.now,
                       tuple((v.invariant, v.message) for v in run.violations),
                       frozenset(rows), uplinks, ue_gen, aanf_gen)


def _ngksi(ctx: Any) -> int | None:
    return None if ctx is None else ctx.ngksi


def _counted(ctx: Any) -> bool | None:
    return None if ctx is None else ctx.dl_count >= 0


def _fp(k_akma: bytes) -> str:
    return fp(k_akma)


def kakma_fp_of_context(ctx: Any) -> str | None:
    return None if ctx is None else _fp(ctx.k_akma)
