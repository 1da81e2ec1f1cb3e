"""What an import found, for people and for CI: the per-UE results, the counts, and the
problem lines of the ue-stack/import-report (docs/report.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Required, TypedDict, cast

COUNT_NAMES = (
    "ues",
    "nas_pdus",
    "decoded",
    "auth_requests",
    "auth_responses",
    "auth_failures",
    "nia_verified",
    "nia_failed",
    "nia_unsupported",
    "deciphered",
    "undecipherable",
)
EXTRA_COUNT_NAMES = (
    "frames",
    "ngap_pdus",
    "ngap_undecodable",
    "nia_unchecked",
    "null_ciphered",
    "res_star_matched",
    "res_star_mismatched",
    "sbi_messages",
    "sbi_keys",
)


MAX_PROBLEM = 200  # characters in one problem line (docs/report.md)


class Problem(TypedDict, total=False):
    """One entry of the import report's ``problems`` (docs/report.md)."""

    severity: Required[str]  # "error" (the import is not ok) or "note"
    problem: Required[str]  # one short line, naming its frames; at most MAX_PROBLEM characters
    frame: int  # the first frame it names
    ue: str  # the UE it concerns (SUPI, or SUCI in hex)


def problem(severity: str, text: str, *, frames: list[int] | None = None,
            ue: str | None = None) -> Problem:
    """One import-report problem (docs/report.md): ``severity`` error|note, one short line
    naming its frames (a run of frames is a range)."""
    out = cast(Problem, {"severity": severity})  # keys in report order; the text comes last
    if ue is not None:
        out["ue"] = ue
    if frames:
        out["frame"] = frames[0]
        text = f"frames {frame_ranges(frames, short=True)}: {text}" if len(frames) > 1 else (
            f"frame {frames[0]}: {text}")
    out["problem"] = text if len(text) <= MAX_PROBLEM else text[: MAX_PROBLEM - 3] + "..."
    return out


@dataclass(slots=True)
class UeTrace:
    """What the importer writes for one UE."""

    supi: str | None
    header: dict[str, Any] | None
    records: list[dict[str, Any]]
    frames: list[int]
    problems: list[Problem]
    name: str = ""
    suci: bool = False  # the UE is known only by a concealed SUCI (docs/trace-format.md)
    keyless: bool = False  # imported without keys


@dataclass(slots=True)
class ImportResult:
    capture: str
    kind: str
    traces: list[UeTrace]
    counts: dict[str, int]
    problems: list[Problem]
    fatal: str | None = None  # set when the import must end with exit status 2

    def all_problems(self) -> list[Problem]:
        """Every problem once (docs/report.md: the same problem is not repeated)."""
        seen: set[str] = set()
        out = []
        for p in self.problems + [p for t in self.traces for p in t.problems]:
            if p["problem"] not in seen:
                seen.add(p["problem"])
                out.append(p)
        return out

    def report(self, paths: list[str] | None = None) -> dict[str, Any]:
        problems = self.all_problems()
        return {
            "format": "ue-stack/import-report",
            "version": 1,
            "capture": self.capture,
            "capture_format": self.kind,
            **{name: self.counts.get(name, 0) for name in COUNT_NAMES},
            "extra": {name: self.counts.get(name, 0) for name in EXTRA_COUNT_NAMES},
            "suci_ues": sum(1 for t in self.traces if t.suci and t.header is not None),
            "traces": paths if paths is not None else [t.name for t in self.traces],
            "problems": problems,
            "ok": self.fatal is None and all(p["severity"] != "error" for p in problems),
        }


def summary_notes(traces: list[UeTrace]) -> list[Problem]:
    """What holds for many UEs, said once (docs/report.md: a problem is not repeated), with
    the first frame of each UE concerned."""
    out = []
    keyless = [t for t in traces if t.keyless]
    if keyless:
        out.append(problem(
            "note", f"no keys for {len(keyless)} UE(s): integrity, deciphering and RES* not "
            "checked (give --keys FILE)", frames=sorted(t.frames[0] for t in keyless)))
    concealed = [t for t in traces if t.suci]
    if concealed:
        out.append(problem(
            "note", f"{len(concealed)} UE(s) conceal their SUPI (SUCI scheme A/B, never "
            "revealed): identity and credentials unknown; traces name the SUCI, replay uses "
            "stand-ins", frames=sorted(t.frames[0] for t in concealed)))
    return out


def frame_ranges(numbers: list[int], short: bool = False) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3,7"``; ``short`` keeps the first runs and the count, so a
    problem line stays short however many frames it names."""
    out: list[str] = []
    start: int | None = None
    prev = 0  # read only once start is set
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    if short and len(out) > 6:
        return ",".join(out[:3]) + f",...,{out[-1]} ({len(numbers)} frames)"
    return ",".join(out)
