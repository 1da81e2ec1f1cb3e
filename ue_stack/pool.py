"""Many independent inputs over worker processes (``replay --jobs N``; the study, the
explorer and a Ray engine can reuse it).

``run_many(fn, items, jobs)`` yields ``fn(item)`` for every item **in input order**, so
whatever is merged from the results is the same for any ``jobs``. With ``jobs == 1`` it
runs in this process. Otherwise a pool of ``jobs`` workers is started once; on Linux the
workers are forked from this process, so what it has imported they have too (nothing is
imported per input), and items go to them in chunks — several short traces per round
trip — so the cost of a hand-over is paid per chunk, not per input.

``fn`` and the items must be picklable (a module-level function, plain data); an
exception in ``fn`` is re-raised here, in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNKS_PER_WORKER = 4  # enough to even out traces of different lengths


def chunk_size(items: int, jobs: int) -> int:
    """Inputs per hand-over: about ``CHUNKS_PER_WORKER`` chunks per worker."""
    return max(1, -(-items // (jobs * CHUNKS_PER_WORKER)))


def _context() -> multiprocessing.context.BaseContext:
    # fork where the platform has it: workers start with this process's imports
    if "fork" in multiprocessing.get_all_start_methods() and os.name == "posix":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def run_many(fn: Callable[[T], R], items: Iterable[T], jobs: int) -> Iterator[R]:
    """``fn(item)`` for every item, in input order, over ``jobs`` worker processes."""
    work = list(items)
    if jobs <= 1 or len(work) <= 1:
        yield from map(fn, work)
        return
    workers = min(jobs, len(work))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        yield from pool.map(fn, work, chunksize=chunk_size(len(work), workers))
