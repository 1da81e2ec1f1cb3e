"""Does the simulation agree with the arithmetic across all points? (docs/study.md, "Exit
status and the decision rule").

Each point's 95% interval misses the true share about one time in twenty even when
simulation and arithmetic agree perfectly, so some points outside their interval are
what chance predicts: 3 of 48 is close to the 2.4 expected. The study therefore fails
only when the number of disagreeing points is implausible under that chance: a
one-sided binomial test of ``k`` misses among ``n`` points against a miss rate of 5%,
rejected at alpha = 1%. ``--strict`` keeps the old rule (every point must agree).

The intervals are bootstrapped (and one-sided Clopper-Pearson at zero failures), so 5%
is an approximation of their miss rate; alpha = 1% leaves room for that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

MISS_RATE = 0.05  # a 95% interval misses the true value this often by chance
ALPHA = 0.01  # the test's level: below this p-value the misses are not chance


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly (n is a few hundred points at most)."""
    if k <= 0:
        return 1.0
    return min(1.0, sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def agreement(rows: Iterable[Mapping[str, Any]], strict: bool = False) -> dict[str, Any]:
    """The decision over all points, as study.json's ``agreement`` holds it."""
    # a point without sessions ("agrees": None, shown n/a) has nothing to judge
    judged = [r["agrees"] for r in rows]
    flags = [bool(a) for a in judged if a is not None]
    n, k = len(flags), flags.count(False)
    p_value = binomial_tail(k, n, MISS_RATE)
    plausible = k == 0 if strict else p_value >= ALPHA
    return {
        "rule": "strict" if strict else "binomial",
        "points": n,
        "disagreeing": k,
        "expected_disagreeing": n * MISS_RATE,
        "p_value": p_value,
        "alpha": ALPHA,
        "agrees": plausible,
        "not_judged": len(judged) - n,  # points with no AF session (n/a)
    }


def verdict_line(a: Mapping[str, Any]) -> str:
    """One line for the table's end."""
    n, k = a["points"], a["disagreeing"]
    if n == 0:
        return ("no point had an AF session to judge (n/a: KAF rate 0?); nothing disagrees "
                "with the arithmetic")
    head = f"{n - k} of {n} points agree with the arithmetic within their 95% interval"
    if a["rule"] == "strict":
        return head + ("" if a["agrees"] else " (--strict: every point must)")
    judged = ("as chance predicts" if a["agrees"] else "more misses than chance explains")
    return (f"{head}; {k} outside, {a['expected_disagreeing']:.1f} expected by chance "
            f"(binomial p = {a['p_value']:.3g}, alpha = {a['alpha']:g}): {judged}")
