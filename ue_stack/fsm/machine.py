"""The model's Mealy machine over an abstract alphabet (docs/fsm.md).

**How it is computed.** The NAS core is driven directly, as ``ue-stack replay`` drives it
(the same ``Nas`` object, each input a record the trace loader reads, so the machine and
the replayed traces agree by construction); outputs are the uplinks the core queued,
``null_action`` when it sent none (it discarded the message, or acted without answering).
Exploration is breadth first from the initial state (a UE switched on, 5GMM-DEREGISTERED);
states are merged when their **canonical snapshot** is equal: everything of the core and
the mapper that decides what a later input does — 5GMM state, update status, GUTI held,
timers running, challenge stored, counters, secure exchange, the security contexts
(ngKSIs and KAMFs renumbered by first appearance, never key bytes), the KAUSFs, and for
every NAS COUNT the mapper can send whether the UE would take it as fresh (counts
themselves grow without bound and are not behaviour). The explored machine is then
minimised by partition refinement (Moore), so states the snapshot tells apart but no
input sequence does are merged.

**Why not active learning (AALpy).** L*/KV learning treats the system as a black box and
needs an equivalence oracle (W-method or random walks) whose guarantee is only up to a
bound. The model is white box: the snapshot gives states directly and the exploration
is exhaustive. A test still runs random words against the machine as an independent
check of the snapshot (tests/fsm), the oracle a learner would use.

Model time stands still between inputs (0.1 s apart, far below every timer), as a
learner's queries do: no timer fires.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import ProtocolError
from ..events import Discarded, SendN1
from ..explore import alphabet as sub  # the test subscriber and serving network
from ..nas.context import NasSecurityContext
from ..nas.messages import MESSAGES, NasMessage
from ..nas.mm import DEFAULT_TIMERS, Nas, NasConfig
from ..nas.states import DEREGISTERED
from ..nas.states import MmState as S
from ..nas.usim import Usim
from ..trace.loader import Trace
from . import alphabet as ab

STEP = 0.1
Transition = tuple[int, str]  # (next state, output)


@dataclass
class Mealy:
    """A complete deterministic Mealy machine: ``delta[s][input] = (s', output)``; state
    0 is the initial one."""

    inputs: tuple[str, ...]
    delta: list[dict[str, Transition]]

    @property
    def states(self) -> int:
        return len(self.delta)

    def run(self, word: Iterable[str], state: int = 0) -> list[str]:
        out = []
        for a in word:
            state, o = self.delta[state][a]
            out.append(o)
        return out


def header(title: str, expect: dict[str, Any] | None = None) -> dict[str, Any]:
    """The trace header of every word the fsm command runs (test subscriber, TS 35.208)."""
    out: dict[str, Any] = {
        "kind": "header", "format": "ue-stack/trace", "version": 1, "title": title,
        "source": f"ue-stack fsm --alphabet {ab.NAME}: the model's side of an input word",
        "ue": {"supi": sub.SUPI, "k": sub.K.hex(), "opc": sub.OPC.hex()},
        "serving_plmn": {"mcc": sub.MCC, "mnc": sub.MNC}}
    if expect is not None:
        out["expect"] = expect
    return out


def _message(record: dict[str, Any]) -> NasMessage:
    """A dl record as the trace loader reads it (types and protection as in replay)."""
    lines = (header("fsm input"), {"t": 0.0, "kind": "ue", "op": "power_on"},
             {"t": 0.0, **record})
    trace = Trace("<fsm>", b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    recs = list(trace)
    message = recs[-1].message
    assert message is not None
    return message


def _ul_fields(message: NasMessage) -> dict[str, Any]:
    """An uplink as a trace's ``ul`` record fields (the NAS-3 expectation)."""
    out: dict[str, Any] = {"msg": message.msg}
    for name in MESSAGES[message.msg][1]:
        value = message.fields.get(name)
        if value is not None:
            out[name] = value.hex() if isinstance(value, bytes | bytearray) else value
    return out


CLAUSE_NO_CONNECTION = "TS 24.501 5.3.1.1"  # no N1 NAS signalling connection to send on
# The procedure each input message starts, for an input the model acted on
PROCEDURE_CLAUSE = {
    "register": "TS 24.501 5.5.1.2.2",
    "identity_request": "TS 24.501 5.4.3.3",
    "authentication_request": "TS 24.501 5.4.1.3.2",
    "security_mode_command": "TS 24.501 5.4.2.3",
    "registration_accept": "TS 24.501 5.5.1.2.4",
    "configuration_update_command": "TS 24.501 5.4.4.3",
    "deregistration_request": "TS 24.501 5.5.2.3.2",
}
CLAUSE_NOT_COMPATIBLE = "TS 24.501 7.4"  # 5GMM STATUS #98: not compatible with the state


def _clause(record: dict[str, Any], events: list[object], refused: bool) -> str:
    """The clause the model followed for one input: a discard's, a cause or note's own,
    else the procedure's."""
    for event in events:
        if isinstance(event, Discarded):
            return event.clause
    for event in events:
        if isinstance(event, SendN1) and event.message.msg == "status":
            return CLAUSE_NOT_COMPATIBLE
    for event in events:
        if isinstance(event, SendN1) and event.message.msg == "security_mode_reject":
            # 5G-IA0 outside an emergency, else a context it cannot take into use
            return ("TS 24.501 5.4.2.3; TS 33.501 5.5.2" if record.get("nia") == 0
                    else "TS 24.501 5.4.2.5")
    if refused:
        return "TS 24.501 5.5.1.2.2 (initial registration starts from 5GMM-DEREGISTERED)"
    return PROCEDURE_CLAUSE[record.get("msg") or record["op"]]


class Driven:
    """The model (NAS core) with the alphabet's mapper: one position in the machine."""

    def __init__(self) -> None:
        self.nas = Nas(NasConfig(snn=sub.SNN, home_mcc=sub.MCC, home_mnc=sub.MNC),
                       Usim(sub.SUPI, sub.K, sub.OPC))
        self.net = ab.Network()
        self.t = 0.0
        self.clause = ""
        self.nas.power_on(self.t)
        self.nas.outbox.drain()

    def copy(self) -> Driven:
        return copy.deepcopy(self)

    def step(self, name: str) -> tuple[str, list[dict[str, Any]]]:
        """Feed abstract input ``name``: its output and the trace records it makes (the
        input, then the model's uplinks as ``ul`` expectations), with ``t``. ``clause``
        then says which clause the model followed."""
        self.t = round(self.t + STEP, 6)
        nas = self.nas
        record = ab.concrete(name, self.net, nas.contexts)
        if record["kind"] == "dl" and not self.net.connected:
            # no N1 signalling connection: the network has nobody to send it to
            self.clause = CLAUSE_NO_CONNECTION
            note = {"t": self.t, "kind": "x-note",
                    "text": f"fsm: {name} not sent: no N1 signalling connection"}
            return ab.NULL_ACTION, [note]
        refused = False
        if record["kind"] == "ue":
            try:
                nas.register(self.t)
            except ProtocolError:
                refused = True  # not allowed in this state: the UE does not start one
        else:
            nas.handle_n1(_message(record), self.t)
        events = nas.outbox.drain()
        uplinks = [e.message for e in events if isinstance(e, SendN1)]
        output = ab.output_of([m.msg for m in uplinks])
        self.clause = _clause(record, events, refused)
        self.net = ab.after(name, self.net, record, output, nas.contexts,
                            nas.state is S.NULL or nas.state in DEREGISTERED)
        records = [{"t": self.t, **record, "note": f"fsm: {name}"}]
        records += [{"t": self.t, "kind": "ul", **_ul_fields(m)} for m in uplinks]
        return output, records

    def key(self) -> tuple[Any, ...]:
        """The canonical snapshot (module docstring)."""
        nas, net = self.nas, self.net
        names: dict[tuple[str, Any], int] = {}

        def canon(kind: str, value: Any) -> int | None:
            if value is None:
                return None
            return names.setdefault((kind, value), len(names))

        def ctx_key(ctx: NasSecurityContext | None) -> tuple[Any, ...] | None:
            if ctx is None:
                return None
            return (canon("ngksi", ctx.ngksi), canon("kamf", ab._kamf_fp(ctx)),
                    ctx.nea, ctx.nia, ctx.dl_count >= 0)

        contexts = nas.contexts
        timers = tuple(n for n in DEFAULT_TIMERS if nas.timers.deadline(n) is not None)
        usim = nas.usim
        fresh = {}
        for name in ab.INPUTS:  # would the COUNT this input carries be taken as fresh?
            record = ab.concrete(name, net, contexts) if name != "auth_request_plain_text" \
                else None
            if record is not None and record.get("count") is not None:
                ctx = (ab._named(contexts, record["ngksi"])
                       if record["msg"] == "security_mode_command" else contexts.current)
                fresh[name] = (record["mac"], ctx is not None and
                               record["count"] > ctx.dl_count)
        return (
            nas.state.value, nas.update_status.value, nas.guti is not None,
            None if usim is None else usim.valid, nas.attempt_counter, nas._auth_failures,
            nas._registration_type, nas.registration_identity, nas._switch_off_sent,
            timers, nas._rand is not None, nas.stored_suci is not None,
            nas.boundary.secure, ctx_key(contexts.current), ctx_key(contexts.partial),
            canon("kausf", nas.kausf.valid_fp), canon("kausf", nas.kausf.pending_fp),
            canon("ngksi", net.next_ngksi),
            None if net.partial is None else (canon("ngksi", net.partial.ngksi),
                                              canon("kamf", net.partial.kamf)),
            None if net.current is None else (canon("ngksi", net.current.ngksi),
                                              canon("kamf", net.current.kamf)),
            None if net.last_smc is None else canon("kamf", net.last_smc.protected_with.kamf),
            None if net.last_cuc is None else canon("kamf", net.last_cuc.protected_with.kamf),
            net.connected, tuple(sorted(fresh.items())),
        )


@dataclass
class Explored:
    """The machine before minimisation, with a shortest access word per state."""

    machine: Mealy
    access: list[tuple[str, ...]]


def explore(inputs: tuple[str, ...] = ab.INPUTS, limit: int = 10_000) -> Explored:
    """Breadth-first over inputs from the initial state, states merged by snapshot."""
    start = Driven()
    index = {start.key(): 0}
    nodes = [start]
    access: list[tuple[str, ...]] = [()]
    delta: list[dict[str, Transition]] = [{}]
    queue = deque([0])
    while queue:
        s = queue.popleft()
        for a in inputs:
            child = nodes[s].copy()
            out, _ = child.step(a)
            k = child.key()
            target = index.get(k)
            if target is None:
                if len(nodes) >= limit:
                    raise RuntimeError(f"more than {limit} model states: snapshot unbounded")
                target = index[k] = len(nodes)
                nodes.append(child)
                access.append((*access[s], a))
                delta.append({})
                queue.append(target)
            delta[s][a] = (target, out)
    return Explored(Mealy(inputs, delta), access)


def minimise(machine: Mealy) -> tuple[Mealy, list[int]]:
    """Moore partition refinement: the minimal machine, and the block of each state.
    Blocks are numbered by breadth-first order from the initial state (inputs in
    alphabet order), so the result is canonical: equal behaviour, equal numbering."""
    n, inputs = machine.states, machine.inputs
    block = [0] * n
    signature: dict[tuple[Any, ...], int] = {}
    for s in range(n):
        sig: tuple[Any, ...] = tuple(machine.delta[s][a][1] for a in inputs)
        block[s] = signature.setdefault(sig, len(signature))
    while True:
        signature = {}
        new = [0] * n
        for s in range(n):
            sig = (block[s], *(block[machine.delta[s][a][0]] for a in inputs))
            new[s] = signature.setdefault(sig, len(signature))
        if len(signature) == len(set(block)):
            break
        block = new
    # canonical numbering: BFS over blocks
    order: dict[int, int] = {block[0]: 0}
    rep = {block[s]: s for s in reversed(range(n))}
    queue = deque([block[0]])
    while queue:
        b = queue.popleft()
        for a in inputs:
            t = block[machine.delta[rep[b]][a][0]]
            if t not in order:
                order[t] = len(order)
                queue.append(t)
    delta: list[dict[str, Transition]] = [{} for _ in order]
    for b, number in order.items():
        for a in inputs:
            t, out = machine.delta[rep[b]][a]
            delta[number][a] = (order[block[t]], out)
    return Mealy(inputs, delta), [order[block[s]] for s in range(n)]


def model_machine(inputs: tuple[str, ...] = ab.INPUTS) -> Mealy:
    """The model's complete, minimal Mealy machine over ``inputs``."""
    return minimise(explore(inputs).machine)[0]


def word_records(word: Iterable[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Run ``word`` from the initial state: the outputs and every trace record (after the
    header: ``power_on`` first)."""
    driven = Driven()
    outputs, records = [], [{"t": 0.0, "kind": "ue", "op": "power_on"}]
    for a in word:
        out, recs = driven.step(a)
        outputs.append(out)
        records += recs
    return outputs, records
