"""Configuration of the exchange log (FORMATS.md section 2), done by the application.

Library code only calls ``structlog.get_logger()``; the CLI and the tests call
``configure()`` once per run, never at import. The processor chain:

1. ``merge_contextvars`` — the per-UE context the bus binds before creating layer tasks;
2. ``redact_secrets`` — a second guard behind the cores (which only emit fingerprints):
   any field whose name is reserved for secrets is dropped, any ``Key`` value is rendered
   ``<redacted>``;
3. ``Tee`` — hands each finished record to the online invariant checker, so checking
   needs no second pass and memory stays flat;
4. ``render`` — one JSON line with ``seq``, ``t`` and ``event`` first (orjson).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, BinaryIO

import orjson
import structlog

from .crypto.secret import REDACTED, SECRET_NAMES, Key

Sink = Callable[[dict[str, Any]], None]


def redact_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Drop every secret-named field; a ``Key`` under any other name becomes ``<redacted>``."""
    # Hot path (every line): the usual line has neither, and costs two set tests (values
    # of these exact types cannot be a Key).
    if not SECRET_NAMES.isdisjoint(event_dict):
        for name in [n for n in event_dict if n in SECRET_NAMES]:
            del event_dict[name]
    if _PLAIN_TYPES.issuperset(map(type, event_dict.values())):
        return event_dict
    for name, value in event_dict.items():
        if isinstance(value, Key):
            event_dict[name] = REDACTED
    return event_dict


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


class Tee:
    """Passes each record to ``sink`` (the checker, a diagram writer), unchanged."""

    def __init__(self, sink: Sink | None) -> None:
        self.sink = sink

    def __call__(self, _logger: Any, _method: str, event_dict: dict[str, Any]) -> Any:
        if self.sink is not None:
            self.sink(event_dict)
        return event_dict


def _default(value: Any) -> Any:
    if isinstance(value, Key):
        return REDACTED
    if isinstance(value, bytes | bytearray):
        return value.hex()
    raise TypeError(f"cannot log a {type(value).__name__}")


def render(_logger: Any, _method: str, event_dict: dict[str, Any]) -> bytes:
    """``seq``, ``t``, ``event`` first, then the rest, as one orjson line."""
    head = {"seq": event_dict.pop("seq", None), "t": event_dict.pop("t", None),
            "event": event_dict.pop("event", None)}
    head.update(event_dict)
    return orjson.dumps(head, default=_default)


class LineWriter:
    """The log's output: one line per record, buffered. ``BytesLogger`` flushes every
    line, a system call each; here the file is flushed when the run closes it (and the
    CLI closes it on every exit path, so what was logged before an error stays on disk).
    """

    def __init__(self, file: BinaryIO) -> None:
        self._write = file.write

    def msg(self, message: bytes) -> None:
        self._write(message + b"\n")

    info = msg


class _NullWriter:
    """No log file: records still reach the sink; nothing is rendered or written."""

    def msg(self, message: Any) -> None:
        pass

    info = msg


def _skip_render(_logger: Any, _method: str, _event_dict: dict[str, Any]) -> str:
    return ""


def configure(out: BinaryIO | None, sink: Sink | None = None) -> None:
    """Send the exchange log to ``out`` (a binary file, or None for no file) and every
    record to ``sink``. Call once per run, before the bus is created."""
    final = render if out is not None else _skip_render
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, redact_secrets, Tee(sink), final],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=(
            (lambda *_: LineWriter(out)) if out is not None else (lambda *_: _NullWriter())
        ),
        cache_logger_on_first_use=True,
    )
