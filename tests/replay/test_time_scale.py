"""Model time at any scale the trace format accepts (docs/trace-format.md, `t`): a trace
shifted to epoch seconds, epoch milliseconds or far below 0 replays to the same exchanges
as at 0 — its timers fire at the same records — its log and report carry each record's
recorded `t` exactly, `--pcap` writes it, and nothing hangs. Beyond ±2^43 s, where a
double no longer resolves a millisecond, `t` is an input error (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ue_stack.cli import main
from ue_stack.limits import MAX_SPAN, model_epoch

ROOT = Path(__file__).resolve().parents[2]
# three timer expiries (T3520, T3510, T3511) between its records
TIMERS = ROOT / "traces" / "explore-t3511-after-t3520.jsonl"


def _shifted(tmp_path: Path, offset: float) -> tuple[Path, list[float]]:
    lines, times = [], []
    for line in TIMERS.read_text().splitlines():
        if not line.strip() or line.startswith("//"):
            continue
        record = json.loads(line)
        if "t" in record:
            record["t"] += offset
            times.append(record["t"])
        lines.append(json.dumps(record))
    path = tmp_path / "shifted.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, times


def _replay(tmp_path: Path, trace: Path) -> tuple[int, list[dict], dict]:
    """Replay in a child process with a time limit: a hang fails the test."""
    log, report = tmp_path / "log.jsonl", tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "ue_stack", "replay", str(trace), "--log", str(log),
         "--report", str(report), "--pcap", str(tmp_path / "n1.pcap")],
        capture_output=True, timeout=120, check=False)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return (done.returncode, [json.loads(x) for x in log.read_text().splitlines()],
            json.loads(report.read_text()))


@pytest.mark.parametrize("offset", [1.7e9, 1.7e12, 2.0**32 + 0.5, -3e7, 2.0**43 - 1e7])
def test_a_shifted_trace_replays_to_the_same_exchanges_and_keeps_its_t(tmp_path, offset):
    base_status, base_log, base_report = _replay(tmp_path, _shifted(tmp_path, 0.0)[0])
    trace, times = _shifted(tmp_path, offset)
    status, log, report = _replay(tmp_path, trace)
    assert status == base_status == 0
    assert [{k: v for k, v in x.items() if k != "t"} for x in log] == \
        [{k: v for k, v in x.items() if k != "t"} for x in base_log]
    assert sum(1 for x in log if str(x.get("text", "")).endswith(" expired")) == 3
    # every line caused by a record carries that record's t, exactly as recorded
    inputs = [x["t"] for x in log if x["event"] == "input"]
    assert inputs and set(inputs) <= set(times)
    assert report["verdict"] == base_report["verdict"]


def test_the_pcap_of_a_trace_in_epoch_milliseconds_is_written_from_2000(tmp_path):
    """A pcap record holds 32-bit seconds: times that do not fit start at the default
    epoch, 2000-01-01 UTC (not 1970, issue 28), and keep their order."""
    import dpkt

    from ue_stack.capture.writer import DEFAULT_EPOCH

    _replay(tmp_path, _shifted(tmp_path, 1.7e12)[0])
    with open(tmp_path / "n1.pcap", "rb") as f:
        stamps = [ts for ts, _ in dpkt.pcap.Reader(f)]
    assert stamps and DEFAULT_EPOCH <= stamps[0] < DEFAULT_EPOCH + 1
    assert stamps == sorted(stamps)


def test_the_pcap_of_a_trace_in_epoch_seconds_keeps_the_epoch(tmp_path):
    import dpkt

    _replay(tmp_path, _shifted(tmp_path, 1.7e9)[0])
    with open(tmp_path / "n1.pcap", "rb") as f:
        stamps = [ts for ts, _ in dpkt.pcap.Reader(f)]
    assert stamps and 1.7e9 <= stamps[0] < 1.7e9 + 100


@pytest.mark.parametrize("t", [2.0**43 + 2**20, 1e300, -1e300])
def test_a_t_beyond_2_to_the_43_is_one_line_exit_2(tmp_path, capsys, t):
    trace, _ = _shifted(tmp_path, t)
    capsys.readouterr()
    assert main(["replay", str(trace)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "field 't'" in err and "2^43" in err


@settings(max_examples=200, deadline=None)
@given(first=st.floats(-2.0**43, 2.0**43), step=st.floats(0, MAX_SPAN))
def test_a_recorded_t_comes_back_exactly_from_model_time(first, step):
    """limits.model_epoch: epoch + (t - epoch) == t for every t a trace may hold."""
    t = first + step
    epoch = model_epoch(first)
    assert epoch + (t - epoch) == t


_TIMER_AT = """
from ue_stack.bus import Bus, run_virtual
import sys
at = float(sys.argv[1])
fired = []

async def run():
    bus = Bus()
    loop = bus.loop
    await bus.sleep_until(at)
    loop.call_at(at + 0.001, lambda: fired.append(loop.time()))
    await bus.sleep_until(at + 1)

run_virtual(run())
print(len(fired))
"""


@pytest.mark.parametrize("at", [1.7e7, 1e9, 1.7e12, 1e15])
def test_a_timer_due_at_a_large_model_time_fires_instead_of_spinning(at):
    """The virtual clock's 'now' is as wide as the spacing of doubles at model time (in a
    child process with a time limit: the failure this guards against is a spin)."""
    done = subprocess.run([sys.executable, "-c", _TIMER_AT, repr(at)], capture_output=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == b"1"
