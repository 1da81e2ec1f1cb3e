"""What reading the SBI (capture/sbi.py) costs ``import``: Importer.run CPU time with the
SBI pass and with it stubbed out, interleaved in the same run, median of 5. On an NGAP-only
capture (make_capture.py's) nothing is parsed; on the Open5GS capture the HTTP/2 of the
whole core is (HPACK decoding dominates). Run from the repository root::

    .venv/bin/python benchmarks/bench_sbi.py
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from make_capture import DEFAULT, make_capture

from ue_stack.capture import importer as imp
from ue_stack.capture import sbi

capture = DEFAULT if DEFAULT.is_file() else make_capture()
REAL = Path(__file__).resolve().parents[1] / "tests/data/captures/open5gs-roaming-hr-nia2.pcapng"
real = sbi.read
for name in (str(capture), str(REAL)):
    with_, without = [], []
    for _ in range(5):
        for stub, out in ((False, with_), (True, without)):
            imp.sbi.read = (lambda frames: sbi.Findings()) if stub else real
            t = time.process_time()
            imp.Importer(imp.ImportOptions()).run(name)
            out.append(time.process_time() - t)
    imp.sbi.read = real
    print(f"{name}: import.run CPU with SBI pass {statistics.median(with_)*1000:.0f} ms, "
          f"without {statistics.median(without)*1000:.0f} ms, ratio "
          f"{statistics.median(with_)/statistics.median(without):.2f}x (median of 5, interleaved)")
