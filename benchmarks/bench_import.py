"""``ue-stack import`` against ``tshark -T ek -Y nas-5gs``, whole process each, on the
largest capture at hand (issue 13: faster than tshark on >= 1,000 NAS PDUs).

The capture is ``make_capture.py``'s (100 UEs, 1,100 NAS PDUs, generated when missing);
the real test captures are timed too, where start-up dominates (they hold 7-13 NAS
PDUs). Both programs run as a user would call them, interleaved round by round so that
load on the machine hits both alike; the figure is the median over rounds of the ratio
tshark time / ue-stack time (> 1: ue-stack is faster), with the range. ue-stack writes
its traces into a temporary folder, tshark its JSON to /dev/null.

Without tshark (Debian package ``tshark``, not a project dependency) only ue-stack is
timed and the comparison is skipped. Run from the repository root::

    .venv/bin/python benchmarks/bench_import.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_capture import DEFAULT, make_capture  # noqa: E402

REAL = ROOT / "tests" / "data" / "captures"


def _ue_stack() -> list[str]:
    script = Path(sys.executable).with_name("ue-stack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ue_stack.cli"]


def _timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def _pdus(capture: Path) -> int:
    from ue_stack.capture.importer import Importer, ImportOptions

    return Importer(ImportOptions()).run(capture).counts["nas_pdus"]


def bench(capture: Path, rounds: int, tshark: str | None) -> None:
    with tempfile.TemporaryDirectory() as out:
        ours_cmd = [*_ue_stack(), "import", str(capture), "-o", out]
        theirs_cmd = [tshark, "-r", str(capture), "-T", "ek", "-Y", "nas-5gs"] if tshark else None
        _timed(ours_cmd)  # warm the file cache and .pyc files once
        if theirs_cmd:
            _timed(theirs_cmd)
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(_timed(ours_cmd))
            if theirs_cmd:
                theirs.append(_timed(theirs_cmd))
    pdus = _pdus(capture)
    line = (f"{capture.name}: {pdus} NAS PDUs; ue-stack import median "
            f"{statistics.median(ours) * 1e3:.0f} ms")
    if theirs:
        ratios = sorted(t / o for t, o in zip(theirs, ours, strict=True))
        line += (f", tshark median {statistics.median(theirs) * 1e3:.0f} ms; ratio "
                 f"tshark/ue-stack {statistics.median(ratios):.2f}x (range "
                 f"{ratios[0]:.2f}-{ratios[-1]:.2f} over {rounds} interleaved rounds)")
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    capture = DEFAULT if DEFAULT.is_file() else make_capture()
    tshark = shutil.which("tshark")
    if tshark is None:
        print("bench_import: tshark not installed: comparison skipped (ue-stack timed alone)")
    bench(capture, args.rounds, tshark)
    for real in sorted(REAL.glob("*.pcap*")):
        bench(real, args.rounds, tshark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
