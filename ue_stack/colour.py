"""Colour for people at a terminal, and only there: the verdicts of the tables ``replay``,
``check`` and ``simulate`` print. Never when stdout is not a terminal (a pipe, a file, CI
logs), never with ``NO_COLOR`` set to anything (https://no-color.org) or ``TERM=dumb``.
Colouring happens after the columns are padded, so alignment is the same either way."""

from __future__ import annotations

import os
from typing import IO

RED, GREEN = "31", "32"
# the words a table cell may hold, and their colour
WORDS = {"pass": GREEN, "ok": GREEN, "met": GREEN, "fail": RED, "FAIL": RED,
         "MISSED": RED, "error": RED}


def enabled(stream: IO[str]) -> bool:
    """Should text written to ``stream`` be coloured?"""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def cell(padded: str) -> str:
    """A padded table cell with its word coloured (the padding stays outside)."""
    word = padded.strip()
    code = WORDS.get(word)
    if code is None:
        return padded
    return padded.replace(word, f"\x1b[{code}m{word}\x1b[0m", 1)
