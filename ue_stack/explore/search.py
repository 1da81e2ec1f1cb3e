"""Bounded breadth-first exploration (issue 17): every path of up to ``depth`` moves
from a switched-off UE, states merged by their canonical key (``run.Observation.key``),
the invariant checker run on every path, the shortest counterexample kept per
invariant and label.

A level's frontier is cut into **tasks** (``expand``: a chunk of parent nodes in, their
children out), plain picklable data through a module-level function, so
``pool.run_many`` runs them on local worker processes or, with ``--engine ray``, as Ray
tasks: the very same tasks. The parent merges the children in task order, so the result
is the same for any number of jobs and either engine.

Labels (docs/explore.md): ``new`` for a violation of ``legacy-cache`` upper layers that
per-kaf ones do not show (the change request's desync); ``W1`` when the violation is
gone once the same path is run with AKMA deferral on (the run had it off); ``W2`` when
an AF session failed (AKMA-4) while the network's AKMA context is not the one the UE's
valid KAUSF gives: the network moved without the UE (RES* accepted but no SMC taken
into use, or the AAnF removed its context) and the UE has no way to know. Anything
else is ``new``. NAS-3 is not explored: each path carries the model's own uplinks as
its expectations.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..pool import LOCAL, Engine, chunk_size, run_many, workers
from .alphabet import STEP, NetView, moves
from .run import Observation, observe

NOT_EXPLORED = frozenset({"NAS-3"})  # the explorer writes the model's uplinks as `ul`


@dataclass(frozen=True)
class Node:
    """One state reached: its path (trace records) and what moves it offers."""

    records: tuple[dict[str, Any], ...]
    net: NetView
    depth: int
    state: str  # 5GMM state (TS 24.501 name)
    timers: tuple[tuple[str, float], ...]
    t: float
    uplinks: int  # `ul` records in the path


@dataclass(frozen=True)
class Settings:
    app_mode: str = "per-kaf"
    akma_defer: bool = True
    attacker: str = "none"


@dataclass(frozen=True)
class Child:
    key: tuple[Any, ...]
    node: Node
    violations: tuple[tuple[str, str], ...]  # (invariant, label)
    rows: frozenset[int]


def root() -> Node:
    return Node((), NetView(), 0, "5GMM-NULL", (), 0.0, 0)


def step(node: Node, move: Any, at: float | None, settings: Settings) -> tuple[Node, Observation]:
    """The node one move further, and what its run showed."""
    t = round(at if at is not None else node.t + STEP, 6)
    record = ({"t": t, **move.record, "note": f"explore: {move.note}"}
              if move.record is not None else
              {"t": t, "kind": "x-note", "text": f"explore: {move.note}"})
    records = [*node.records, record]
    obs = observe(records, settings.app_mode, settings.akma_defer,
                  lambda gen: move.net.key(gen, settings.attacker))
    new = obs.uplinks[node.uplinks:]
    records += [{"t": t, "kind": "ul", **ul,
                 "note": "explore: the model's uplink, kept as the expectation"}
                for ul in new]
    return Node(tuple(records), move.net, node.depth + 1, obs.key[0], obs.timers,
                max(t, obs.t), len(obs.uplinks)), obs


def label(invariant: str, node: Node, obs: Observation, settings: Settings) -> str:
    """W1, W2 or new (module docstring)."""
    def gone_with(app_mode: str, akma_defer: bool) -> bool:
        other = observe(list(node.records), app_mode, akma_defer,
                        lambda gen: node.net.key(gen, settings.attacker))
        return invariant not in {inv for inv, _ in other.violations}

    if settings.app_mode != "per-kaf" and gone_with("per-kaf", settings.akma_defer):
        return "new"  # the change request's desync: gone once apps ask NAS per KAF
    if not settings.akma_defer and gone_with(settings.app_mode, True):
        return "W1"
    if invariant == "AKMA-4" and obs.ue_gen != obs.aanf_gen:
        return "W2"
    return "new"


def expand(task: dict[str, Any]) -> list[Child]:
    """A task: every child of each parent in ``task['parents']`` (a chunk of a level)."""
    settings: Settings = task["settings"]
    out: list[Child] = []
    for parent in task["parents"]:
        for move, at in moves(parent.net, settings.attacker, parent.state, parent.timers):
            node, obs = step(parent, move, at, settings)
            found = []
            for inv in dict.fromkeys(inv for inv, _ in obs.violations):
                if inv not in NOT_EXPLORED:
                    found.append((inv, label(inv, node, obs, settings)))
            out.append(Child(obs.key, node, tuple(found), obs.rows))
    return out


@dataclass
class Result:
    depth: int
    settings: Settings
    states: int = 0
    transitions: int = 0
    seconds: float = 0.0
    rows: set[int] = field(default_factory=set)
    # (invariant, label) -> the shortest path showing it
    findings: dict[tuple[str, str], Node] = field(default_factory=dict)
    per_level: list[int] = field(default_factory=list)


def explore(depth: int, settings: Settings, jobs: int = 1,
            progress: Callable[[Result, int], None] | None = None,
            engine: Engine = LOCAL) -> Result:
    """Breadth-first to ``depth`` moves; states with a violation are not expanded (their
    path already is a counterexample). The tasks run where ``engine`` says."""
    started = time.perf_counter()
    result = Result(depth, settings)
    first = observe([], settings.app_mode, settings.akma_defer,
                    lambda gen: NetView().key(gen, settings.attacker))
    seen = {first.key}
    frontier = [replace(root(), state=first.key[0])]
    result.states = 1
    for level in range(1, depth + 1):
        if not frontier:
            break
        size = chunk_size(len(frontier), workers(max(jobs, 1), engine))
        tasks = [{"settings": settings, "parents": frontier[i:i + size]}
                 for i in range(0, len(frontier), size)]
        nxt: list[Node] = []
        for children in run_many(expand, tasks, jobs, engine):
            for child in children:
                result.transitions += 1
                result.rows |= child.rows
                for finding in child.violations:
                    result.findings.setdefault(finding, child.node)
                if child.key in seen:
                    continue
                seen.add(child.key)
                result.states += 1
                if not child.violations:
                    nxt.append(child.node)
        frontier = nxt
        result.per_level.append(len(nxt))
        result.seconds = time.perf_counter() - started
        if progress is not None:
            progress(result, level)
    result.seconds = time.perf_counter() - started
    return result
