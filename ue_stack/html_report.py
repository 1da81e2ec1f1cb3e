"""``--html``: one self-contained page (no network, no script) for replay, simulate and
check (docs/README.md).

The page holds the verdict, the per-invariant table, each violation in full with its trace
line and capture frame, and per input a sequence diagram drawn here as inline SVG. Lanes:
each application, NAS, USIM, N1 / network, AAnF / AF (``diagram.describe`` decides how a
record is drawn, for Mermaid and SVG alike). Messages recorded in the trace are drawn solid
and dark with their frame or line; what the model produced is dashed and blue. Violations
are red bands on the timeline, linked both ways with their row in the table.

Large runs stay readable and the memory flat: a ``Timeline`` (a consumer of exchange-log
records, like the diagram and pcap writers) keeps the first ``head`` rows, then only the
``context`` rows around each violation, and folds the rest into "n not drawn" bands that
count what they hide. So that the cause is never folded away, it also keeps the story of
the first UE that fails — every row of that UE, its lost and retransmitted messages
included, up to ``STORY_MAX`` — and the page draws it in full. Its ``data()`` is plain and
picklable, so a replay in a worker process hands it back to the parent, which renders one
page for all inputs.

Above the diagrams: the verdict badge (with ``--check-expect`` it says whether the
expectations were met, as the exit status does), one row per input (``results``), and
identical violations grouped — same invariant, same message once fingerprints, A-KIDs and
sequence numbers are set aside — with their count and UEs.
"""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .diagram import LANE_TITLES, LANES, Step, describe, violation_text
from .invariants import Violation
from .outputs import write_output

HEAD = 120  # rows drawn from the start of a run
CONTEXT = 12  # rows drawn before and after each violation
MAX_MARKED = 40  # violations drawn with their neighbourhood; later ones are only listed
MAX_LISTED = 500  # violations listed in the table (the JSON report has them all)
STORY_MAX = 600  # rows of the first failing UE's story (per UE, until one fails)
MAX_UES_NAMED = 8  # UEs named in a group of identical violations


class Timeline:
    """Consumer of one input's exchange-log records: ``feed(record)``, ``violation(v)``,
    ``close()``; then ``data()``."""

    def __init__(self, name: str, head: int = HEAD, context: int = CONTEXT) -> None:
        self.name = name
        self.head = head
        self.rows: list[dict[str, Any]] = []
        self._recent: deque[dict[str, Any]] = deque(maxlen=context)
        self._context = context
        self._after = 0
        self._hidden: Counter[str] = Counter()
        self._violations = 0
        self.ues: set[str] = set()
        self.lanes: dict[str, None] = {}  # applications, in order of appearance
        self.total = 0
        self.folded = False  # some rows were not drawn in the main diagram
        # each UE's rows until one fails; then only that UE's (its whole story)
        self._stories: dict[str, list[dict[str, Any]]] = {}
        self.story_ue: str | None = None

    def feed(self, record: dict[str, Any]) -> None:
        step = describe(record)
        if step is None:
            return
        self.total += 1
        if step.ue is not None:
            self.ues.add(step.ue)
        for lane in (step.src, step.dst):
            if lane and lane.startswith("app:"):
                self.lanes.setdefault(lane)
        row = _row(step, record)
        self._tell(step.ue, row)
        if len(self.rows) < self.head or self._after > 0:
            self._after = max(0, self._after - 1)
            self._draw(row)
            return
        if len(self._recent) == self._recent.maxlen:
            self._hidden[self._recent[0]["kind"]] += 1
        self._recent.append(row)

    def _tell(self, ue: str | None, row: dict[str, Any]) -> None:
        """Add a row to its UE's story (while no UE has failed, or if it is the one)."""
        if ue is None or (self.story_ue is not None and ue != self.story_ue):
            return
        story = self._stories.setdefault(ue, [])
        if len(story) < STORY_MAX:
            story.append(row)

    def _draw(self, row: dict[str, Any]) -> None:
        if self._hidden:
            self.folded = True
            self.rows.append({"kind": "gap", "hidden": dict(self._hidden)})
            self._hidden.clear()
        self.rows.append(row)

    def violation(self, v: Violation) -> None:
        index = self._violations
        self._violations += 1
        band = {"kind": "violation", "index": index, "text": violation_text(v),
                "invariant": v.invariant}
        if v.ue is not None and self.story_ue is None and v.ue in self._stories:
            self.story_ue = v.ue  # the first failing UE: forget the others' stories
            self._stories = {v.ue: self._stories[v.ue]}
        if v.ue is not None and v.ue == self.story_ue:
            self._tell(v.ue, band)
        if index >= MAX_MARKED:
            return
        while self._recent:
            self._draw(self._recent.popleft())
        self._draw(band)
        self._after = self._context

    def close(self) -> None:
        while self._recent:
            self._draw(self._recent.popleft())
        if self._hidden:
            self.folded = True
            self.rows.append({"kind": "gap", "hidden": dict(self._hidden)})
            self._hidden.clear()

    def data(self) -> dict[str, Any]:
        """Everything the page needs about this input (plain values). ``story``: the
        first failing UE's rows, when the main diagram folded some or shows several UEs."""
        self.close()
        story = None
        if self.story_ue is not None and (self.folded or len(self.ues) > 1):
            rows = self._stories[self.story_ue]
            story = {"ue": self.story_ue, "rows": rows, "complete": len(rows) < STORY_MAX}
        return {"name": self.name, "rows": self.rows, "apps": list(self.lanes),
                "several_ues": len(self.ues) > 1, "total": self.total,
                "violations": self._violations, "story": story}


