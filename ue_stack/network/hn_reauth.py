"""Home-network-triggered primary re-authentication on a timer of its own (TS 33.501 6.1.5;
TR 33.741 studies it as the way to refresh KAF). The Rel-18 text was not available:
``ue_stack.rel18`` choice 1 says what is assumed.

A sans-I/O core: ``kausf_stored`` arms a UE's timer at its first successful primary
authentication; ``due(now)`` returns the UEs whose period ended (and re-arms them one
period later); the twin asks their AMFs to re-authenticate. Fixed rate: a KAUSF that
changes for another reason does not move the timer, so KAUSF changes every ``period``.
"""

from __future__ import annotations

import heapq


class HomeNetworkReauth:
    def __init__(self, period: float | None = None) -> None:
        if period is not None and period <= 0:
            raise ValueError("the re-authentication period must be positive")
        self.period = period
        self._deadline: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self.triggered: dict[str, int] = {}  # UE -> re-authentications started by the timer

    def kausf_stored(self, supi: str, now: float) -> None:
        """The AUSF stored a KAUSF for ``supi``: arm its timer if it has none yet."""
        if self.period is None or supi in self._deadline:
            return
        self._arm(supi, now + self.period)

    def _arm(self, supi: str, deadline: float) -> None:
        self._deadline[supi] = deadline
        heapq.heappush(self._heap, (deadline, supi))

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def due(self, now: float) -> list[str]:
        """The UEs whose period ended at or before ``now``, each re-armed one period on."""
        out: list[str] = []
        while self._heap and self._heap[0][0] <= now:
            deadline, supi = heapq.heappop(self._heap)
            out.append(supi)
            self.triggered[supi] = self.triggered.get(supi, 0) + 1
            assert self.period is not None  # nothing is armed without a period
            self._arm(supi, deadline + self.period)
        return out
