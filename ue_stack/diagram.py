"""Sequence diagrams of an exchange log: what each record looks like on a timeline
(``describe``, shared by the Mermaid file and the HTML report's SVG), and the Mermaid
``sequenceDiagram`` writer.

Lanes: each application (``app:<name>``), the UE's ``nas``, the ``usim``, ``n1`` (the
network behind N1: AMF/AUSF) and ``af`` (AAnF and AF). Labels carry message and
primitive names, corr, results — never key material, and no fingerprints (they only
clutter a picture). A message **recorded** in a trace (its log line carries the trace
``line``, and ``frame`` when it came from a capture) is drawn apart from what the model
produced: Mermaid draws it solid with its frame (or line), modelled messages dotted. A
violation is drawn right after the record that revealed it, with its message in full.

Labels are escaped with Mermaid entity codes (``#59;`` for ``;``, ``#35;`` for ``#``...)
so that GitHub renders the file. Very long logs are cut after ``max_events`` arrows: a
diagram that large does not render and cannot be read anyway (the HTML report draws the
neighbourhood of each violation instead).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .invariants import Violation
from .outputs import finish, open_output

LANES = ("nas", "usim", "n1", "af")  # after the applications, in this order
LANE_TITLES = {"nas": "NAS", "usim": "USIM", "n1": "N1 / network", "af": "AAnF / AF"}
MAX_LABEL = 80
WRAP = 80  # a violation's full text, wrapped at this width


@dataclass(frozen=True, slots=True)
class Step:
    """One record as drawn: an arrow ``src -> dst`` (``src == dst``: an action within a
    lane) or a note over ``src`` (``dst`` None)."""

    src: str
    dst: str | None
    text: str
    recorded: bool = False  # from the trace (a capture, a hand-written record)
    fail: bool = False  # an AF session that failed
    evidence: str = ""  # "frame 230" or "line 17" for a recorded message
    ue: str | None = None
    input: bool = False  # a trace/scenario input (an app request, a UE or net op)


def _eap_label(record: dict[str, Any]) -> str:
    """An EAP message by what it is (``eap=response/synchronization-failure``), not by
    its octets; a foreign log's v1 shorthand ``eap: success`` reads the same."""
    code = record.get("eap_code")
    if code is None and record.get("eap") in ("success", "failure"):
        code = record["eap"]
    if code is None:
        return ""
    subtype = record.get("eap_subtype")
    return f" eap={code}" + (f"/{subtype}" if subtype else "")


def _lane(endpoint: Any) -> str:
    if isinstance(endpoint, str) and endpoint.startswith("app:"):
        return endpoint
    if endpoint in ("nas", "usim"):
        return str(endpoint)
    return "n1"


def evidence_of(record: dict[str, Any]) -> str:
    """Where a recorded line comes from, as shown: its capture frame, else its trace line."""
    if record.get("frame") is not None:
        return f"frame {record['frame']}"
    if record.get("line") is not None:
        return f"line {record['line']}"
    return ""


def _short(text: Any, n: int = 24) -> str:
    shown = str(text)
    return shown if len(shown) <= n else shown[: n - 1] + "…"


def describe(record: dict[str, Any]) -> Step | None:
    """How one exchange-log record is drawn, or None for records a diagram leaves out."""
    event = record.get("event")
    ue = record.get("ue")
    evidence = evidence_of(record)
    recorded = bool(evidence)
    if event == "primitive":
        text = str(record.get("name"))
        if record.get("corr") is not None:
            text += f" corr {record['corr']}"
        if record.get("cause"):
            text += f" ({record['cause']})"
        return Step(_lane(record.get("src")), _lane(record.get("dst")), text, ue=ue)
    if event == "n1":
        text = str(record.get("msg"))
        for name in ("ngksi", "cause"):
            if record.get(name) is not None:
                text += f" {name}={record[name]}"
        text += _eap_label(record)
        src, dst = ("n1", "nas") if record.get("dir") == "dl" else ("nas", "n1")
        return Step(src, dst, text, recorded=recorded, evidence=evidence, ue=ue)
    if event == "note" and record.get("pdu") and record.get("dir") == "dl":
        text = f"{record.get('msg')} (not modelled: passed through)"
        return Step("n1", "nas", text, recorded=recorded, evidence=evidence, ue=ue)
    if event == "kaf_derived":
        text = f"KAF derived for {record.get('af_id')}"
        if record.get("corr") is not None:
            text += f" corr {record['corr']}"
        lane = f"app:{record.get('app')}"
        return Step(lane, lane, text, ue=ue)
    if event == "af_session":
        result = record.get("result")
        text = f"AF session {record.get('af_id')}: {result}"
        return Step(f"app:{record.get('app')}", "af", text, fail=result != "ok", ue=ue)
    if event == "aanf":
        text = f"AAnF {record.get('action')} A-KID {_short(record.get('a_kid'))}"
        return Step("af", None, text, ue=ue)
    if event == "kausf":
        return Step("nas", None, f"KAUSF {record.get('action')}", ue=ue)
    if event == "usim":
        return Step("usim", None, f"USIM {record.get('action')}", ue=ue)
    if event == "state":
        layer = record.get("layer")
        lane_of_layer = {"5gmm": "nas", "usim": "usim", "amf": "n1"}.get(str(layer))
        if lane_of_layer is None:
            return None
        return Step(lane_of_layer, None, str(record.get("to")), ue=ue)
    if event == "input":
        kind, action = record.get("kind"), record.get("action")
        if kind == "app":
            text = f"{action} {record.get('af_fqdn')}"
            return Step(f"app:{record.get('app')}", None, text, recorded=recorded,
                        evidence=evidence, ue=ue, input=True)
        lane = "nas" if kind == "ue" else "n1"
        return Step(lane, None, f"{kind} {action}", recorded=recorded, evidence=evidence,
                    ue=ue, input=True)
    if event == "note" and record.get("text"):
        return _note(record)
    return None


