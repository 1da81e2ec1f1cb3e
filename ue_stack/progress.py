"""Progress bars for long commands, on a terminal only (stderr): never in a pipe, a log
file or the Python API, so stdout and captured output stay exactly as documented."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def terminal_progress(description: str, unit: str,
                      total: int | None = None) -> Iterator[Callable[[int], None] | None]:
    """``with terminal_progress("simulate", "steps", n) as update:`` — ``update(done)``
    moves the bar to ``done``; ``update`` is None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit=unit, leave=False, file=sys.stderr,
              dynamic_ncols=True) as bar:
        def update(done: int) -> None:
            bar.update(done - bar.n)

        yield update
