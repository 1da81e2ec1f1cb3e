"""Writes ue-stack/trace v1 files (FORMATS.md section 1), one JSON object per line.

Used by ``simulate --record`` and ``import``. Lines are flushed as they are written, so
what was written before an error stays on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ..nas.messages import NasMessage, render_fields

FORMAT = "ue-stack/trace"
VERSION = 1


def header(supi: str, **fields: Any) -> dict[str, Any]:
    """A trace header; ``fields`` adds title, source, ue extras, serving_plmn, expect..."""
    ue = {"supi": supi, **fields.pop("ue", {})}
    return {"kind": "header", "format": FORMAT, "version": VERSION, **fields, "ue": ue}


def message_record(t: float, kind: str, message: NasMessage, **extra: Any) -> dict[str, Any]:
    """A ``dl``/``ul`` record for a NAS message (fields rendered as hex)."""
    return {"t": t, "kind": kind, "msg": message.msg, **render_fields(message), **extra}


class TraceWriter:
    """``with TraceWriter(path, header) as w: w.write(record)``."""

    def __init__(self, path: str | Path, header_record: dict[str, Any]) -> None:
        self.path = Path(path)
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed by close()/__exit__
        self.write(header_record)

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(orjson.dumps(record) + b"\n")
        self._file.flush()

    def comment(self, text: str) -> None:
        """``//`` lines are ignored by readers and annotate the trace for people."""
        self._file.write(b"// " + text.replace("\n", " ").encode() + b"\n")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
