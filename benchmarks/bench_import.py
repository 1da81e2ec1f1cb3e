"""Import speed (NAS PDUs per second) on the largest capture in ../shared/captures, and
``tshark -r FILE -T ek -Y nas-5gs`` on the same file in the same run when tshark is
installed (Debian package ``tshark``); prints the ratio.

Both are timed end to end on a warm process/file cache: ours is ``Importer.run`` (pcap
reading, SCTP, NGAP via pycrate, NAS decoding, NIA2 verification with the README keys)
after one warm-up run that pays pycrate's one-time NGAP import; tshark's is a whole
process run, as a user would call it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ue_stack.capture.importer import Importer, ImportOptions  # noqa: E402

SHARED = Path(os.environ.get("UE_STACK_SHARED", ROOT.parent / "shared"))
KEYS = {  # from shared/captures/README.md
    "oai-registration-nia2.pcap": (
        "0c0a34601d4f07677303652c0462535b",
        "63bfa50ee6523365ff14c1f45f88737d",
    ),
    "open5gs-roaming-hr-nia2.pcapng": (
        "465b5ce8b199b49faa5f0a2ee238a6bc",
        "e8ed289deba952e4283b54e88e6183ca",
    ),
}
RUNS = 20
TSHARK_RUNS = 5


def _best(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    folder = SHARED / "captures"
    files = (
        [p for p in folder.glob("*") if p.suffix in (".pcap", ".pcapng")]
        if (folder.is_dir())
        else []
    )
    if not files:
        print(f"bench_import: skipped ({folder} is absent)")
        return 0
    capture = max(files, key=lambda p: p.stat().st_size)
    k, opc = KEYS.get(capture.name, (None, None))
    options = ImportOptions(
        k=bytes.fromhex(k) if k else None, opc=bytes.fromhex(opc) if opc else None
    )
    t = time.perf_counter()
    result = Importer(options).run(capture)  # warm-up: pays the NGAP module import once
    first = time.perf_counter() - t
    pdus = result.counts["nas_pdus"]
    ours = _best(lambda: Importer(options).run(capture), RUNS)
    print(
        f"capture: {capture.name} ({capture.stat().st_size} octets, "
        f"{result.counts['frames']} frames, {pdus} NAS PDUs)"
    )
    print(
        f"ue-stack import: {pdus / ours:,.0f} NAS PDUs/s ({ours * 1e3:.1f} ms per run, "
        f"best of {RUNS}; first run incl. pycrate NGAP import {first * 1e3:.0f} ms)"
    )
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tshark: not installed, comparison skipped (apt-get install tshark)")
        return 0
    cmd = [tshark, "-r", str(capture), "-T", "ek", "-Y", "nas-5gs"]

    def run_tshark() -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    theirs = _best(run_tshark, TSHARK_RUNS)
    print(
        f"tshark -T ek -Y nas-5gs: {pdus / theirs:,.0f} NAS PDUs/s "
        f"({theirs * 1e3:.1f} ms per run, best of {TSHARK_RUNS})"
    )
    print(f"ratio ue-stack/tshark: {theirs / ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
