"""The arithmetic the simulated points are checked against (docs/study.md; derivations in
docs/study.md). Per UE: ``n`` intervals of length ``T`` (``D = nT``), re-authentications
at ``kT`` for ``k = 1..n-1``, KAF requests Poisson with rate ``λ`` over ``[0, D)``, every
N1 message ``d`` seconds one way, so W1 lasts ``w = d`` and the initial registration
(REGISTRATION REQUEST, AUTHENTICATION REQUEST, RESPONSE, SMC) ``4d``.

Expected share of failed AF sessions (expected failures over expected sessions, the
pooled ratio the simulation estimates):

- ``legacy-cache``: only sessions in the interval of the first request can use a KAKMA
  the AAnF still holds, and only if that interval did not start with a lost SMC (then
  the cache is stale from the start): ``1 - (T/D)(1 + (1-q)(S-1))`` with
  ``S = (1 - e^{-λD}) / (1 - e^{-λT})`` (``-> 1 - T/D`` for λT >> 1).
- ``per-kaf``, deferral off: each successful re-authentication fails the requests of its
  W1 (``w``); each lost SMC fails everything until the next one (``T``, the last one
  ``T - 2d``); requests before the first SMC are rejected (no session):
  ``((n-1)(1-q) w + q((n-1)T - 2d)) / (nT - 4d)``.
- ``per-kaf``, deferral on: W1 closed; a lost SMC fails from the AUTHENTICATION REQUEST
  (``kT + d``) until the next one: ``q((n-1)T - d) / (nT)``.

Re-authentication ``k`` starts at ``kT + a``: ``a = 0`` when the study schedules it, ``a =
3d`` when the home network's own timer does (``--refresh-period``: the timer starts when
the first KAUSF is stored, ``3d`` after registration). The lost-SMC spans above then end
``a`` earlier in the last interval.

After each KAUSF change (the AAnF replaces the A-KID at ``c_k = kT + a + 2d``), a stale
A-KID stays in use for a span ``s_k`` with probability ``p_k`` (``stale_windows``);
sessions are Poisson, so the time from ``c_k`` to the last stale session (0 when there is
none) has mean ``g(s) = s - (1 - e^{-λs})/λ``, and the AFs that see a stale A-KID in that
span, out of ``A`` chosen uniformly, number ``A(1 - e^{-λs/A})`` on average.
"""

from __future__ import annotations

import math

from ..app.akma_client import LEGACY_CACHE
from ..rel18 import MAX_RETRIES, RETRY_DELAY_S


def expected_share(mode: str, akma_defer: bool, T: float, rate_per_min: float, q: float,
                   n: int, d: float, a: float = 0.0, recovery: bool = False) -> float:
    """The expected failure share of one point (``d``: one-way N1 latency = W1; ``a``:
    offset of the re-authentications, 0 or 3d; ``recovery``: the AFs answer failure
    indications and the application retries, docs/study.md "Recovery")."""
    lam, D, w = rate_per_min / 60.0, n * T, d
    if mode == LEGACY_CACHE:  # its retries present the same cached A-KID: no change
        if lam == 0:
            return 0.0
        s = (-math.expm1(-lam * D)) / (-math.expm1(-lam * T))
        return 1.0 - (T / D) * (1.0 + (1.0 - q) * (s - 1.0))
    reach = MAX_RETRIES * RETRY_DELAY_S if recovery else 0.0  # the last retry's lag
    # a retry recovers once it falls after the UE took the new KAUSF: in W1 after d, in a
    # lost-SMC interval (not the last) after the next change's SMC (off) or AUTHENTICATION
    # REQUEST (on, the retry is deferred), when that one is not lost too
    if not akma_defer:
        w1 = max(0.0, w - reach)
        lost = (n - 1) * T - a - 2 * d - (1 - q) * (n - 2) * max(0.0, reach - d)
        return ((n - 1) * (1 - q) * w1 + q * lost) / (n * T - 4 * d)
    return q * ((n - 1) * T - a - d - (1 - q) * (n - 2) * reach) / (n * T)


def stale_windows(mode: str, akma_defer: bool, T: float, rate_per_min: float, q: float,
                  n: int, d: float, a: float = 0.0) -> list[list[tuple[float, float]]]:
    """Per KAUSF change ``k = 1 .. n-1``: the (probability, span) pairs of a stale A-KID
    staying in use from ``c_k = kT + a + 2d`` (docs/study.md "Staleness and linkability").

    - ``legacy-cache``: stale for the whole interval once the cache was filled before
      ``c_k`` (the first request came earlier: ``1 - e^{-λ c_k}``);
    - ``per-kaf``, deferral off: W1 (``w = d``) after a successful SMC, the whole interval
      after a lost one (``q``);
    - ``per-kaf``, deferral on: nothing after a successful SMC; after a lost one, the
      requests up to the next AUTHENTICATION REQUEST, ``d`` before the next change.
    The whole interval is ``T``; the last one ends with the run, ``T - a - 2d``.
    """
    lam = rate_per_min / 60.0
    out: list[list[tuple[float, float]]] = []
    for k in range(1, n):
        last = k == n - 1
        whole = T - a - 2 * d if last else T
        if mode == LEGACY_CACHE:
            out.append([(-math.expm1(-lam * (k * T + a + 2 * d)), whole)])
        elif not akma_defer:
            out.append([(1 - q, d), (q, whole)])
        else:
            out.append([(q, whole if last else T - d)])
    return out


def _g(lam: float, s: float) -> float:
    """Mean time from the start of a span ``s`` to its last Poisson(λ) point; 0 if none."""
    return 0.0 if lam == 0 or s <= 0 else s + math.expm1(-lam * s) / lam


def expected_stale_s(mode: str, akma_defer: bool, T: float, rate_per_min: float, q: float,
                     n: int, d: float, a: float = 0.0) -> float:
    """Mean time a stale A-KID stays in use after a KAUSF change (0 when none is)."""
    lam = rate_per_min / 60.0
    windows = stale_windows(mode, akma_defer, T, rate_per_min, q, n, d, a)
    return sum(p * _g(lam, s) for w in windows for p, s in w) / len(windows)


def expected_linkable(mode: str, akma_defer: bool, T: float, rate_per_min: float, q: float,
                      n: int, d: float, a: float = 0.0, afs: int = 1) -> float:
    """Expected A-KID/AF pairs per UE an observer can link across a KAUSF change: per
    change, the AFs (of ``afs``, chosen uniformly) shown a replaced A-KID."""
    lam = rate_per_min / 60.0
    windows = stale_windows(mode, akma_defer, T, rate_per_min, q, n, d, a)
    return sum(p * afs * -math.expm1(-lam * s / afs) for w in windows for p, s in w)
