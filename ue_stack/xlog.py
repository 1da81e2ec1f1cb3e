"""Streaming reader of ue-stack/xlog v1 exchange logs (docs/exchange-log.md).

``iter_log(path)`` yields one dict per line, lazily, after checking what every line must
carry: ``seq`` (an integer, strictly increasing), ``t`` (a number) and ``event`` (a
string). Anything else about a line is the checker's business, not a format error, so a
log from another UE implementation converted to this schema can be checked too. Blank
lines are skipped. Problems raise ``InputError`` naming the file, the line and the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError, json_line_problem
from .inputs import bounded_lines, display_name, open_input
from .limits import MAX_DEPTH, finite_number, nested, too_deep


def iter_log(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of an exchange log, one at a time."""
    for _line, record in iter_log_lines(path):
        yield record


def iter_log_lines(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Like ``iter_log``, with each record's line number."""
    name = display_name(path)
    file = open_input(path, "exchange log")
    last_seq: int | None = None
    with file:
        for line, raw in enumerate(bounded_lines(file, name, "exchange log"), start=1):
            text = raw.strip()
            if not text:
                continue
            try:
                record = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise InputError(json_line_problem(text, exc), file=name, line=line) from None
            if not isinstance(record, dict):
                raise InputError("a log line must be a JSON object", file=name, line=line)
            if nested(record):
                _check_shape(record, name, line)
            seq = record.get("seq")
            if type(seq) is not int:
                why = "missing" if seq is None else f"must be an integer, got {seq!r}"
                raise InputError(why, file=name, line=line, field="seq")
            if last_seq is not None and seq <= last_seq:
                raise InputError(
                    f"not increasing: {seq} after {last_seq}", file=name, line=line, field="seq"
                )
            last_seq = seq
            try:
                finite_number(record["t"])
            except KeyError:
                raise InputError("missing", file=name, line=line, field="t") from None
            except ValueError as exc:
                raise InputError(str(exc), file=name, line=line, field="t") from None
            event = record.get("event")
            if not isinstance(event, str) or not event:
                why = "missing" if event is None else f"must be a string, got {event!r}"
                raise InputError(why, file=name, line=line, field="event")
            yield line, record


# Fields of docs/exchange-log.md that name something (a UE, a primitive, a correlation, a key's
# fingerprint...): the invariants index and compare by them, so each must be a scalar.
# Extra fields may hold anything (within the nesting bound).
NAMING_FIELDS = frozenset({
    "seq", "t", "event", "ue", "src", "dst", "name", "corr", "dir", "msg", "layer",
    "from", "to", "action", "app", "af_id", "a_kid", "result", "cause", "k_ausf_fp",
    "k_akma_fp", "k_af_fp", "k_af_fp_ue", "k_af_fp_net", "line", "frame",
})


def _check_shape(record: dict[str, Any], name: str, line: int) -> None:
    """A line holding objects or arrays: not too deep, and none where §2 has a name."""
    for key, value in record.items():
        if key in NAMING_FIELDS and isinstance(value, dict | list):
            kind = "an object" if isinstance(value, dict) else "an array"
            raise InputError(f"must be a string or number, got {kind}",
                             file=name, line=line, field=key)
    if too_deep(record):
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", file=name, line=line)
