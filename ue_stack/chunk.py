"""The chunk runner both engines of ``pool`` use: ``fn`` over one chunk of inputs.

It lives below ``pool`` and ``cluster`` so that a Ray task (``cluster``) runs exactly what a
local worker runs without ``cluster`` importing ``pool`` back (``pool`` imports ``cluster``
for ``--engine ray``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    """One task, wherever it runs: ``fn`` over a chunk, in order."""
    return [fn(item) for item in chunk]
