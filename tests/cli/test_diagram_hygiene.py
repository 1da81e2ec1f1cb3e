"""Mermaid diagrams people can read: the full violation text, no Python reprs, the UE
only where there are several, the capture frame on recorded messages, and recorded
messages told apart from modelled ones (docs/trace-format.md: reports, diagrams and HTML show the
frame next to a violation)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ue_stack.cli import main

REPO = Path(__file__).resolve().parents[2]
TRACES = REPO / "traces"


def _diagram(tmp_path: Path, *argv: str) -> list[str]:
    path = tmp_path / "d.mmd"
    main([*argv, "--diagram", str(path)])
    return path.read_text().splitlines()


def test_violation_note_carries_the_whole_message_and_its_trace_line(tmp_path: Path) -> None:
    """The AKMA-4 note of w2-smc-lost holds the violation's message in full (wrapped, not
    cut) and the trace line of the record that led to it."""
    lines = _diagram(tmp_path, "replay", str(TRACES / "w2-smc-lost.jsonl"))
    note = next(x for x in lines if "Note over App,AF: AKMA-4" in x)
    text = note.replace("<br/>", " ")
    assert "..." not in text and re.search(r"line \d+", text)
    assert "ended" in text  # the end of the message: "... ended 'key_mismatch'"


def test_no_python_reprs_in_labels(tmp_path: Path) -> None:
    """A primitive or derivation without corr shows no `corr None`; nothing says None."""
    lines = _diagram(tmp_path, "replay", str(TRACES / "reauth-legacy-cache.jsonl"))
    assert not any("None" in x for x in lines)


def test_ue_prefix_only_with_several_ues(tmp_path: Path) -> None:
    one = _diagram(tmp_path, "simulate", "happy-path")
    assert not any("[00101" in x for x in one)
    three = _diagram(tmp_path, "simulate", "happy-path", "--ues", "3")
    assert sum("[001010000000003]" in x for x in three) > 3


def test_recorded_messages_show_their_frame_and_are_solid(tmp_path: Path) -> None:
    """Replaying an imported capture: each recorded downlink is drawn solid with its
    capture frame; what the model sends (uplink) and the network twin's events dotted."""
    trace = tmp_path / "framed.jsonl"
    trace.write_text(_with_frames(TRACES / "happy-path.jsonl"))
    lines = [x.strip() for x in _diagram(tmp_path, "replay", str(trace))]
    downlinks = [x for x in lines if x.startswith(("N1->>NAS", "N1-->>NAS"))]
    assert downlinks and all(x.startswith("N1->>NAS") and re.search(r"\[frame \d+\]", x)
                             for x in downlinks)
    uplinks = [x for x in lines if x.startswith(("NAS->>N1", "NAS-->>N1"))]
    assert uplinks and all(x.startswith("NAS-->>N1") and "frame" not in x for x in uplinks)


def _with_frames(path: Path) -> str:
    """The trace with a capture ``frame`` on each dl record, as an importer writes it."""
    out = []
    for i, line in enumerate(path.read_text().splitlines()):
        if line.startswith("{") and '"kind":"dl"' in line.replace(" ", ""):
            rec = json.loads(line)
            rec["frame"] = 100 + i
            line = json.dumps(rec)
        out.append(line)
    return "\n".join(out) + "\n"


def test_eap_messages_are_labelled_by_code_and_subtype_not_octets(tmp_path: Path) -> None:
    """An EAP-AKA' run reads as request/challenge, response/synchronization-failure,
    success — the packet's hex stays in the log, out of the picture."""
    lines = _diagram(tmp_path, "replay", str(TRACES / "sim-eap-aka-prime-synch-failure.jsonl"))
    labels = [re.sub(r" \[line \d+\]$", "", x.split(": ", 1)[1]) for x in lines if " eap=" in x]
    assert labels[:2] == ["authentication_request ngksi=0 eap=request/challenge",
                          "authentication_response eap=response/synchronization-failure"]
    assert labels[-1] == "security_mode_command ngksi=1 eap=success"
