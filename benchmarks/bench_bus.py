"""Cost of one cross-layer exchange through the bus, next to the same calls made directly.

One exchange = an application needs a KAF: ObtainAkmaKeyRequest -> NAS derives KAKMA and
A-KID -> ObtainAkmaKeyConfirm -> the application derives KAF. Direct: the same sans-I/O
core calls in a loop, no bus, no log. Bus: through the bus with every exchange logged to
a file (3 log lines per exchange). Two more bus runs split the overhead: records built
but handed to no sink, and no log calls at all (pure dispatch).
Rounds are interleaved and the best of each kept. Prints the ratio and the split.

    .venv/bin/python benchmarks/bench_bus.py [N] [--cpu]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bus"))

from fakes import FakeNas

from ue_stack.app.akma_client import AkmaClient
from ue_stack.bus import Bus, run_virtual
from ue_stack.sink import JsonLinesSink
from ue_stack.ue import UeStack

# Wall time by default; `--cpu`: this process's CPU time, steadier when the machine is
# shared (other processes' load stretches wall time, not CPU time).
CLOCK = time.process_time if "--cpu" in sys.argv else time.perf_counter
UA = bytes.fromhex("0100000007")
KAUSF = bytes(range(32))


def direct(n: int) -> float:
    nas, app = FakeNas(), AkmaClient("mail")
    nas.set_kausf(KAUSF, 0.0)
    nas.outbox.drain()
    start = CLOCK()
    for _ in range(n):
        app.kaf_request("af.example.com", UA, 0.0)
        for req in app.outbox.drain():
            nas.handle_primitive(req, 0.0)
        for answer in nas.outbox.drain():
            app.handle_primitive(answer, 0.0)
        app.outbox.drain()
    return CLOCK() - start


def through_bus(n: int, log_file: Path | None, log_calls: bool = True) -> float:
    sink = JsonLinesSink(open(log_file, "wb")) if log_file else None  # noqa: SIM115
    elapsed = {}
    original_log = Bus.log_fields
    if not log_calls:
        Bus.log_fields = lambda self, event, fields: None  # isolate pure dispatch

    async def main() -> None:
        bus = Bus(sink, driver_settles=True)  # as replay: settle() after each input
        nas = FakeNas()
        ue = UeStack(bus, "001010000000001", nas)
        ue.nas_input(lambda now: nas.set_kausf(KAUSF, now))
        await bus.settle()
        start = CLOCK()
        for _ in range(n):
            ue.kaf_request("mail", "af.example.com", UA)
            await bus.settle()
        elapsed["t"] = CLOCK() - start
        await bus.close()

    try:
        run_virtual(main())
    finally:
        Bus.log_fields = original_log
    if sink:
        sink.close()
    return elapsed["t"]


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a != "--cpu"]
    n = int(numbers[0]) if numbers else 5000
    direct(200)  # warm up
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bench.xlog.jsonl"
        # Interleaved rounds, best of each: the machine's speed drifts, and pairing the
        # three measurements round by round keeps the drift out of the ratio.
        rounds = [(direct(n), through_bus(n, log), through_bus(n, None),
                   through_bus(n, None, log_calls=False)) for _ in range(5)]
        t_direct, t_bus_log, t_bus_nolog, t_bus_bare = (
            min(r[i] for r in rounds) for i in range(4))
        lines = log.read_bytes().count(b"\n")
    us = 1e6 / n
    print(f"exchanges: {n} (log lines per exchange: {lines / n:.0f})")
    print(f"direct core calls             : {t_direct * us:8.1f} us/exchange")
    print(f"bus, logging to a file        : {t_bus_log * us:8.1f} us/exchange")
    print(f"bus, records to no sink       : {t_bus_nolog * us:8.1f} us/exchange")
    print(f"bus, no log calls at all      : {t_bus_bare * us:8.1f} us/exchange")
    print(f"ratio bus+log / direct        : {t_bus_log / t_direct:.2f}  (target <= 2.0)")
    print(f"  the overhead per exchange: dispatch "
          f"{(t_bus_bare - t_direct) * us:.1f} us, building records "
          f"{(t_bus_nolog - t_bus_bare) * us:.1f} us, rendering + writing "
          f"{(t_bus_log - t_bus_nolog) * us:.1f} us")

if __name__ == "__main__":
    main()
