"""A UTF-8 byte order mark before the first line (Windows editors and spreadsheets write
one) is read as nothing, in every text input: trace, exchange log and its expectation,
scenario, JSON capture and keys CSV (docs/README.md). It gave exit 2 with "not valid JSON
(...; truncated?)" or "Invalid statement"."""

from __future__ import annotations

from pathlib import Path

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
BOM = b"\xef\xbb\xbf"


def _with_bom(src: Path, tmp_path: Path, name: str | None = None) -> str:
    path = tmp_path / (name or src.name)
    path.write_bytes(BOM + src.read_bytes())
    return str(path)


def test_a_trace_with_a_byte_order_mark_replays(tmp_path):
    assert main(["replay", _with_bom(ROOT / "traces" / "happy-path.jsonl", tmp_path),
                 "--check-expect"]) == 0


def test_an_exchange_log_and_its_expectation_with_a_byte_order_mark_are_checked(tmp_path):
    logs = ROOT / "traces" / "logs"
    name = "nas-2-registered-without-accept"
    log = _with_bom(logs / f"{name}.jsonl", tmp_path)
    _with_bom(logs / f"{name}.expect.json", tmp_path)
    assert main(["check", log, "--check-expect"]) == 0


def test_a_scenario_with_a_byte_order_mark_runs(tmp_path):
    scenario = _with_bom(ROOT / "ue_stack" / "scenarios" / "happy-path.toml", tmp_path)
    assert main(["simulate", scenario]) == 0


def test_a_json_capture_with_a_byte_order_mark_imports(captures, tmp_path):
    capture = _with_bom(captures / "gnbsim-free5gc-ngap.json", tmp_path)
    assert main(["import", capture, "-o", str(tmp_path / "out")]) == 0
    assert list((tmp_path / "out").glob("*.jsonl"))
