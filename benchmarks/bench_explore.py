"""The explorer's snapshot choice (issue 17): re-running a state's path from the start
(what ``ue_stack.explore`` does) next to ``copy.deepcopy`` of the cores that state
holds (NAS with its USIM, the AKMA clients, the shadow network, the invariant checker).
A copy alone is not a usable snapshot — the bus, its event loop and the checker's
callbacks would still have to be rebuilt around it — so the copy's time is a lower
bound on what snapshotting by copying would cost. Rounds interleaved, best kept; prints
both per path length and their ratio.

    .venv/bin/python benchmarks/bench_explore.py [ROUNDS]
"""

from __future__ import annotations

import copy
import sys
import time
from typing import Any

from ue_stack.explore import run as explore_run
from ue_stack.explore.alphabet import NetView, moves
from ue_stack.explore.search import Settings, root, step

PATH = ["power_on", "register", "challenge", "smc-nia2", "registration-accept", "kaf-mail",
        "challenge", "kaf-mail", "smc-nia2", "kaf-mail"]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    settings = Settings()
    node = root()
    cores: dict[str, Any] = {}
    original = explore_run._read

    def read(replay: Any, run: Any, *args: Any) -> Any:
        cores["state"] = (replay.ue.nas.core, [layer.core for layer in replay.ue.apps.values()],
                          replay.shadow, run.checker)
        return original(replay, run, *args)

    explore_run._read = read  # type: ignore[assignment]
    print("depth  prefix re-run ms  deepcopy of the cores ms  ratio")
    for depth, name in enumerate(PATH, 1):
        move, at = next((m, a) for m, a in moves(node.net, "none", node.state, node.timers)
                        if m.name == name)
        node, _ = step(node, move, at, settings)
        best_run = best_copy = float("inf")
        for _ in range(rounds):
            t0 = time.perf_counter()
            explore_run.observe(list(node.records), "per-kaf", True,
                                lambda gen: NetView().key(gen, "none"))
            t1 = time.perf_counter()
            copy.deepcopy(cores["state"])
            t2 = time.perf_counter()
            best_run, best_copy = min(best_run, t1 - t0), min(best_copy, t2 - t1)
        print(f"{depth:>5}  {best_run * 1e3:>16.2f}  {best_copy * 1e3:>24.2f}  "
              f"{best_run / best_copy:>5.2f}")


if __name__ == "__main__":
    main()
