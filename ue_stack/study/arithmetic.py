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
"""

from __future__ import annotations

import math

from ..app.akma_client import LEGACY_CACHE


def expected_share(mode: str, akma_defer: bool, T: float, rate_per_min: float, q: float,
                   n: int, d: float) -> float:
    """The expected failure share of one point (``d``: one-way N1 latency = W1)."""
    lam, D, w = rate_per_min / 60.0, n * T, d
    if mode == LEGACY_CACHE:
        if lam == 0:
            return 0.0
        s = (-math.expm1(-lam * D)) / (-math.expm1(-lam * T))
        return 1.0 - (T / D) * (1.0 + (1.0 - q) * (s - 1.0))
    if not akma_defer:
        return ((n - 1) * (1 - q) * w + q * ((n - 1) * T - 2 * d)) / (n * T - 4 * d)
    return q * ((n - 1) * T - d) / (n * T)
