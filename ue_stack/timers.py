"""Named protocol timers in model time, for sans-I/O cores.

A core starts and stops timers by their TS 24.501 name; the bus asks ``next_deadline()``
and calls the core's ``handle_timer(now)``, which pops the expired ones with
``expired(now)``. No clock is read here: ``now`` always comes from the caller.
"""

from __future__ import annotations


class Timers:
    __slots__ = ("_deadlines",)

    def __init__(self) -> None:
        self._deadlines: dict[str, float] = {}

    def start(self, name: str, now: float, duration: float) -> None:
        self._deadlines[name] = now + duration

    def stop(self, *names: str) -> None:
        for name in names:
            self._deadlines.pop(name, None)

    def running(self, name: str) -> bool:
        return name in self._deadlines

    def deadline(self, name: str) -> float | None:
        return self._deadlines.get(name)

    def next_deadline(self) -> float | None:
        return min(self._deadlines.values(), default=None)

    def expired(self, now: float) -> list[str]:
        """Pop and return the timers due at ``now``, earliest first."""
        due = sorted((d, n) for n, d in self._deadlines.items() if d <= now)
        for _, name in due:
            del self._deadlines[name]
        return [name for _, name in due]

    def clear(self) -> None:
        self._deadlines.clear()