def _note(record: dict[str, Any]) -> Step | None:
    """Notes worth a picture: link faults, the AMF's states and timers, NAS timers."""
    layer, text = record.get("layer"), str(record["text"])
    ue = record.get("ue") or record.get("supi")
    if layer == "amf":
        return Step("n1", None, f"AMF {record.get('to')}" if text == "state" else text, ue=ue)
    if layer in ("n1", "n1-link", "network"):
        return Step("n1", None, text, ue=ue)
    if layer == "5gmm":
        return Step("nas", None, text, ue=ue)
    return None


def violation_text(v: Violation | dict[str, Any]) -> str:
    """A violation in full: id, where (seq, trace line, capture frame) and its message."""
    d = v.to_dict() if isinstance(v, Violation) else v
    where = [f"seq {d.get('seq')}"]
    if d.get("line") is not None:
        where.append(f"line {d['line']}")
    if d.get("frame") is not None:
        where.append(f"frame {d['frame']}")
    return f"{d['invariant']} ({', '.join(where)}): {d['message']}"


# -- Mermaid ------------------------------------------------------------------------------
# Mermaid entity codes: `;` ends a statement, `#` starts an entity, quotes and angle
# brackets are HTML in labels. One pass, so an inserted code is never escaped again.
_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", '"': "#quot;", "<": "#lt;", ">": "#gt;"})
_PARTICIPANTS = (("App", "App"), ("NAS", "NAS"), ("USIM", "USIM"), ("N1", "Network"),
                 ("AF", "AAnF/AF"))
_MERMAID = {"nas": "NAS", "usim": "USIM", "n1": "N1", "af": "AF"}


def label(text: str, limit: int | None = MAX_LABEL) -> str:
    """One safe line of label text (cut at ``limit`` characters unless None)."""
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return text.translate(_ESCAPES)


class MermaidWriter:
    """``w = MermaidWriter(path); w.feed(record); w.violation(v); w.close()``. Lines are
    flushed as written, so a run that stops early leaves a readable prefix.

    ``several_ues``: prefix labels with the UE (True), never (False), or from the moment
    a second UE appears (None: a log read without knowing how many UEs it holds)."""

    def __init__(self, path: str | Path, max_events: int = 2000,
                 several_ues: bool | None = None) -> None:
        self.path = Path(path)
        self.max_events = max_events
        self.several_ues = several_ues
        self._first_ue: str | None = None
        self._drawn = 0
        self._skipped = 0
        # written as NAME.partial, named NAME by complete() (an interrupted run's diagram
        # does not look finished)
        self._file = open_output(self.path, "--diagram", text=True, line_buffering=True,
                                 partial=True)
        self._write("sequenceDiagram")
        for name, alias in _PARTICIPANTS:
            self._write(f"    participant {name} as {alias}")
        self._write("    Note over App,AF: N1 and AAnF/AF: solid = recorded in the trace "
                    "(frame or line), dotted = produced by the model")

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")

    def _draw(self, line: str) -> None:
        if self._drawn >= self.max_events:
            self._skipped += 1
            return
        self._drawn += 1
        self._write("    " + line)

    def _prefix(self, ue: str | None) -> str:
        if ue is None:
            return ""
        if self.several_ues is None:
            if self._first_ue is None:
                self._first_ue = ue
            elif ue != self._first_ue:
                self.several_ues = True
                note = f"several UEs: lines above are UE {self._first_ue}, from here on " \
                       "each label names its UE"
                self._draw(f"Note over App,AF: {label(note, None)}")
        return f"[{ue}] " if self.several_ues else ""

    def feed(self, record: dict[str, Any]) -> None:
        """Draw one exchange-log record (records ``describe`` leaves out are not drawn)."""
        step = describe(record)
        if step is None:
            return
        text = self._prefix(step.ue)
        src = _MERMAID.get(step.src, "App")
        app = next((x for x in (step.src, step.dst) if x and x.startswith("app:")), None)
        if app is not None:  # one App lane here: say which application
            text += f"{app[4:]}: "
        text += step.text
        if step.evidence:
            text += f" [{step.evidence}]"
        if step.dst is None:
            self._draw(f"Note over {src}: {label(text)}")
            return
        dst = _MERMAID.get(step.dst, "App")
        # dotted: a message the model produced on N1 or towards the AAnF/AF
        dotted = not step.recorded and ({step.src, step.dst} & {"n1", "af"})
        arrow = ("--" if dotted else "-") + ("x" if step.fail else ">>")
        self._draw(f"{src}{arrow}{dst}: {label(text)}")

    def violation(self, v: Violation | dict[str, Any]) -> None:
        """A note with the violation in full, right after the line that revealed it."""
        lines = textwrap.wrap(violation_text(v), WRAP) or [""]
        text = "<br/>".join(label(part, None) for part in lines)
        self._draw(f"Note over App,AF: {text}")

    def close(self) -> None:
        if self._file.closed:
            return
        if self._skipped:
            self._write(f"    Note over App,AF: {self._skipped} more lines not drawn")
        self._file.close()

    def complete(self) -> None:
        """Close, and give the diagram its name: the run that drew it is complete."""
        self.close()
        finish(self.path, "--diagram")

    def __enter__(self) -> MermaidWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.complete()
        else:
            self.close()
