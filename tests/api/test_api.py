"""The Python API (ue_stack.replay/check/simulate/import_capture): the command line's
results as objects, the same options, InputError for unusable input, nothing printed;
and the README's example runs as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import ue_stack
from ue_stack import InputError

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "data" / "captures"


def test_the_public_names_are_exported():
    assert set(ue_stack.__all__) >= {"replay", "check", "simulate", "import_capture",
                                      "Report", "ImportReport", "InputError", "__version__"}
    assert callable(ue_stack.simulate), "ue_stack.simulate is the function, not a module"
    assert (ROOT / "ue_stack" / "py.typed").is_file()


def test_simulate_returns_the_report_the_command_writes(tmp_path, capsys):
    """W1 without deferral (docs/behaviour.md): AKMA-4, as `ue-stack simulate` reports."""
    report = ue_stack.simulate("w1-defer-off", report=tmp_path / "r.json")
    assert report.verdict == "fail"
    assert [v["invariant"] for v in report.violations] == ["AKMA-4"]
    assert report.to_dict() == json.loads((tmp_path / "r.json").read_text())
    assert report.expect_matched is True
    assert capsys.readouterr().out == "", "the API prints nothing"


def test_options_have_the_command_line_names(tmp_path):
    """akma_defer takes a bool; app_mode the command line's values."""
    assert ue_stack.simulate("w1-defer-off", akma_defer=True).verdict == "pass"
    legacy = ue_stack.simulate("reauth-between-af-sessions", app_mode="legacy-cache")
    assert legacy.invariants["AKMA-1"]["violations"] == 1


def test_record_replay_check_round_trip(tmp_path):
    """A recorded simulation replays to the same verdict, and its log checks the same."""
    sim = ue_stack.simulate("w2-smc-rejected", record=tmp_path / "w2.jsonl")
    replayed = ue_stack.replay(tmp_path / "w2.jsonl", log=tmp_path / "w2.xlog.jsonl")
    assert replayed.verdict == sim.verdict == "fail"
    checked = ue_stack.check(tmp_path / "w2.xlog.jsonl")
    assert {v["invariant"] for v in checked.violations} == {"AKMA-4"}


def test_import_then_replay_with_keys(tmp_path):
    """Check your own capture: import with a keys file, replay with the same file."""
    keys = CAPTURES / "keys.csv"
    imported = ue_stack.import_capture(CAPTURES / "oai-registration-nia2.pcap", tmp_path,
                                       keys=keys, expect=True)
    assert imported.ok and len(imported.traces) == 1
    assert imported.to_dict()["format"] == "ue-stack/import-report"
    report = ue_stack.replay(imported.traces, keys=keys, check_expect=True)
    assert report.verdict == "pass" and report.expect_matched


def test_unusable_input_raises_input_error_naming_the_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "header"}\n')
    with pytest.raises(InputError) as raised:
        ue_stack.replay(bad)
    assert raised.value.file == str(bad)
    with pytest.raises(InputError):
        ue_stack.simulate("no-such-scenario")
    with pytest.raises(InputError, match="with _ for -"):
        ue_stack.simulate("happy-path", no_such_option=1)
    with pytest.raises(InputError):
        ue_stack.import_capture(bad, tmp_path / "out")


def test_version_agrees_everywhere():
    """`ue-stack --version`, `python -m ue_stack --version` and the package metadata."""
    assert ue_stack.__version__ == version("ue_stack")
    for argv in (["-m", "ue_stack", "--version"],):
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                              timeout=60, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (0, ue_stack.__version__ + "\n", "")
    script = Path(sys.executable).parent / "ue-stack"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout == ue_stack.__version__ + "\n"


def _readme_api_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_api_example_runs_as_written(tmp_path):
    """The README's example, run in an empty folder (away from the repository)."""
    done = subprocess.run([sys.executable, "-c", _readme_api_example()], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    # every "# -> value" comment in the example is a line it prints
    expected = re.findall(r"#\s*->\s*(.+)", _readme_api_example())
    assert expected and done.stdout.splitlines() == [e.strip() for e in expected]
