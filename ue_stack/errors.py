"""Error types, split by who is at fault (h11's rule; README.md, "How it is built").

- ``RemoteProtocolError``: the network sent something illegal in this state; carries the
  5GMM cause the UE answers with (TS 24.501 clause 9.11.3.2).
- ``LocalProtocolError``: upper layers or the caller asked for something illegal.
- ``InputError``: a file or command-line value is unusable. The CLI turns it into exit
  status 2 and one line naming file, line and field.
"""

from __future__ import annotations

import re

# What would break "one line" or could not be printed: C0/C1 controls (a newline, an
# escape sequence), DEL, the Unicode line and paragraph separators (str.splitlines splits
# on them) and lone surrogates (undecodable bytes of a file name under surrogateescape).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text: str) -> str:
    """``text`` with every control character escaped as Python writes it (``\\n``,
    ``\\x1b``, ``\\udcff``), so an error about any file name stays one printable line."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ProtocolError(Exception):
    """Base class of every protocol-level error."""


class RemoteProtocolError(ProtocolError):
    def __init__(self, message: str, cause: int = 98) -> None:
        # 98: "message type not compatible with the protocol state" (TS 24.501 9.11.3.2)
        super().__init__(message)
        self.cause = cause


class LocalProtocolError(ProtocolError):
    pass


class InputError(Exception):
    """Unusable input: names the file, line and field where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field is not None:
            where = f"{where}: field '{self.field}'" if where else f"field '{self.field}'"
        return one_line(f"{where}: {self.message}" if where else self.message)


class TraceFormatError(InputError):
    """A trace file breaks ue-stack/trace v1 (docs/trace-format.md)."""


def json_line_problem(text: bytes, exc: ValueError) -> str:
    """What is wrong with a line of a JSON Lines file that did not parse, for people:
    binary data, or broken (often truncated) JSON with the column orjson stopped at."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as bad:
        return not_utf8(bad)
    where = f" at column {exc.colno}" if hasattr(exc, "colno") else ""
    return f"not valid JSON ({getattr(exc, 'msg', exc)}{where}; truncated?)"


def not_utf8(exc: UnicodeDecodeError) -> str:
    """What is wrong with a file (or line) that is not UTF-8 text, for people."""
    return f"not UTF-8 text (binary data? undecodable byte at offset {exc.start})"
