"""The bus: ordering, model time, failures, shutdown, and the exchange sink.

The NAS here is a stand-in (``fakes.FakeNas``) so that these tests pin the bus alone.
"""

from __future__ import annotations

import asyncio
import io
import random

import orjson
import pytest
import structlog
from fakes import SUPI, FakeNas

from ue_stack import logconfig
from ue_stack.app.akma_client import LEGACY_CACHE, PER_KAF
from ue_stack.bus import Bus, run_virtual
from ue_stack.crypto import akma
from ue_stack.crypto.secret import SECRET_NAMES, Key, fp
from ue_stack.sink import JsonLinesSink
from ue_stack.ue import UeStack

UA_TLS = bytes.fromhex("0100000007")
KAUSF_1, KAUSF_2 = bytes(range(32)), bytes(range(32, 64))


def run(scenario, *, app_mode=PER_KAF, driver_settles=False):
    """Run ``scenario(bus, ue, nas)`` on a virtual clock; return the log as dicts."""
    out = io.BytesIO()

    async def main():
        bus = Bus(JsonLinesSink(out), driver_settles=driver_settles)
        nas = FakeNas()
        ue = UeStack(bus, SUPI, nas, app_mode=app_mode)
        try:
            await scenario(bus, ue, nas)
        finally:
            await bus.close()

    run_virtual(main())
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def k_akma_fp(kausf: bytes) -> str:
    return fp(akma.k_akma(kausf, SUPI))


def test_every_request_is_answered_once_and_in_order_while_kausf_changes():
    """Many applications ask for keys at once while a re-authentication replaces KAUSF:
    each request gets exactly one answer with its corr, and each application sees its
    answers in the order it asked (one consumer task per layer)."""
    apps = [f"app{i}" for i in range(6)]
    rng = random.Random(7)

    async def scenario(bus, ue, nas):
        ue.nas_input(lambda now: nas.set_kausf(KAUSF_1, now))
        await bus.settle()
        for i in range(300):
            ue.kaf_request(rng.choice(apps), "af.example.com", UA_TLS)
            if i == 150:
                for _ in range(3):  # let the app layers hand their requests to NAS
                    await asyncio.sleep(0)
                ue.nas_input(lambda now: nas.set_kausf(KAUSF_2, now))
        await bus.settle()

    log = run(scenario)
    prims = [r for r in log if r["event"] == "primitive"]
    requests = [r for r in prims if r["name"] == "ObtainAkmaKeyRequest"]
    answers = [r for r in prims if r["name"] != "ObtainAkmaKeyRequest"]
    assert len(requests) == 300
    assert sorted(r["corr"] for r in answers) == sorted(r["corr"] for r in requests)
    for app in apps:
        asked = [r["corr"] for r in requests if r["src"] == f"app:{app}"]
        answered = [r["corr"] for r in answers if r["dst"] == f"app:{app}"]
        assert answered == asked
    used = {r["k_akma_fp"] for r in log if r["event"] == "kaf_derived"}
    assert used == {k_akma_fp(KAUSF_1), k_akma_fp(KAUSF_2)}


def test_timers_fire_in_model_time_not_wall_time():
    """A 30 s timer of a core fires at t = 30 on the virtual clock, instantly."""
    seen = {}

    async def scenario(bus, ue, nas):
        ue.nas_input(lambda now: nas.start_timer("T3516", now, 30.0))
        ue.nas_input(lambda now: nas.start_timer("T3520", now, 15.0))
        await bus.sleep_until(3600)
        seen["fired"], seen["now"] = nas.fired, bus.now

    run(scenario)
    assert seen["fired"] == [("T3520", 15.0), ("T3516", 30.0)]
    assert seen["now"] == 3600


def test_a_failing_layer_stops_the_run_and_its_error_surfaces():
    """A core bug is never swallowed: the run stops and the error reaches the caller."""

    async def scenario(bus, ue, nas):
        ue.nas_input(nas.boom)
        await bus.settle()

    with pytest.raises(ZeroDivisionError, match="core bug"):
        run(scenario)