def _row(step: Step, record: dict[str, Any]) -> dict[str, Any]:
    kind = "note" if step.dst is None else ("self" if step.src == step.dst else "arrow")
    return {"kind": kind, "src": step.src, "dst": step.dst, "text": step.text,
            "recorded": step.recorded, "fail": step.fail, "evidence": step.evidence,
            "ue": step.ue, "input": step.input, "seq": record.get("seq"),
            "t": record.get("t")}


# -- SVG -----------------------------------------------------------------------------------
LANE_W, ROW_H, LEFT, TOP = 190, 24, 96, 44
_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;
  background:#f6f8fa}
main{max-width:1280px;margin:0 auto;padding:24px 28px 60px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{display:inline-block;padding:2px 12px;border-radius:12px;font-weight:700;color:#fff;
  margin-left:8px;font-size:15px}
.pass{background:#1a7f37}
.fail{background:#cf222e}
.muted{color:#656d76}
table{border-collapse:collapse;margin:6px 0 10px}
td,th{border:1px solid #d0d7de;padding:3px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#ffebe9}
.msg{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-word}
.ues{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;min-width:16ch}
details{margin:10px 0;border:1px solid #d0d7de;border-radius:6px;padding:6px 10px}
summary{cursor:pointer;font-weight:600}
.svgwrap{overflow-x:auto}
.legend span{margin-right:18px}
svg text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px}
:target{outline:3px solid #bf8700}
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _anchor(input_index: int, index: int) -> str:
    return f"v{input_index}-{index}"


def _label(row: Mapping[str, Any], several_ues: bool) -> str:
    text = str(row["text"])
    if several_ues and row.get("ue"):
        text = f"[{row['ue']}] {text}"
    if row.get("evidence"):
        text += f" · {row['evidence']}"
    return text


def render_svg(data: Mapping[str, Any], input_index: int, story: bool = False) -> str:
    """The timeline of one input as an SVG sequence diagram (``story``: one UE's rows,
    whose violation bands link to the table without taking the main diagram's ids)."""
    lanes = [*data["apps"], *LANES]
    x = {lane: LEFT + LANE_W // 2 + i * LANE_W for i, lane in enumerate(lanes)}
    width = LEFT + LANE_W * len(lanes) + 110  # notes on the last lane reach past it
    height = TOP + ROW_H * (len(data["rows"]) + 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="sequence diagram of {_esc(data["name"])}">',
           '<defs><marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
           'fill="context-stroke"/></marker></defs>']
    for lane in lanes:
        title = lane[4:] if lane.startswith("app:") else LANE_TITLES[lane]
        out.append(f'<rect x="{x[lane] - 70}" y="6" width="140" height="24" rx="4" '
                   f'fill="#eaeef2" stroke="#8c959f"/><text x="{x[lane]}" y="22" '
                   f'text-anchor="middle" font-weight="bold">{_esc(title)}</text>')
        out.append(f'<line x1="{x[lane]}" y1="30" x2="{x[lane]}" y2="{height}" '
                   'stroke="#d0d7de" stroke-dasharray="3 3"/>')
    several = bool(data.get("several_ues"))
    for i, row in enumerate(data["rows"]):
        y = TOP + ROW_H * i + ROW_H // 2
        out.append(_svg_row(row, y, x, width, several, input_index, story))
    out.append("</svg>")
    return "\n".join(out)


def _svg_row(row: Mapping[str, Any], y: int, x: Mapping[str, int], width: int,
             several: bool, input_index: int, story: bool = False) -> str:
    kind = row["kind"]
    if kind == "gap":
        hidden = row["hidden"]
        what = ", ".join(f"{n} {k}" for k, n in sorted(hidden.items()))
        return (f'<rect x="4" y="{y - 9}" width="{width - 8}" height="18" fill="#f6f8fa" '
                f'stroke="#d0d7de"/><text x="{width // 2}" y="{y + 4}" text-anchor="middle" '
                f'fill="#656d76">⋯ {sum(hidden.values())} not drawn ({_esc(what)}) ⋯</text>')
    if kind == "violation":
        anchor = _anchor(input_index, row["index"])
        text = row["text"] if len(row["text"]) <= 150 else row["text"][:149] + "…"
        own = f"story-{anchor}" if story else anchor
        return (f'<a href="#row-{anchor}"><g id="{own}"><rect x="4" y="{y - 10}" '
                f'width="{width - 8}" height="20" fill="#ffebe9" stroke="#cf222e"/>'
                f'<text x="10" y="{y + 4}" fill="#a40e26" font-weight="bold">✗ '
                f'{_esc(text)}</text></g></a>')
    label = _esc(_label(row, several))
    time = (f'<text x="6" y="{y + 4}" fill="#8c959f">t={row["t"]:.2f}</text>'
            if isinstance(row.get("t"), int | float) else "")
    recorded = row.get("recorded")
    colour = "#cf222e" if row.get("fail") else ("#1f2328" if recorded else "#0969da")
    if kind == "note":
        cx = x.get(row["src"], x["n1"])
        w = min(LANE_W * 2 - 20, 12 + 6.6 * len(_label(row, several)))
        fill = "#fff8c5" if row.get("input") else "#f6f8fa"
        # a network-side event the model produced is dashed, like its messages
        modelled_net = not recorded and row["src"] in ("n1", "af")
        dash = ' stroke-dasharray="4 2"' if modelled_net else ""
        return (f'{time}<rect x="{cx - w / 2:.0f}" y="{y - 9}" width="{w:.0f}" height="18" '
                f'rx="3" fill="{fill}" stroke="#8c959f"{dash}/>'
                f'<text x="{cx}" y="{y + 4}" text-anchor="middle">{label}</text>')
    x1 = x.get(row["src"], x["n1"])
    x2 = x.get(row["dst"], x["n1"])
    dash = "" if recorded else ' stroke-dasharray="6 3"'
    weight = "2" if recorded else "1.4"
    if kind == "self":
        path = f"M{x1},{y - 6} h26 v12 h-26"
        return (f'{time}<path d="{path}" fill="none" stroke="{colour}" stroke-width="{weight}"'
                f'{dash} marker-end="url(#ah)"/><text x="{x1 + 32}" y="{y + 4}" '
                f'fill="{colour}">{label}</text>')
    end = (f'<text x="{x2}" y="{y + 5}" text-anchor="middle" fill="#cf222e" '
           f'font-weight="bold" font-size="14">✗</text>') if row.get("fail") else ""
    marker = "" if row.get("fail") else ' marker-end="url(#ah)"'
    return (f'{time}<line x1="{x1}" y1="{y + 3}" x2="{x2}" y2="{y + 3}" stroke="{colour}" '
            f'stroke-width="{weight}"{dash}{marker}/>{end}<text x="{(x1 + x2) / 2:.0f}" '
            f'y="{y - 1}" text-anchor="middle" fill="{colour}">{label}</text>')


# -- the page ------------------------------------------------------------------------------
def render_page(report: Mapping[str, Any], timelines: Iterable[Mapping[str, Any]],
                title: str, check_expect: bool = False) -> str:
    """The whole HTML document for a report (docs/report.md) and each input's timeline.
    ``check_expect``: the badge says whether the expectations were met (as the exit status
    of ``--check-expect`` does), not the raw verdict."""
    timelines = list(timelines)
    index_of = {t["name"]: i for i, t in enumerate(timelines)}
    verdict = report["verdict"]
    badge, label = verdict, verdict.upper()
    matched = report.get("expect", {}).get("matched")
    if check_expect and matched is not None and not report.get("errors"):
        badge, label = ("pass", "EXPECTED") if matched else ("fail", "EXPECTATION MISSED")
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"/>',
             f"<title>{_esc(title)}: {label.lower()}</title>",
             '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
             f"<style>{_STYLE}</style></head><body><main>",
             f'<h1>{_esc(title)}<span class="verdict {badge}">{label}</span></h1>']
    inputs = report.get("inputs", [])
    violations = report.get("violations", [])
    parts.append(f'<p class="muted">{len(inputs)} input{"s" if len(inputs) != 1 else ""}, '
                 f'{len(violations)} violation{"s" if len(violations) != 1 else ""}'
                 + _expect_text(report) + (f"; verdict {verdict}" if badge != verdict else "")
                 + "</p>")
    parts += _invariant_table(report)
    parts += [f'<p class="muted">{_esc(note)}</p>' for note in report.get("notes", [])]
    parts += _results_table(report.get("results", []), check_expect)
    parts += _grouped_table(violations, index_of)
    parts += _story(timelines)
    parts += _violation_table(violations, index_of)
    if report.get("errors"):
        parts.append("<h2>Inputs that could not be used</h2><ul>")
        parts += [f'<li class="msg">{_esc(e)}</li>' for e in report["errors"]]
        parts.append("</ul>")
    if report.get("alternatives"):
        parts.append("<h2>Permitted alternatives the recorded UE took</h2><table><tr>"
                     "<th>alternative</th><th>clause</th><th>recorded</th><th>model</th>"
                     "<th>input</th><th>line</th></tr>")
        parts += [f'<tr><td>{_esc(a["alternative"])}</td><td>{_esc(a["clause"])}</td>'
                  f'<td>{_esc(a["recorded"])}</td><td>{_esc(a["model"])}</td>'
                  f'<td>{_esc(a["input"])}</td><td>{_esc(a.get("line"))}</td></tr>'
                  for a in report["alternatives"]]
        parts.append("</table>")
    if report.get("not_checked"):
        parts.append("<h2>Not checked</h2><table><tr><th>invariant</th><th>input</th>"
                     "<th>reason</th></tr>")
        parts += [f'<tr><td>{_esc(n.get("invariant", ""))}</td><td>{_esc(n.get("input", ""))}'
                  f'</td><td>{_esc(n.get("reason", ""))}</td></tr>'
                  for n in report["not_checked"]]
        parts.append("</table>")
    parts.append("<h2>Sequence diagrams</h2>")
    parts.append('<p class="legend muted"><span><b style="color:#1f2328">━━</b> recorded in '
                 'the trace (its frame or line)</span><span><b style="color:#0969da">╍╍'
                 '</b> produced by the model</span><span><b style="color:#cf222e">✗</b> '
                 'violation / failed AF session</span><span>yellow: an input</span></p>')
    for i, data in enumerate(timelines):
        opened = ' open="open"' if data["violations"] or len(timelines) == 1 else ""
        mark = f' — <b style="color:#cf222e">{data["violations"]} violation' \
               f'{"s" if data["violations"] != 1 else ""}</b>' if data["violations"] else ""
        parts.append(f'<details{opened}><summary>{_esc(data["name"])}{mark} '
                     f'<span class="muted">({data["total"]} exchanges)</span></summary>'
                     f'<div class="svgwrap">{render_svg(data, i)}</div></details>')
    stats = report.get("stats", {})
    if stats:
        parts.append("<h2>Counts</h2><p class=\"muted\">" + ", ".join(
            f"{_esc(k)} {_esc(v)}" for k, v in stats.items()) + "</p>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _expect_text(report: Mapping[str, Any]) -> str:
    expect = report.get("expect")
    if expect is None:
        return ""
    return "; expectation " + ("met" if expect.get("matched") else "MISSED")


def shape(message: str) -> str:
    """A violation's message with what differs between UEs and runs set aside (key
    fingerprints, A-KIDs, long hex, sequence numbers and times), so that the same fault in
    many UEs groups as one."""
    text = re.sub(r"rid\d+\.atid[^@\s']*@[^\s']+", "<A-KID>", message)
    text = re.sub(r"\b[0-9a-f]{8,}\b(\.\.)?", "<hex>", text)
    return re.sub(r"\b(seq|line|frame|t)( |=)\d+(\.\d+)?", r"\1\2<n>", text)


def _grouped_table(violations: list[Mapping[str, Any]],
                   index_of: Mapping[str, int]) -> list[str]:
    """Identical violations once each: how many, which UEs and inputs, the first one."""
    if not violations:
        return []
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for v in violations:
        groups.setdefault((str(v["invariant"]), shape(str(v.get("message", "")))), []).append(v)
    rows = ["<h2>Violations, identical ones grouped</h2><table><tr><th>invariant</th>"
            "<th>count</th><th>UEs</th><th>inputs</th><th>what happened (the first)</th>"
            "</tr>"]
    for (invariant, _), members in sorted(groups.items(), key=lambda g: -len(g[1])):
        ues = sorted({str(v["ue"]) for v in members if v.get("ue")})
        named = ", ".join(ues[:MAX_UES_NAMED]) + (
            f" and {len(ues) - MAX_UES_NAMED} more" if len(ues) > MAX_UES_NAMED else "")
        inputs = {str(v.get("input", "")) for v in members}
        rows.append(f'<tr class="bad"><td>{_esc(invariant)}</td><td class="num">'
                    f'{len(members)}</td><td class="ues">{_esc(named or "-")}</td>'
                    f'<td class="num">{len(inputs)}</td>'
                    f'<td class="msg">{_esc(members[0].get("message", ""))}</td></tr>')
    rows.append("</table>")
    return rows


def _results_table(results: list[Mapping[str, Any]], check_expect: bool) -> list[str]:
    """One row per input: its verdict, its expectation and whether it was met, its
    violations and UEs (a failing row is the one ``--check-expect`` or the verdict fails)."""
    if not results:
        return []
    rows = ["<h2>Inputs</h2><table><tr><th>input</th><th>verdict</th><th>expected</th>"
            "<th>expectation</th><th>violations</th><th>UEs</th></tr>"]
    for r in results:
        expect = r.get("expect")
        wanted = "-" if not expect else " ".join(
            [str(expect.get("verdict", "")), *sorted(expect.get("violations", []))])
        met = {True: "met", False: "MISSED", None: "-"}[r.get("matched")]
        failing = (r.get("matched") is False if check_expect
                   else r["verdict"] != "pass") or r["verdict"] == "error"
        ues = list(r.get("ues", []))
        named = ", ".join(ues[:MAX_UES_NAMED]) + (
            f" and {len(ues) - MAX_UES_NAMED} more" if len(ues) > MAX_UES_NAMED else "")
        bad = ' class="bad"' if failing else ""
        rows.append(f'<tr{bad}><td>{_esc(r["input"])}</td>'
                    f'<td>{_esc(r["verdict"])}</td><td>{_esc(wanted)}</td><td>{met}</td>'
                    f'<td class="num">{r.get("violations", 0)}</td>'
                    f'<td class="ues">{_esc(named or "-")}</td></tr>')
    rows.append("</table>")
    return rows


def _story(timelines: list[Mapping[str, Any]]) -> list[str]:
    """The first failing UE's whole story, drawn: nothing it went through is folded away
    (its dropped and retransmitted messages included)."""
    for i, data in enumerate(timelines):
        story = data.get("story")
        if not story:
            continue
        rows = story["rows"]
        more = "" if story["complete"] else f" (its first {len(rows)} exchanges)"
        return [f'<h2>The story of the first failing UE: {_esc(story["ue"])}</h2>',
                f'<p class="muted">{_esc(data["name"])}: every exchange of this UE{more}, '
                "lost and repeated messages included.</p>",
                '<div class="svgwrap">'
                + render_svg({**data, "rows": rows, "several_ues": False}, i, story=True)
                + "</div>"]
    return []


def _invariant_table(report: Mapping[str, Any]) -> list[str]:
    rows = ["<h2>Invariants</h2><table><tr><th>invariant</th><th>status</th>"
            "<th>checked</th><th>violations</th></tr>"]
    for inv, c in report.get("invariants", {}).items():
        status = "FAIL" if c["violations"] else ("ok" if c["checked"] else "not checked")
        bad = ' class="bad"' if c["violations"] else ""
        rows.append(f"<tr{bad}><td>{_esc(inv)}</td><td>{status}</td>"
                    f'<td class="num">{c["checked"]}</td><td class="num">{c["violations"]}'
                    "</td></tr>")
    rows.append("</table>")
    return rows


def _violation_table(violations: list[Mapping[str, Any]],
                     index_of: Mapping[str, int]) -> list[str]:
    if not violations:
        return []
    rows = ["<h2>Every violation</h2><table><tr><th>#</th><th>invariant</th><th>input</th>"
            "<th>UE</th><th>seq</th><th>t</th><th>line</th><th>frame</th>"
            "<th>what happened</th><th></th></tr>"]
    per_input: Counter[str] = Counter()
    for n, v in enumerate(violations):
        name = str(v.get("input", ""))
        k = per_input[name]
        per_input[name] += 1
        if n >= MAX_LISTED:
            continue
        i = index_of.get(name)
        anchor = _anchor(i, k) if i is not None else f"x{n}"
        link = (f'<a href="#{anchor}">diagram</a>' if i is not None and k < MAX_MARKED
                else '<span class="muted">not drawn</span>')
        rows.append(
            f'<tr id="row-{anchor}"><td class="num">{n + 1}</td><td>{_esc(v["invariant"])}'
            f'</td><td>{_esc(name)}</td><td>{_esc(v.get("ue", "-"))}</td>'
            f'<td class="num">{_esc(v.get("seq", ""))}</td>'
            f'<td class="num">{_esc(v.get("t", ""))}</td>'
            f'<td class="num">{_esc(v.get("line", "-"))}</td>'
            f'<td class="num">{_esc(v.get("frame", "-"))}</td>'
            f'<td class="msg">{_esc(v.get("message", ""))}</td><td>{link}</td></tr>')
    rows.append("</table>")
    if len(violations) > MAX_LISTED:
        rows.append(f'<p class="muted">{len(violations) - MAX_LISTED} more violations are in '
                    "the JSON report (--report).</p>")
    return rows


def write_html(path: str | Path, report: Mapping[str, Any],
               timelines: Iterable[Mapping[str, Any]], title: str,
               check_expect: bool = False) -> None:
    """Write the page (one document; an unwritable path is exit 2 via ``outputs``)."""
    write_output(path, "--html",
                 render_page(report, timelines, title, check_expect).encode("utf-8"))
