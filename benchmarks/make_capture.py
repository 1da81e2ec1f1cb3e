"""A realistic capture of >= 1,000 NAS PDUs for the import benchmark, made deterministically
by the project's own capture writer (``ue-stack simulate --ues N --pcap``): N UEs, each
registering with 5G AKA and SMC, re-authenticated between two AF sessions
(``reauth-between-af-sessions``), all on one gNB-AMF association as NGAP over SCTP (PPID
60) in Ethernet/IPv4 frames. The NAS messages are plain 5GMM (security header type 0), so
the importer has no MAC to verify; tshark dissects every one of them without settings.

Run from the repository root (the file is an output, not committed)::

    .venv/bin/python benchmarks/make_capture.py [--ues 100] [-o out/bench/many-ues.pcap]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ue_stack.cli import main as ue_stack  # noqa: E402

SCENARIO = "reauth-between-af-sessions"  # 11 NAS PDUs per UE
DEFAULT = ROOT / "out" / "bench" / "many-ues.pcap"


def make_capture(path: Path = DEFAULT, ues: int = 100) -> Path:
    """Write the capture (the same octets for the same ``ues``) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):
        status = ue_stack(["simulate", SCENARIO, "--ues", str(ues), "--seed", "0",
                           "--pcap", str(path)])
    if status != 0:
        raise SystemExit(f"make_capture: simulate exited {status}")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ues", type=int, default=100)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT)
    args = parser.parse_args()
    print(make_capture(args.output, args.ues))
