"""Several inputs at once (docs/README.md): each unusable input gets one stderr line, the
usable ones are processed and stdout carries their table or summary, exit status 2;
``--log``/``--diagram`` then name an existing folder (nothing is created silently)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOOD = [str(ROOT / "traces" / "happy-path.jsonl"), str(ROOT / "traces" / "w1-defer-on.jsonl")]


@pytest.fixture
def bad_trace(tmp_path: Path) -> str:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "header"}\n')
    return str(path)


@pytest.mark.parametrize(("command", "option"),
                         [("replay", "--log"), ("replay", "--diagram"), ("replay", "--pcap"),
                          ("check", "--diagram")])
def test_several_inputs_need_an_existing_folder_for_per_input_outputs(
        tmp_path, capsys, command, option):
    if command == "check":
        logs = tmp_path / "logs"
        logs.mkdir()
        assert main(["replay", *GOOD, "--log", str(logs)]) == 0
        inputs = [str(p) for p in sorted(logs.iterdir())]
    else:
        inputs = GOOD
    target = tmp_path / "not-yet"
    capsys.readouterr()
    assert main([command, *inputs, option, str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "not-yet" in err and "folder" in err
    assert not target.exists()


def test_replay_one_unusable_trace_among_several(tmp_path, capsys, bad_trace):
    report = tmp_path / "r.json"
    assert main(["replay", *GOOD, bad_trace, "--report", str(report)]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [line for line in err.splitlines() if "bad.jsonl" in line]
    assert len(err.splitlines()) == 1
    assert "happy-path.jsonl" in out and "w1-defer-on.jsonl" in out
    assert report.exists()


def test_check_one_unusable_log_among_several(tmp_path, capsys):
    logs = tmp_path / "logs"
    logs.mkdir()
    assert main(["replay", *GOOD, "--log", str(logs)]) == 0
    (logs / "broken.jsonl").write_text('{"seq": 1, "t": 0, "event": "x"}\n{"seq": 1}\n')
    (logs / "missing.jsonl").symlink_to(logs / "nowhere")
    capsys.readouterr()
    assert main(["check", str(logs)]) == 2
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 2
    assert "broken.jsonl:2" in err and "missing.jsonl" in err
    assert out.startswith("verdict: fail (0 violations, 4 inputs)")


def test_check_several_logs_draw_one_diagram_each(tmp_path):
    logs, diagrams = tmp_path / "logs", tmp_path / "diagrams"
    logs.mkdir()
    diagrams.mkdir()
    assert main(["replay", *GOOD, "--log", str(logs)]) == 0
    assert main(["check", str(logs), "--diagram", str(diagrams)]) == 0
    assert sorted(p.name for p in diagrams.iterdir()) == [
        "happy-path.xlog.mmd", "w1-defer-on.xlog.mmd"]
