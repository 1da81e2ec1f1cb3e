"""The bounds every reader applies to numbers and nesting, in one place (docs/trace-format.md
and docs/README.md).

- **Times** (trace ``t``, scenario step ``t``, seconds in a scenario): a finite number —
  ``NaN`` and ``±Infinity`` are input errors in every format we read, although Python's
  ``json`` and ``tomllib`` accept them — non-decreasing in a trace, and the span from the
  first to the last at most ``MAX_SPAN`` seconds (10^7 s, about four months of model time;
  a trace stamped in epoch seconds or milliseconds, or at any finite ``t``, is fine: model
  time starts at ``model_epoch``), and within ±2^43 s (``MAX_ABS_T``), where a double
  still resolves a millisecond. A scenario starts at 0, so its times lie in
  [0, ``MAX_SPAN``].
- **Counts** from the command line or a file (``--ues``, ``--jobs``, fault counts): whole
  numbers within stated bounds, so an absurd value is a one-line error, not an hour of
  work or a machine out of memory.
- **Names that enter a key derivation** (a SUPI, in particular an NAI, and a serving
  network name given verbatim): at most ``MAX_NAME`` octets in UTF-8. TS 33.501 A.1
  gives each KDF input a 2-octet length, so a longer string cannot be derived from at
  all; 253 is the NAI length RFC 7542 2.3 asks every implementation to carry.
- **Sizes**: a line of a JSON Lines input at most ``MAX_LINE_BYTES`` (16 MiB), a trace
  or log at most ``MAX_FILE_BYTES`` (16 GiB), a scenario, keys CSV or expectation at most
  ``MAX_DOC_BYTES`` (64 MiB), a capture ``MAX_CAPTURE_BYTES`` (1 GiB); only regular
  files (and ``-``, standard input, for traces, logs and captures) are read
  (``inputs.py``).
- **Nesting**: a JSON value nested deeper than ``MAX_DEPTH`` is refused where it is read
  (the walks that follow — SEC-1, redaction, rendering — then never meet one), and the
  check itself is iterative, so no depth makes it recurse.

Checks raise ``ValueError`` with a message for people; each reader adds file, line and
field (its own error type).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from typing import Any

MAX_SPAN = 1e7  # seconds (docs/trace-format.md)
# |t| of a trace record: up to 2^43 s (8.8e12, epoch milliseconds read as seconds) a
# double still tells apart times 1 ms apart; beyond, records 50 ms apart would collapse
# into one instant and timers would fire at the wrong records (a false NAS-3)
MAX_ABS_T = float(2**43)
MAX_DEPTH = 64  # JSON nesting; our own formats nest at most 4 deep
MAX_UES = 100_000  # `simulate --ues`: one bus, every UE in memory
MAX_JOBS = 64  # `replay --jobs`: processes
MAX_COUNT = 1_000_000  # repetition counts in a scenario (faults, AVs)
MAX_NAME = 253  # octets of a SUPI or serving network name (KDF inputs)
# What a reader takes from one input (inputs.py). A JSON Lines file (trace, log) is read a
# line at a time: a line of ours is a few kB (a PDU in hex), the file may be long. A file
# read whole (scenario, keys CSV, expectation) is held in memory, so its bound is smaller;
# a capture is read whole too. A wrong file (a disk image, a sparse file) stays bounded.
MAX_LINE_BYTES = 16 << 20
MAX_FILE_BYTES = 16 << 30  # a trace or exchange log
MAX_DOC_BYTES = 64 << 20  # a scenario, keys CSV or expectation
MAX_CAPTURE_BYTES = 1 << 30  # a pcap, pcapng or JSON capture


def digits(text: str) -> bool:
    """Only ASCII digits 0-9 (a SUPI, MCC, MNC...): ``str.isdigit`` and regex ``\\d``
    also accept other scripts' digits (Arabic-Indic, fullwidth), which no 3GPP identity
    holds."""
    return _DIGITS.fullmatch(text) is not None


_DIGITS = re.compile("[0-9]+")


def finite_number(value: Any) -> float:
    """A JSON/TOML number that is finite (booleans are not numbers)."""
    if type(value) not in (int, float):
        raise ValueError(f"must be a number, got {_kind(value)}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    return float(value)


def kdf_name(value: str) -> str:
    """A SUPI or serving network name short enough to be a KDF input (``MAX_NAME``)."""
    octets = len(value.encode("utf-8", "surrogatepass"))
    if octets > MAX_NAME:
        raise ValueError(f"is {octets} octets long; at most {MAX_NAME}")
    return value


def seconds(value: Any, limit: float = MAX_SPAN) -> float:
    """A duration or a time since the start: a finite number in [0, ``limit``]."""
    t = finite_number(value)
    if not 0 <= t <= limit:
        raise ValueError(f"must be in 0..{limit:g} seconds, got {t:g}")
    return t


class Timeline:
    """Record times in file order: each finite and within ``MAX_ABS_T``, none before the
    previous, and the span from the first at most ``MAX_SPAN``."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None

    def feed(self, value: Any) -> float:
        t = finite_number(value)
        if abs(t) > MAX_ABS_T:
            raise ValueError(
                f"{t:g} is beyond ±2^43 s ({MAX_ABS_T:.3g}), where a time in seconds no "
                "longer resolves a millisecond; give t in seconds from any origin")
        if self.last is not None and t < self.last:
            raise ValueError(f"goes backwards: {t:g} after {self.last:g}")
        if self.first is None:
            self.first = t
        elif t - self.first > MAX_SPAN:
            raise ValueError(
                f"{t:g} is more than {MAX_SPAN:g} s after the first record's t "
                f"({self.first:g}): a trace spans at most {MAX_SPAN:g} s")
        self.last = t
        return t


def model_epoch(first: float) -> float:
    """Where replay's model time starts: the first record's ``t`` when it lies far from 0
    (a trace stamped in epoch seconds, 1.7e9, or milliseconds, 1.7e12), else 0.

    The model runs on ``t - epoch`` and logs and reports ``epoch + model time``. Far from 0
    a double cannot hold small steps (above 1.7e7 s it no longer resolves the event loop's
    nanosecond), so model time must start near 0. And the recorded ``t`` comes back
    exactly: for ``|epoch| >= 2 * MAX_SPAN`` every ``t`` of the trace lies within a
    factor of 2 of ``epoch`` (same sign), so ``t - epoch`` is exact (Sterbenz's lemma)
    and so is ``epoch + (t - epoch)``. Nearer 0 the times are kept as recorded (epoch
    0), which is exact too."""
    return first if abs(first) >= 2 * MAX_SPAN else 0.0


def whole(value: Any, lo: int, hi: int) -> int:
    """An integer in [lo, hi] (booleans are not integers)."""
    if type(value) is not int:
        raise ValueError(f"must be an integer, got {_kind(value)}")
    if not lo <= value <= hi:
        raise ValueError(f"must be in {lo}..{hi}, got {value}")
    return value


def int_option(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type`` for a bounded whole-number option (``--ues``, ``--jobs``)."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if not lo <= number <= hi:
            raise argparse.ArgumentTypeError(f"must be in {lo}..{hi}, got {number}")
        return number

    return parse


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Does ``value`` nest containers (dict, list) more than ``limit`` levels deep?
    Iterative: the depth of the input never becomes recursion here."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def nested(value: dict[str, Any]) -> bool:
    """Fast path for the readers: does a record hold any container at all?"""
    return any(isinstance(v, dict | list) for v in value.values())


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    names: dict[type, str] = {dict: "an object/table", list: "an array", str: "a string"}
    return names.get(type(value), type(value).__name__)
