"""A Mermaid ``sequenceDiagram`` of an exchange log, written as the log is read.

Participants: the applications (App), the UE's NAS, and the network side (N1, shown as
"Network": AMF/AUSF, AAnF, AF). Arrows carry short labels — message and primitive names,
corr, results — and never key material (fingerprints are left out too: they only clutter
a picture). A violation becomes a ``Note`` right after the line that revealed it, with the
violation's message (which may name a shortened fingerprint, never a key).

Labels are escaped with Mermaid entity codes (``#59;`` for ``;``, ``#35;`` for ``#``...)
so that GitHub renders the file. Very long logs are cut after ``max_events`` arrows: a
diagram that large does not render and cannot be read anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .invariants import Violation
from .outputs import open_output

PARTICIPANTS = (("App", "App"), ("NAS", "NAS"), ("N1", "Network"))
MAX_LABEL = 80
# Mermaid entity codes: `;` ends a statement, `#` starts an entity, quotes and angle
# brackets are HTML in labels. One pass, so an inserted code is never escaped again.
_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", '"': "#quot;", "<": "#lt;", ">": "#gt;"})


def label(text: str) -> str:
    """One safe line of label text."""
    text = " ".join(str(text).split())
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 3] + "..."
    return text.translate(_ESCAPES)


def _party(endpoint: Any) -> str:
    if isinstance(endpoint, str) and endpoint.startswith("app:"):
        return "App"
    if endpoint in ("nas", "usim"):
        return "NAS"
    return "N1"


class MermaidWriter:
    """``w = MermaidWriter(path); w.feed(record); w.violation(v); w.close()``. Lines are
    flushed as written, so a run that stops early leaves a readable prefix."""

    def __init__(self, path: str | Path, max_events: int = 2000) -> None:
        self.path = Path(path)
        self.max_events = max_events
        self._drawn = 0
        self._skipped = 0
        self._file = open_output(self.path, "--diagram", text=True, line_buffering=True)
        self._write("sequenceDiagram")
        for name, alias in PARTICIPANTS:
            self._write(f"    participant {name} as {alias}")

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")

    def _draw(self, line: str) -> None:
        if self._drawn >= self.max_events:
            self._skipped += 1
            return
        self._drawn += 1
        self._write("    " + line)

    def feed(self, record: dict[str, Any]) -> None:
        """Draw one exchange-log record (events other than those below are not drawn)."""
        event = record.get("event")
        ue = f"[{record['ue']}] " if record.get("ue") is not None else ""
        if event == "primitive":
            src, dst = _party(record.get("src")), _party(record.get("dst"))
            app = record.get("dst") if src == "NAS" else record.get("src")
            text = f"{ue}{record.get('name')} {app} corr {record.get('corr')}"
            if record.get("cause"):
                text += f" ({record['cause']})"
            self._draw(f"{src}->>{dst}: {label(text)}")
        elif event == "n1":
            arrow = "N1->>NAS" if record.get("dir") == "dl" else "NAS->>N1"
            text = f"{ue}{record.get('msg')}"
            for name in ("ngksi", "cause", "eap"):
                if record.get(name) is not None:
                    text += f" {name}={record[name]}"
            self._draw(f"{arrow}: {label(text)}")
        elif event == "kaf_derived":
            text = f"{ue}KAF derived {record.get('app')} for {record.get('af_id')}"
            text += f" corr {record.get('corr')}"
            self._draw(f"App->>App: {label(text)}")
        elif event == "af_session":
            ok = record.get("result") == "ok"
            text = f"{ue}AF session {record.get('app')}: {record.get('result')}"
            self._draw(f"App-{'>>' if ok else 'x'}N1: {label(text)}")
        elif event == "aanf":
            text = f"{ue}AAnF {record.get('action')} A-KID {record.get('a_kid')}"
            self._draw(f"Note over N1: {label(text)}")
        elif event == "kausf":
            text = f"{ue}KAUSF {record.get('action')}"
            self._draw(f"Note over NAS: {label(text)}")

    def violation(self, v: Violation) -> None:
        """A note for a violation, right after the line that revealed it."""
        self._draw(f"Note over App,N1: {label(f'{v.invariant} seq {v.seq}: {v.message}')}")

    def close(self) -> None:
        if self._file.closed:
            return
        if self._skipped:
            self._write(f"    Note over App,N1: {self._skipped} more lines not drawn")
        self._file.close()

    def __enter__(self) -> MermaidWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
