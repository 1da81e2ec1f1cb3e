"""Writes ue-stack/trace v1 files (docs/trace-format.md) as strict JSON Lines: one JSON
object per line, annotations included, so any JSON tool reads every line.

Used by ``simulate --record`` and ``import``. Lines are flushed as they are written, so
what was written before an error stays on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..nas.messages import NasMessage, render_fields
from ..outputs import open_output

FORMAT = "ue-stack/trace"
VERSION = 1


def header(supi: str | None, **fields: Any) -> dict[str, Any]:
    """A trace header; ``fields`` adds title, source, ue extras, serving_plmn, expect...
    ``supi`` is None for a UE known only by a concealed SUCI (``ue.suci``, docs/trace-format.md)."""
    ue = {**({"supi": supi} if supi is not None else {}), **fields.pop("ue", {})}
    return {"kind": "header", "format": FORMAT, "version": VERSION, **fields, "ue": ue}


def message_record(t: float, kind: str, message: NasMessage, **extra: Any) -> dict[str, Any]:
    """A ``dl``/``ul`` record for a NAS message (fields rendered as hex), with its
    ``sht``/``mac``/``count`` when it was protected explicitly (not its octets: a
    ciphered payload is no use to a reader without the keys)."""
    record = {"t": t, "kind": kind, "msg": message.msg, **render_fields(message), **extra}
    if message.protection is not None:
        record.update(message.protection.log_fields())
    return record


class TraceWriter:
    """``with TraceWriter(path, header, field) as w: w.write(record)``. ``field`` is the
    option that named the output (``--record``, ``-o``); an output that cannot be written
    raises ``InputError`` (``ue_stack.outputs``). Without ``header_record`` the caller
    writes the header first itself."""

    def __init__(self, path: str | Path, header_record: dict[str, Any] | None,
                 field: str | None, *, partial: bool = False) -> None:
        self.path = Path(path)
        self._file = open_output(self.path, field, partial=partial)
        self._notes: list[str] = []  # annotations waiting for the next record's t
        self._t: float = 0
        if header_record is not None:
            self.write(header_record)

    def _line(self, record: dict[str, Any]) -> None:
        self._file.write(orjson.dumps(record) + b"\n")
        self._file.flush()

    def write(self, record: dict[str, Any]) -> None:
        self._t = record.get("t", self._t)
        self._flush_notes()
        self._line(record)

    def copy_from(self, source: BinaryIO) -> None:
        """Append the lines already rendered in ``source`` (from its current position)."""
        self._flush_notes()
        while chunk := source.read(1 << 16):
            self._file.write(chunk)

    def comment(self, text: str) -> None:
        """An annotation for people, written as an ``x-note`` record (readers ignore it)
        just before the next record and stamped with its ``t``, so times never go back."""
        self._notes.append(text)

    def _flush_notes(self) -> None:
        for text in self._notes:
            self._line({"t": self._t, "kind": "x-note", "text": text})
        self._notes.clear()

    def close(self) -> None:
        if not self._file.closed:
            self._flush_notes()
            self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
