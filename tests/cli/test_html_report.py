"""``--html``: one self-contained page for replay, simulate and check (docs/README.md,
"Command line"): well-formed, no network, every violation in full with its trace line
and a link to its mark on the inline SVG sequence diagram, and usable for large runs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson

from ue_stack.cli import main
from ue_stack.html_report import CONTEXT, HEAD, Timeline
from ue_stack.invariants import Violation

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def _page(path: Path) -> ET.Element:
    """The page parses as XML (so as HTML too) and each inline SVG is well-formed SVG."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    root = ET.fromstring(text)
    svgs = root.findall(f".//{SVG}svg")
    assert svgs, "no inline SVG diagram"
    for svg in svgs:
        ET.fromstring(ET.tostring(svg))
    return root


def _self_contained(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and " src=" not in text
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * len(
        re.findall(r"<svg ", text))


def _links_resolve(root: ET.Element) -> list[str]:
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    hrefs = [e.get("href")[1:] for e in root.iter() if (e.get("href") or "").startswith("#")]
    assert set(hrefs) <= ids
    return hrefs


def test_replay_of_the_library_is_one_valid_page_with_every_violation(tmp_path: Path) -> None:
    """`replay traces/ --html`: one page for 23 traces; each violation of the report is
    listed with its full message and trace line, linked to its mark on the timeline and
    back."""
    page, report = tmp_path / "r.html", tmp_path / "r.json"
    main(["replay", str(REPO / "traces"), "--html", str(page), "--report", str(report)])
    root = _page(page)
    _self_contained(page)
    hrefs = _links_resolve(root)
    violations = orjson.loads(report.read_bytes())["violations"]
    text = page.read_text(encoding="utf-8")
    for v in violations:
        assert v["line"] is not None
        escaped = v["message"].replace("&", "&amp;").replace("<", "&lt;").replace(
            ">", "&gt;").replace("'", "&#x27;").replace('"', "&quot;")
        assert escaped in text
    marks = [h for h in hrefs if re.fullmatch(r"v\d+-\d+", h)]
    assert len(marks) == len(violations)  # each table row links to its mark
    assert sum(h.startswith("row-") for h in hrefs) == len(violations)  # and back


def test_recorded_messages_are_drawn_apart_from_modelled_ones(tmp_path: Path) -> None:
    """A recorded downlink is solid with its trace line; the model's uplink is dashed."""
    page = tmp_path / "w2.html"
    main(["replay", str(REPO / "traces" / "w2-smc-lost.jsonl"), "--html", str(page)])
    lines = [e for e in _page(page).iter(f"{SVG}line") if e.get("marker-end")]
    texts = {t.text for t in _page(page).iter(f"{SVG}text")}
    assert any(t and t.startswith("authentication_request") and "line 6" in t for t in texts)
    solid = [e for e in lines if e.get("stroke-dasharray") is None]
    dashed = [e for e in lines if e.get("stroke-dasharray") is not None]
    assert solid and dashed


def test_simulate_and_check_write_pages_too(tmp_path: Path) -> None:
    log, sim_page, check_page = tmp_path / "x.jsonl", tmp_path / "s.html", tmp_path / "c.html"
    assert main(["simulate", "w2-smc-lost", "--log", str(log), "--html", str(sim_page)]) == 1
    assert main(["check", str(log), "--html", str(check_page)]) == 1
    for page in (sim_page, check_page):
        root = _page(page)
        _self_contained(page)
        assert len([h for h in _links_resolve(root) if h.startswith("v0-")]) == 1
        assert "AKMA-4" in page.read_text(encoding="utf-8")


def test_a_large_run_draws_the_neighbourhood_of_each_violation(tmp_path: Path) -> None:
    """10 000 exchanges and two violations: the head of the run and about CONTEXT rows
    either side of each violation are drawn; the rest is folded into counted gaps."""
    timeline = Timeline("big")
    for seq in range(1, 10_001):
        timeline.feed({"seq": seq, "t": seq / 10, "event": "kausf", "action": "valid",
                       "ue": "001010000000001"})
        if seq in (5000, 9000):
            timeline.violation(Violation("AKMA-4", seq, seq / 10, "boom"))
    data = timeline.data()
    drawn = [r for r in data["rows"] if r["kind"] not in ("gap", "violation")]
    hidden = sum(sum(r["hidden"].values()) for r in data["rows"] if r["kind"] == "gap")
    assert len(drawn) + hidden == 10_000
    assert len(drawn) <= HEAD + 2 * (2 * CONTEXT) + CONTEXT
    assert [r["index"] for r in data["rows"] if r["kind"] == "violation"] == [0, 1]
    seqs = [r["seq"] for r in data["rows"] if r["kind"] == "note"]
    assert 4990 in seqs and 5010 in seqs and 7000 not in seqs


def test_unwritable_html_is_unusable_input(tmp_path: Path, capsys) -> None:
    target = tmp_path / "no" / "r.html"
    assert main(["simulate", "happy-path", "--html", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0] and "Traceback" not in err[0]


# -- for teams and CI (docs/report.md) --------------------------------------------------------


def _html_of(tmp_path, argv):
    from ue_stack.cli import main

    out = tmp_path / "r.html"
    main([*argv, "--html", str(out)])
    return out.read_text()


def test_the_badge_follows_check_expect(tmp_path, capsys):
    """Every trace of the library meets its expectation: with --check-expect (exit 0) the
    badge is green, without it (exit 1) it shows the failing verdict."""
    traces = str(Path(__file__).resolve().parents[2] / "traces")
    met = _html_of(tmp_path, ["replay", traces, "--check-expect"])
    assert '<span class="verdict pass">EXPECTED</span>' in met
    assert "verdict fail" in met  # the raw verdict is still said
    plain = _html_of(tmp_path, ["replay", traces])
    assert '<span class="verdict fail">FAIL</span>' in plain


def test_the_page_has_a_row_per_input(tmp_path, capsys):
    traces = sorted((Path(__file__).resolve().parents[2] / "traces").glob("*.jsonl"))[:4]
    page = _html_of(tmp_path, ["replay", *map(str, traces)])
    table = page[page.index("<h2>Inputs</h2>"):]
    table = table[:table.index("</table>")]
    assert all(f"<td>{t}</td>" in table for t in map(str, traces))
    assert table.count("<tr") == len(traces) + 1


def test_identical_violations_of_many_ues_are_one_group(tmp_path, capsys):
    page = _html_of(tmp_path, ["simulate", "w2-smc-lost", "--ues", "12"])
    group = page[page.index("identical ones grouped"):page.index("The story of")]
    assert group.count('<tr class="bad">') == 1
    assert '<td class="num">12</td>' in group
    assert "001010000000001, 001010000000002" in group and "and 4 more" in group


def test_the_first_failing_ue_story_is_drawn_with_its_lost_messages(tmp_path, capsys):
    """200 UEs: the main diagram folds most rows, the story of the first failing UE keeps
    all five lost SECURITY MODE COMMANDs and T3560 giving up."""
    page = _html_of(tmp_path, ["simulate", "w2-smc-lost", "--ues", "200"])
    story = page[page.index("The story of the first failing UE: 001010000000001"):
                 page.index("<h2>Every violation</h2>")]
    assert story.count(">drop security_mode_command<") == 5
    assert "T3560 expired 5 times" in story
    assert "AKMA-4" in story  # the violation itself, in the UE's story
    assert "001010000000002" not in story
