"""The exchange sink (README.md "How it is built"): every exchange reaches ``Bus(sink=...)`` as one
record, in ``seq`` order, redacted; a run fans it out and closes every consumer."""

from __future__ import annotations

import io

import orjson
import pytest
from fakes import SUPI, FakeNas

from ue_stack.bus import Bus, run_virtual
from ue_stack.crypto.secret import Key
from ue_stack.runner import CheckedRun
from ue_stack.scenarios import load_scenario
from ue_stack.simulation import Simulation
from ue_stack.sink import FanOut, JsonLinesSink
from ue_stack.ue import UeStack

UA = bytes.fromhex("0100000007")


class Collect:
    def __init__(self) -> None:
        self.records: list[dict] = []
        self.closed = 0

    def __call__(self, record: dict) -> None:
        self.records.append(dict(record))

    def close(self) -> None:
        self.closed += 1


def test_each_exchange_reaches_every_consumer_once_in_seq_order_with_the_ue():
    seen, out = Collect(), io.BytesIO()
    sink = FanOut(seen, JsonLinesSink(out))

    async def main():
        bus = Bus(sink)
        nas = FakeNas()
        ue = UeStack(bus, SUPI, nas)
        ue.nas_input(lambda now: nas.set_kausf(bytes(32), now))
        ue.kaf_request("mail", "af.example.com", UA)
        await bus.settle()
        await bus.close()

    run_virtual(main())
    file_lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [r["seq"] for r in seen.records] == list(range(1, len(seen.records) + 1))
    assert file_lines == seen.records
    assert all(r["ue"] == SUPI for r in seen.records)
    assert [r["event"] for r in seen.records] == [
        "kausf", "primitive", "primitive", "kaf_derived"]
    assert list(seen.records[0])[:3] == ["seq", "t", "event"]


def test_a_secret_never_reaches_a_sink():
    seen = Collect()

    async def main():
        bus = Bus(seen)
        bus.log("note", text="oops", k_ausf=b"x", carried=Key(bytes(16)))
        await bus.close()

    run_virtual(main())
    assert seen.records == [{"seq": 1, "t": 0.0, "event": "note", "text": "oops",
                             "carried": "<redacted>"}]


def test_fan_out_closes_every_sink_even_when_one_fails():
    first, last = Collect(), Collect()

    class Broken(Collect):
        def close(self) -> None:
            raise OSError("disk full")

    broken = Broken()
    with pytest.raises(OSError, match="disk full"):
        FanOut(first, broken, last).close()
    assert (first.closed, last.closed) == (1, 1)


def test_a_checked_run_feeds_and_closes_an_output():
    """How an output writer (HTML, pcap) plugs in: one more consumer of the run's sink."""

    class Output(Collect):
        feed = Collect.__call__

        def violation(self, v) -> None:
            pass

    extra = Output()
    sim = Simulation(load_scenario("happy-path"))
    with CheckedRun("happy-path", outputs=[extra]) as run:
        run.execute(lambda sink, app1: sim.run(app1, sink))
        report = run.report(None)
    assert extra.closed == 1
    assert len(extra.records) == report["stats"]["records"] > 0
