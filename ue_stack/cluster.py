"""Ray as the place where ``pool.run_many``'s chunks run (``--engine ray``,
docs/cluster.md).

Nothing here decides what the work is: a chunk is the same ``chunk.run_chunk(fn, chunk)``
the local pool runs, sent as one Ray task; results come back chunk by chunk in input
order. A task whose worker dies (killed, out of memory, a lost node) is run again by Ray,
up to ``MAX_RETRIES`` times; only its returned value counts, so a chunk retried after a
death is merged once. An exception raised by ``fn`` itself is not retried (it would
raise again) and is re-raised here as itself.

Ray is an optional extra (``pip install 'ue-stack[cluster]'``); it is imported only when
this engine is chosen, and its absence is a one-line usage error.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import socket
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, TypeVar

from .errors import InputError

T = TypeVar("T")
R = TypeVar("R")

MAX_RETRIES = 3  # runs of a chunk after its worker died, before the run gives up
EXTRA = "pip install 'ue-stack[cluster]'"


def require() -> ModuleType:
    """The ``ray`` module, or the usage error naming the extra that installs it."""
    try:  # import_module: typed ModuleType whether or not Ray (and its stubs) is installed
        return importlib.import_module("ray")
    except ImportError:
        raise InputError(f"--engine ray needs Ray, which is not installed: {EXTRA}") from None


def connect(address: str | None) -> int:
    """Join the cluster at ``address`` (or start a Ray instance on this machine when
    ``None``) once per process; the cluster's CPUs."""
    ray = require()
    if not ray.is_initialized():
        if address not in (None, "auto"):
            _probe(address)
        # a local instance for this run needs no dashboard; Ray's own INFO lines would
        # only crowd the command's output
        options: dict[str, Any] = {"logging_level": logging.ERROR}
        if address is None:
            options["include_dashboard"] = False
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f" at {address}" if address else ""
            raise InputError(f"--engine ray: cannot join the Ray cluster{where}: "
                             f"{_first_line(exc)}") from None
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


PROBE_TIMEOUT_S = 5.0


def _probe(address: str) -> None:
    """A head node that does not answer is a one-line error within seconds: Ray itself
    would retry for minutes, printing as it goes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--address {address}: expected auto, HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), PROBE_TIMEOUT_S).close()
    except OSError as exc:
        raise InputError(f"--engine ray: no Ray head answers at {address} "
                         f"({exc.strerror or exc})") from None


def _first_line(exc: Exception) -> str:
    """Ray's messages run to many lines; an error here is one."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _chunk_task(fn: Callable[[T], R], chunk: list[T], cwd: str) -> list[R]:
    """A chunk on a Ray worker. The worker is a fresh process, not a fork, on any node:
    it sets up diagnostics as the command line does (one line on stderr, secrets
    redacted) and works in the command's directory where the node has it, so relative
    input and output paths mean what they mean locally (on a cluster: a shared
    filesystem at the same path). Where it has not, work that opens no file (study,
    explore) runs all the same and an input that is not there is reported by name."""
    from . import logconfig
    from .chunk import run_chunk

    logconfig.configure_once()
    with contextlib.suppress(OSError):
        os.chdir(cwd)
    return run_chunk(fn, chunk)


def run_chunks(fn: Callable[[T], R], chunks: list[list[T]]) -> Iterator[list[R]]:
    """Every chunk as a Ray task (all submitted at once, Ray schedules them on the
    cluster's CPUs); their results in input order."""
    ray = require()
    task = ray.remote(max_retries=MAX_RETRIES)(_chunk_task)
    cwd = os.getcwd()
    refs = [task.remote(fn, chunk, cwd) for chunk in chunks]
    taken = 0
    try:
        for ref in refs:
            try:
                yield ray.get(ref)
            except ray.exceptions.RayTaskError as exc:
                cause = exc.cause
                raise (cause if isinstance(cause, Exception) else exc) from None
            except ray.exceptions.RayError as exc:
                raise InputError(f"--engine ray: a task was lost on the cluster after "
                                 f"{MAX_RETRIES} retries: {_first_line(exc)}") from None
            taken += 1
    finally:
        for ref in refs[taken + 1:]:  # the caller stopped early or a chunk failed
            ray.cancel(ref)
