"""APP-1 (docs/invariants.md): every ``kaf_request`` with ``expect`` gets that outcome —
``ok`` (a confirm, a KAF, and an AF session with ``result: ok``) or ``rejected`` (an
``ObtainAkmaKeyReject``).

The driver that feeds the request hands its expectation over directly (``expect``), as
replay's NAS-3 matcher gets the trace's uplink; the outcomes are exchanges, read from the
exchange log online (the tracker is a sink). Outcomes are matched per UE and application
in order, as each application's requests are answered in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from .base import Record

APP1 = "APP-1"


class App1Tracker:
    """``expect(ue, app, outcome, seq)`` when a request is fed; ``tracker(record)`` for
    every exchange record; ``finish(seq, t)`` at the end. Decisions go to
    ``record(APP1, ok, seq, t, message, ue=...)``."""

    def __init__(self, record: Callable[..., Any]) -> None:
        self._record = record
        # (ue, app) -> the expectations of its kaf_requests still without an outcome
        self._pending: dict[tuple[Any, str], deque[tuple[str | None, int]]] = {}

    def expect(self, ue: Any, app: str, outcome: str | None, seq: int) -> None:
        """A ``kaf_request`` of ``app`` was fed (logged at ``seq``); None: no expectation,
        but its outcome still takes its turn."""
        self._pending.setdefault((ue, app), deque()).append((outcome, seq))

    def __call__(self, rec: Record) -> None:
        event = rec["event"]
        if event == "primitive":
            if rec["name"] == "ObtainAkmaKeyReject":
                self._outcome(rec["dst"].removeprefix("app:"), "rejected", rec)
        elif event == "af_session":
            result = rec.get("result")
            self._outcome(rec["app"], "ok" if result == "ok" else f"af_session {result}", rec)

    def _outcome(self, app: str, outcome: str, rec: Record) -> None:
        queue = self._pending.get((rec.get("ue"), app))
        if not queue:
            return
        expect, request_seq = queue.popleft()
        if expect is None:
            return
        ok = outcome == expect
        self._record(APP1, ok, rec["seq"], rec["t"], "" if ok else
                     f"kaf_request of app '{app}' (seq {request_seq}) expected {expect}, "
                     f"got {outcome}", ue=rec.get("ue"))

    def finish(self, seq: int, t: float) -> None:
        for (ue, app), queue in self._pending.items():
            for expect, request_seq in queue:
                if expect is not None:
                    self._record(APP1, False, seq, t, f"kaf_request of app '{app}' (seq "
                                 f"{request_seq}) expected {expect}, got no outcome", ue=ue)
        self._pending.clear()

    def close(self) -> None:
        pass
