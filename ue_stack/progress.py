"""Progress bars for long commands (tqdm), on a terminal only (stderr): never in a pipe, a
log file or the Python API, so stdout and captured output stay exactly as documented."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Bar:
    """``update(done)`` moves the bar to ``done``; ``note(text)`` shows what is being
    worked on now. Both do nothing when stderr is not a terminal (``active`` is False)."""

    def __init__(self, description: str, unit: str, total: int | None,
                 enabled: bool = True) -> None:
        self._bar: Any = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=description, unit=unit, leave=False,
                             file=sys.stderr, dynamic_ncols=True)

    @property
    def active(self) -> bool:
        return self._bar is not None

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def terminal_progress(description: str, unit: str, total: int | None = None,
                      enabled: bool = True) -> Iterator[Bar]:
    """``with terminal_progress("import", "NGAP PDU") as bar: ... bar.update(n)``; with
    ``enabled`` False (the API) the bar never shows."""
    bar = Bar(description, unit, total, enabled)
    try:
        yield bar
    finally:
        bar.close()
