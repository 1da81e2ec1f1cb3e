"""The exchange-log sink: where the bus hands every exchange record (README.md, "How
it is built").

A sink is any object with two methods::

    sink(record)    # one exchange-log record, a dict of docs/exchange-log.md
    sink.close()    # the run is over: flush, write a footer, release files

The bus calls ``sink(record)`` once per log line, in ``seq`` order, with ``seq``, ``t``
and ``event`` as the first keys and key material already removed (``bus.redact``). The
record is shared by every consumer of a ``FanOut``: read it, copy what you keep, never
change it. The online checker, the diagram and HTML writers and the file renderer are all
sinks; the run that owns them closes them (``close()`` once, on every exit path).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, BinaryIO, Protocol, TypeVar

import orjson

from .crypto.secret import REDACTED, SECRET_NAMES, Key

Record = dict[str, Any]
MutableRecord = TypeVar("MutableRecord", bound=MutableMapping[str, Any])
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def redact(record: MutableRecord) -> MutableRecord:
    """The guard behind the cores (which only emit fingerprints): drop every field whose
    name is reserved for secrets, render any ``Key`` under another name ``<redacted>``."""
    # Hot path (every line): the usual line has neither, and costs two set tests (values
    # of these exact types cannot be a Key).
    if not SECRET_NAMES.isdisjoint(record):
        for name in [n for n in record if n in SECRET_NAMES]:
            del record[name]
    if _PLAIN_TYPES.issuperset(map(type, record.values())):
        return record
    for name, value in record.items():
        if isinstance(value, Key):
            record[name] = REDACTED
    return record


class ExchangeSink(Protocol):
    """What the bus needs of a consumer of exchange records."""

    def __call__(self, record: Record) -> None: ...

    def close(self) -> None: ...


class CallbackSink:
    """A plain function as a sink (nothing to close)."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[Record], None]) -> None:
        self._fn = fn

    def __call__(self, record: Record) -> None:
        self._fn(record)

    def close(self) -> None:
        pass


class FanOut:
    """Several sinks as one, called in the order given. ``close()`` closes every one, even
    when one fails (the first failure is re-raised afterwards)."""

    __slots__ = ("_calls", "sinks")

    def __init__(self, *sinks: ExchangeSink) -> None:
        self.sinks = sinks
        # A plain function is called as itself: one frame less per record and consumer.
        self._calls = tuple(s._fn if type(s) is CallbackSink else s for s in sinks)

    def __call__(self, record: Record) -> None:
        for call in self._calls:
            call(record)

    def close(self) -> None:
        error: BaseException | None = None
        for sink in self.sinks:
            try:
                sink.close()
            except BaseException as exc:  # close the others, then surface it
                error = error or exc
        if error is not None:
            raise error


def _default(value: Any) -> Any:
    if isinstance(value, Key):
        return REDACTED
    if isinstance(value, bytes | bytearray):
        return value.hex()
    raise TypeError(f"cannot log a {type(value).__name__}")


class JsonLinesSink:
    """The exchange log as a file: one JSON line per record, buffered (a system call per
    line would cost more than the line). ``close()`` closes the file, so what was logged
    before an error stays on disk."""

    __slots__ = ("_file", "_write")

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._write = file.write

    def __call__(self, record: Record) -> None:
        self._write(orjson.dumps(record, default=_default, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        self._file.close()
