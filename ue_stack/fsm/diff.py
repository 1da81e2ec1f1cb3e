"""A learned device machine against the model's (``--diff``, docs/fsm.md).

The device's machine is restricted to the alphabet's NAS inputs (RRC inputs and any
other are dropped) and run in product with the model's, breadth first from both initial
states over inputs in alphabet order. Where the outputs differ, that input sequence is a
deviation — the shortest one reaching that product state and input, since the search is
breadth first — and the search does not go on through it (a longer sequence through a
difference would end in a deviation already reported). A product state where the
device's machine lacks an input is not compared on that input.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .dot import Learned
from .machine import Mealy


@dataclass
class Deviation:
    inputs: list[str]
    device: str
    model: str
    clause: str = ""
    trace: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "device": self.device, "model": self.model,
                "clause": self.clause, "trace": self.trace}


@dataclass
class Comparison:
    deviations: list[Deviation] = field(default_factory=list)
    product_states: int = 0
    not_compared: set[str] = field(default_factory=set)  # inputs the device lacks somewhere


def compare(model: Mealy, device: Learned) -> Comparison:
    result = Comparison()
    start = (0, device.initial)
    seen = {start}
    queue: deque[tuple[tuple[int, str], list[str]]] = deque([(start, [])])
    while queue:
        (p, q), path = queue.popleft()
        result.product_states += 1
        for a in model.inputs:
            moved = device.delta[q].get(a)
            if moved is None:
                result.not_compared.add(a)
                continue
            p2, out = model.delta[p][a]
            q2, dev_out = moved
            if out != dev_out:
                result.deviations.append(Deviation([*path, a], dev_out, out))
                continue
            if (p2, q2) not in seen:
                seen.add((p2, q2))
                queue.append(((p2, q2), [*path, a]))
    return result
