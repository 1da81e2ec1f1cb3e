"""Open a capture by its content: pcap, pcapng, or a JSON list of NGAP PDUs in hex.

The JSON form (``{"messages": [{"ngap_hex": ..., "frame": ..., "time": ...}]}``, or a bare
list of such objects or hex strings) is how some UE simulators ship their test data;
it has no link layer, so it skips straight to NGAP.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError
from ..inputs import read_input, without_bom
from ..limits import MAX_CAPTURE_BYTES, MAX_SPAN
from .pcapio import CaptureFormatError, CaptureReader
from .sctp import LinkStats, NgapMessage, ngap_messages


@dataclass(slots=True)
class Source:
    """NGAP messages of one capture, and what reading it revealed."""

    path: Path
    kind: str  # pcap | pcapng | ngap-json
    messages: Iterator[NgapMessage]
    stats: LinkStats = field(default_factory=LinkStats)
    reader: CaptureReader | None = None

    @property
    def truncated(self) -> str | None:
        return self.reader.truncated if self.reader is not None else None


def open_capture(path: str | Path) -> Source:
    """Detect the format by content (never by extension) and return its NGAP messages."""
    path = Path(path)
    data = read_input(path, "capture", limit=MAX_CAPTURE_BYTES, stdin=True)
    if not data:
        raise InputError("capture is empty", file=str(path))
    text = without_bom(data)
    if text.lstrip()[:1] in (b"{", b"["):
        return Source(path, "ngap-json", iter(_json_messages(path, text)))
    try:
        reader = CaptureReader(data)
    except CaptureFormatError as exc:
        raise InputError(str(exc), file=str(path)) from None
    stats = LinkStats()
    return Source(path, reader.format, ngap_messages(reader, stats), stats, reader)


def _json_messages(path: Path, data: bytes) -> list[NgapMessage]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", file=str(path)) from None
    items = doc.get("messages") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputError("JSON capture needs a 'messages' list of NGAP PDUs", file=str(path))
    out = []
    lo, hi = math.inf, -math.inf
    for index, item in enumerate(items):
        where = f"messages[{index}]"
        hex_: Any  # JSON values, checked below
        frame: Any
        time: Any
        if isinstance(item, str):
            hex_, frame, time = item, index, 0.0
        elif isinstance(item, dict):
            hex_ = item.get("ngap_hex", item.get("ngap"))
            frame = item.get("frame", index)
            time = item.get("time", item.get("timestamp", 0.0))
        else:
            raise InputError("expected an object or a hex string", file=str(path), field=where)
        try:
            payload = bytes.fromhex(hex_)
        except (TypeError, ValueError):
            raise InputError(
                "ngap_hex is missing or not hex", file=str(path), field=f"{where}.ngap_hex"
            ) from None
        if type(frame) is not int or frame < 0 or type(time) not in (int, float):
            raise InputError(
                "frame must be an integer >= 0 and time a number", file=str(path), field=where
            )
        lo, hi = min(lo, time), max(hi, time)
        if hi - lo > MAX_SPAN:  # the traces it becomes could not be read (trace-format, t)
            raise InputError(f"the times span more than {MAX_SPAN:g} s", file=str(path),
                             field=f"{where}.time")
        out.append(NgapMessage(frame, float(time), payload, ("json",), ("json",)))
    return out
