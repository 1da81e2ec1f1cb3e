"""Cost of one cross-layer exchange through the bus, next to the same calls made directly.

One exchange = an application needs a KAF: ObtainAkmaKeyRequest -> NAS derives KAKMA and
A-KID -> ObtainAkmaKeyConfirm -> the application derives KAF. Direct: the same sans-I/O
core calls in a loop, no bus, no log. Bus: through the asyncio bus with every exchange
logged to a file (4 log lines per exchange). A third run with logging off splits the bus
overhead into scheduling and logging. All measured in this run; prints the ratio.

    .venv/bin/python benchmarks/bench_bus.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bus"))

from fakes import FakeNas

from ue_stack import logconfig
from ue_stack.app.akma_client import AkmaClient
from ue_stack.bus import Bus, UeStack, run_virtual

UA = bytes.fromhex("0100000007")
KAUSF = bytes(range(32))


def direct(n: int) -> float:
    nas, app = FakeNas(), AkmaClient("mail")
    nas.set_kausf(KAUSF, 0.0)
    nas.outbox.drain()
    start = time.perf_counter()
    for _ in range(n):
        app.kaf_request("af.example.com", UA, 0.0)
        for req in app.outbox.drain():
            nas.handle_primitive(req, 0.0)
        for answer in nas.outbox.drain():
            app.handle_primitive(answer, 0.0)
        app.outbox.drain()
    return time.perf_counter() - start


def through_bus(n: int, log_file: Path | None) -> float:
    out = open(log_file, "wb") if log_file else None  # noqa: SIM115
    logconfig.configure(out)
    elapsed = {}

    async def main() -> None:
        bus = Bus()
        nas = FakeNas()
        ue = UeStack(bus, "001010000000001", nas)
        ue.nas_input(lambda now: nas.set_kausf(KAUSF, now))
        await bus.settle()
        start = time.perf_counter()
        for _ in range(n):
            ue.kaf_request("mail", "af.example.com", UA)
            await bus.settle()
        elapsed["t"] = time.perf_counter() - start
        await bus.close()

    run_virtual(main())
    if out:
        out.close()
    return elapsed["t"]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    direct(200)  # warm up
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "bench.xlog.jsonl"
        t_direct = min(direct(n) for _ in range(3))
        t_bus_log = min(through_bus(n, log) for _ in range(3))
        t_bus_nolog = min(through_bus(n, None) for _ in range(3))
        lines = log.read_bytes().count(b"\n")
    us = 1e6 / n
    print(f"exchanges: {n} (log lines per exchange: {lines / n:.0f})")
    print(f"direct core calls        : {t_direct * us:8.1f} us/exchange")
    print(f"bus, logging to a file   : {t_bus_log * us:8.1f} us/exchange")
    print(f"bus, logging off         : {t_bus_nolog * us:8.1f} us/exchange")
    print(f"ratio bus+log / direct   : {t_bus_log / t_direct:.2f}  (aim <= 3)")
    print(f"  of the overhead: scheduling {(t_bus_nolog - t_direct) * us:.1f} us, "
          f"logging {(t_bus_log - t_bus_nolog) * us:.1f} us per exchange")


if __name__ == "__main__":
    main()