def test_clean_shutdown_leaves_no_task_pending():
    left = {}

    async def main():
        bus = Bus()
        nas = FakeNas()
        ue = UeStack(bus, SUPI, nas)
        ue.kaf_request("mail", "af.example.com", UA_TLS)
        ue.nas_input(lambda now: nas.start_timer("T3510", now, 15.0))
        await bus.settle()
        await bus.close()
        left["tasks"] = asyncio.all_tasks() - {asyncio.current_task()}

    run_virtual(main())
    assert left["tasks"] == set()


async def test_the_bus_also_runs_in_real_time():
    """Live use: on a normal event loop, timers fire after real seconds."""
    bus = Bus()
    nas = FakeNas()
    ue = UeStack(bus, SUPI, nas)
    ue.nas_input(lambda now: nas.start_timer("T3516", now, 0.02))
    await bus.settle()
    await asyncio.sleep(0.1)
    await bus.settle()
    await bus.close()
    assert [name for name, _ in nas.fired] == ["T3516"]


def test_per_kaf_derives_from_the_new_kakma_after_reauthentication_legacy_does_not():
    """docs/behaviour.md timeline t1..t4: after KAUSF2 replaces KAUSF1, a per-kaf app derives
    KAF from KAKMA2; a legacy-cache app keeps deriving from KAKMA1 (TS 24.501 4.21)."""

    async def scenario(bus, ue, nas):
        ue.nas_input(lambda now: nas.set_kausf(KAUSF_1, now))
        ue.kaf_request("mail", "af.example.com", UA_TLS)
        await bus.sleep_until(10)
        ue.nas_input(lambda now: nas.set_kausf(KAUSF_2, now))
        await bus.sleep_until(20)
        ue.kaf_request("mail", "af.example.com", UA_TLS)
        await bus.settle()

    for mode, second in ((PER_KAF, KAUSF_2), (LEGACY_CACHE, KAUSF_1)):
        derived = [r for r in run(scenario, app_mode=mode) if r["event"] == "kaf_derived"]
        assert [r["k_akma_fp"] for r in derived] == [k_akma_fp(KAUSF_1), k_akma_fp(second)]
        if mode == LEGACY_CACHE:
            assert derived[1]["corr"] is None  # no fresh confirm behind it (AKMA-1)


def test_log_lines_follow_the_xlog_contract():
    """docs/exchange-log.md: seq strictly increasing, t a number, the fields each event
    needs, keys only as fingerprints."""

    async def scenario(bus, ue, nas):
        ue.kaf_request("mail", "af.example.com", UA_TLS)  # rejected: no KAUSF yet
        await bus.settle()
        ue.nas_input(lambda now: nas.set_kausf(KAUSF_1, now))
        await bus.sleep_until(5)
        ue.kaf_request("mail", "af.example.com", UA_TLS)
        await bus.settle()

    log = run(scenario)
    required = {
        "primitive": {"src", "dst", "name", "corr"},
        "kausf": {"action", "k_ausf_fp"},
        "kaf_derived": {"app", "corr", "af_id", "a_kid", "k_akma_fp", "k_af_fp"},
    }
    assert [r["seq"] for r in log] == list(range(1, len(log) + 1))
    for r in log:
        assert isinstance(r["t"], float | int)
        assert required.get(r["event"], set()) <= r.keys(), r
        assert not SECRET_NAMES & r.keys(), r
        assert r["ue"] == SUPI
    assert {r["event"] for r in log} >= {"primitive", "kausf", "kaf_derived"}
    rejects = [r for r in log if r.get("name") == "ObtainAkmaKeyReject"]
    assert [r["cause"] for r in rejects] == ["kausf_unavailable"]


