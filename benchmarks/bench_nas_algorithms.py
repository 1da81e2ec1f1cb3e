"""NAS integrity and ciphering throughput: 128-NIA1 (SNOW 3G, pure Python), 128-NIA3 (ZUC,
pure Python) and 128-NEA1/NEA3 against 128-NIA2/NEA2 (AES through ``cryptography``, the
baseline), measured in the same run on typical NAS message sizes.

Sizes: 8 octets (SECURITY MODE COMPLETE-like), 60 (REGISTRATION REQUEST) and 300 (a
REGISTRATION ACCEPT with lists). Each input is the sequence number octet plus the message,
as the importer MACs it. Prints MACs/s (and deciphered messages/s) per algorithm and size
and the ratio to NIA2/NEA2 (how many times slower). Speed is secondary here: a capture holds
a few NAS messages per UE; no threshold is enforced.

Run: ``.venv/bin/python benchmarks/bench_nas_algorithms.py [--seconds S] [--rounds N]``
(default 3 rounds of 0.3 s per case, about 15 s in all).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from ue_stack.crypto.nas_security import CIPHERING, INTEGRITY

KEY = bytes.fromhex("f2e93ce1fd9389e1f40a200c3b3462ad")
SIZES = (8, 60, 300)


def _rate(fn: Callable[[], object], seconds: float, rounds: int) -> float:
    """Median calls per second over ``rounds`` rounds of about ``seconds`` each."""
    rates = []
    for _ in range(rounds):
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(10):
                fn()
            n += 10
        rates.append(n / elapsed)
    return statistics.median(rates)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=0.3, help="length of one round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per case (median)")
    args = ap.parse_args()
    print(f"{'case':<18}{'octets':>7}{'per s':>12}{'x slower than AES':>20}")
    for kind, table in (("MAC", INTEGRITY), ("decipher", CIPHERING)):
        for size in SIZES:
            message = bytes((i * 37 + 11) & 0xFF for i in range(size + 1))
            rates = {}
            for alg in (2, 1, 3):  # the AES baseline first
                fn = table[alg]
                rates[alg] = _rate(
                    lambda fn=fn, m=message: fn(KEY, 0x1234, 1, 0, m), args.seconds, args.rounds
                )
            for alg in (2, 1, 3):
                name = f"{kind} {'NIA' if kind == 'MAC' else 'NEA'}{alg}"
                ratio = rates[2] / rates[alg]
                print(f"{name:<18}{size:>7}{rates[alg]:>12,.0f}{ratio:>20.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
