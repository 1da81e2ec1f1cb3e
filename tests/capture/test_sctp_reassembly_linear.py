"""SCTP reassembly is linear in the fragments (docs/README.md, robustness): ten times the
fragments of one user message cost at most fifteen times the CPU time, in capture order
and in reverse order (a quadratic join took ~150 s for 50,000 fragments). CPU time
(time.process_time), best of three, with the generous margin a loaded machine needs."""

from __future__ import annotations

import time

import pytest

from ue_stack.capture.sctp import _Fragments

B, E = 0x02, 0x01


def _reassemble(n: int, order: str) -> float:
    """CPU seconds to join one message of ``n`` fragments fed in ``order``."""
    flags = [B] + [0] * (n - 2) + [E]
    tsns = list(range(1000, 1000 + n))
    feed = list(zip(tsns, flags, strict=True))
    if order == "reverse":
        feed.reverse()
    best = float("inf")
    for _ in range(3):
        group = _Fragments()
        start = time.process_time()
        joined = [group.add(t, f, b"xy", 7) for t, f in feed]
        best = min(best, time.process_time() - start)
        assert [j for j in joined if j is not None] == [b"xy" * n] and not group.parts
    return best


@pytest.mark.parametrize("order", ["capture", "reverse"])
def test_ten_times_the_fragments_cost_at_most_fifteen_times_the_time(order):
    small, large = _reassemble(5_000, order), _reassemble(50_000, order)
    assert large <= 15 * max(small, 1e-3), (small, large)


def test_fragments_across_the_tsn_wrap_join_in_order():
    group = _Fragments()
    assert group.add(0xFFFFFFFF, B, b"a", 1) is None
    assert group.add(1, E, b"c", 3) is None
    assert group.add(0, 0, b"b", 2) == b"abc"
    assert not group.parts