def test_redaction_processor_drops_secret_named_fields_and_redacts_keys():
    """The second guard, exercised explicitly (structlog's capture_logs would bypass it):
    a secret-named field never reaches the rendered line, and a Key under a harmless name
    is rendered <redacted>."""
    secret = Key(bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc"))
    logger = structlog.wrap_logger(  # its own wrapper: whatever the CLI configured
        structlog.ReturnLogger(),
        processors=[logconfig.redact_secrets, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.BoundLogger,
    )
    line = logger.info("note", seq=1, t=0.0, k=secret, k_akma=secret.hex(), kausf="x",
                       carried=secret)
    rec = orjson.loads(line)
    assert rec == {"seq": 1, "t": 0.0, "event": "note", "carried": "<redacted>"}
    assert secret.hex() not in line


def test_the_exchange_sink_never_gets_a_secret_a_layer_tries_to_log():
    out = io.BytesIO()

    async def main():
        bus = Bus(JsonLinesSink(out))
        bus.log("note", text="oops", k_ausf=Key(KAUSF_1), emsk=KAUSF_1.hex())
        await bus.close()

    run_virtual(main())
    assert KAUSF_1.hex() not in out.getvalue().decode()
    assert orjson.loads(out.getvalue()) == {"seq": 1, "t": 0.0, "event": "note", "text": "oops"}


def test_idle_model_time_is_jumped_over_not_stepped_through():
    """Issue 11: a trace whose t jumps to 1e7, or an advance to 1e5 s, costs nothing:
    the clock goes straight to the next deadline; with none due, no loop turn at all."""
    turns = {}

    async def scenario(bus, ue, nas):
        selector = bus.loop._selector
        calls = []
        real = selector.select
        selector.select = lambda timeout=None: calls.append(timeout) or real(timeout)
        ue.nas_input(lambda now: nas.start_timer("T3510", now, 15.0))
        await bus.sleep_until(1e5)
        turns["with a timer"] = len(calls)
        # a timer started and stopped again, and an input already handled, leave
        # cancelled handles behind in the loop: they must not stop the jump
        ue.nas_input(lambda now: nas.start_timer("T3516", now, 30.0))
        await bus.settle()
        ue.nas_input(lambda now: nas.timers.stop("T3516"))
        await bus.settle()
        await bus.sleep_until(1e7)
        turns["idle"] = len(calls) - turns["with a timer"]
        turns["fired"], turns["now"] = nas.fired, bus.now

    run(scenario)
    assert turns["fired"] == [("T3510", 15.0)]
    assert turns["now"] == 1e7
    assert turns["with a timer"] <= 8  # a handful of loop turns, not one per second
    assert turns["idle"] == 0


def test_a_replay_that_never_yields_keeps_the_loop_queue_short():
    """Issue 12: each input from outside the bus queues a wake-up that synchronous
    dispatch cancels; a run whose clock only jumps never turns the loop, so the cancelled
    wake-ups must be dropped as time jumps, or memory grows with the trace and every
    jump scans them all (replay became quadratic in its length)."""
    lengths = []

    async def scenario(bus, ue, nas):
        for i in range(1, 2001):
            ue.nas_input(lambda now: None)
            await bus.settle()
            await bus.sleep_until(float(i))
            lengths.append(len(bus.loop._ready))

    run(scenario)
    assert len(lengths) == 2000
    assert max(lengths) <= 2


def test_a_driver_that_settles_queues_no_wake_up_and_logs_the_same():
    """Issue 12: a driver that settles after its inputs (replay) needs no loop wake-up per
    input: none is queued, and the exchange log is the one a bus with wake-ups writes;
    a core's timer, firing inside a loop turn with no driver to settle it, still runs."""
    queued = {}

    async def scenario(bus, ue, nas):
        ue.nas_input(lambda now: nas.set_kausf(KAUSF_1, now))
        queued.setdefault(bus._wake_on_submit, []).append(len(bus.loop._ready))
        await bus.settle()
        for i in range(20):
            ue.kaf_request(f"app{i % 3}", "af.example.com", UA_TLS)
            if i % 7 == 0:
                ue.nas_input(lambda now: nas.set_kausf(KAUSF_2, now))
            queued[bus._wake_on_submit].append(len(bus.loop._ready))
            await bus.settle()
        ue.nas_input(lambda now: nas.start_timer("T3520", now, 15.0))
        await bus.settle()
        await bus.sleep_until(60.0)
        bus.log("note", text=f"fired {nas.fired}")

    woken, settled = run(scenario), run(scenario, driver_settles=True)
    assert settled == woken
    assert settled[-1]["text"] == "fired [('T3520', 15.0)]"
    assert min(queued[True]) >= 1  # waking: a handle per input (cancelled by settle)
    assert set(queued[False]) == {0}  # the driver settles: none
