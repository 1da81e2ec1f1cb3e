"""The command line as people meet it: suggestions for typos, one error style, the wrong
kind of file named as such, `--report -`, `simulate --check-expect`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "traces" / "happy-path.jsonl"
PCAP = ROOT / "tests" / "data" / "captures" / "oai-registration-nia2.pcap"
PCAPNG = ROOT / "tests" / "data" / "captures" / "open5gs-roaming-hr-nia2.pcapng"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def one_error_line(capsys, *argv: str) -> str:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("ue-stack: ")
    return err


@pytest.mark.parametrize(("argv", "hint"), [
    (["replya", "x"], "did you mean replay?"),
    (["simulat", "happy-path"], "did you mean simulate?"),
    (["replay", str(TRACE), "--lgo", "x"], "did you mean --log?"),
    (["simulate", "happy-path", "--chek-expect"], "did you mean --check-expect?"),
    (["check", "x.jsonl", "--reprot", "r.json"], "did you mean --report?"),
    (["replay", str(TRACE), "--app-mode", "per-kfa"], "did you mean per-kaf?"),
])
def test_a_mistyped_command_or_option_gets_a_suggestion(capsys, argv, hint):
    assert hint in one_error_line(capsys, *argv)


def test_usage_and_input_errors_share_one_prefix(capsys):
    assert one_error_line(capsys, "replay", TRACE, "--jobs", "0").startswith("ue-stack: replay: ")
    assert one_error_line(capsys, "replay", "missing.jsonl").startswith("ue-stack: missing.jsonl")


@pytest.mark.parametrize("capture", [PCAP, PCAPNG], ids=["pcap", "pcapng"])
def test_replay_on_a_capture_says_to_import_it_first(capsys, capture):
    err = one_error_line(capsys, "replay", capture)
    assert "a capture, not a trace: run `ue-stack import` first" in err


def test_check_on_a_capture_or_a_trace_says_what_it_is(capsys):
    assert "a capture, not an exchange log" in one_error_line(capsys, "check", PCAP)
    err = one_error_line(capsys, "check", TRACE)
    assert "a trace, not an exchange log" in err and "ue-stack replay" in err


@pytest.mark.parametrize("argv", [
    ["replay", str(TRACE)],
    ["replay", str(TRACE), str(ROOT / "traces" / "w1-defer-off.jsonl")],
    ["simulate", "w1-defer-off"],
])
def test_report_dash_puts_the_report_and_nothing_else_on_stdout(capsys, argv):
    _, out, _ = run(capsys, *argv, "--report", "-")
    assert json.loads(out)["format"] == "ue-stack/report"


def test_check_report_dash(capsys, tmp_path):
    main(["replay", str(TRACE), "--log", str(tmp_path / "x.jsonl")])
    capsys.readouterr()
    _, out, _ = run(capsys, "check", tmp_path / "x.jsonl", "--report", "-")
    assert json.loads(out)["verdict"] == "pass"


def test_import_report_dash(capsys, tmp_path):
    status, out, _ = run(capsys, "import", PCAP, "-o", tmp_path, "--report", "-")
    assert status == 0 and json.loads(out)["format"] == "ue-stack/import-report"


def test_simulate_check_expect_exits_0_when_the_expectation_is_met(capsys):
    """w1-defer-off is meant to fail AKMA-4 (window W1): met, so 0 — like replay."""
    assert run(capsys, "simulate", "w1-defer-off", "--check-expect")[0] == 0
    assert run(capsys, "simulate", "w1-defer-off")[0] == 1
    status, out, _ = run(capsys, "simulate", "w1-defer-off", "--akma-defer", "on",
                         "--check-expect")
    assert status == 1 and "expectation NOT matched" in out


def _on_a_terminal(argv: list[str]) -> tuple[int, bytes, bytes]:
    """Run ue-stack with stderr on a pseudo-terminal (100 columns); its exit status,
    stdout and what the terminal showed."""
    import fcntl
    import os
    import select
    import struct
    import subprocess
    import sys
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    script = Path(sys.executable).parent / "ue-stack"
    proc = subprocess.Popen([str(script), *argv], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b""
    while select.select([master], [], [], 60)[0]:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # the terminal is gone: the program ended
            break
        if not chunk:
            break
        shown += chunk
    out = proc.stdout.read()
    os.close(master)
    return proc.wait(), out, shown


def test_simulate_import_and_replay_show_progress_on_a_terminal_only(capsys, tmp_path):
    status, out, shown = _on_a_terminal(["simulate", "happy-path", "--ues", "20"])
    assert status == 0 and b"20 UE(s)" in shown and b"step" in shown
    assert b"\r" not in out and out.startswith(b"verdict: pass")
    status, _, shown = _on_a_terminal(["import", str(PCAP), "-o", str(tmp_path)])
    assert status == 0 and b"NGAP PDUs" in shown
    status, _, shown = _on_a_terminal(["replay", str(ROOT / "traces"), "--check-expect"])
    assert status == 0 and b"trace/s" in shown
    # not a terminal (pytest captures stderr): no progress at all
    run(capsys, "simulate", "happy-path", "--ues", "20")
    assert run(capsys, "simulate", "happy-path", "--ues", "20")[2] == ""


def test_notes_and_problems_on_stderr_use_the_same_prefix(capsys, tmp_path):
    """keys' notes and import's problems read like every other line on stderr."""
    _, _, err = run(capsys, "keys", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc",
                    "--opc", "cd63cb71954a9f4e48a5994e37a02baf")
    _, _, err2 = run(capsys, "import", PCAP, "-o", tmp_path)
    lines = (err + err2).splitlines()
    assert lines and all(line.startswith(("ue-stack: keys: ", "ue-stack: import: "))
                         for line in lines)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["replya"], []])
def test_version_help_and_a_mistyped_command_import_no_command_module(argv):
    """`ue-stack --version` answers at once: no subcommand's module (and so no pycrate,
    numpy or structlog) is imported to print the version, the command list or a
    suggestion; `ue-stack COMMAND` imports its own module only."""
    probe = ("import sys; from ue_stack.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith('ue_stack.commands.')"
             " or m in ('structlog', 'numpy', 'pycrate_core')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                          text=True, timeout=120)
    assert done.stderr.splitlines()[-1] == "[]", done.stderr


def test_a_command_imports_its_own_module_only():
    probe = ("import sys; from ue_stack.cli import main; main(['explain', 'AKMA-4'])\n"
             "print(sorted(m for m in sys.modules if m.startswith('ue_stack.commands.')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.splitlines()[-1] == "['ue_stack.commands.explain']", done.stdout


def test_replaying_one_trace_imports_only_what_the_replay_uses():
    """Start-up is most of what a short trace costs (issue 12, ``--jobs`` on many short
    traces): replaying one trace with no output options imports no structlog (no command
    emits a diagnostic through it), no multiprocessing (no pool for one input), and
    neither the HTML report nor the diagram writer (only with --html / --diagram)."""
    heavy = ("structlog", "multiprocessing", "ue_stack.html_report", "ue_stack.diagram",
             "dpkt", "pycrate_core", "numpy", "matplotlib", "tqdm", "hypothesis")
    probe = ("import sys; from ue_stack.cli import main\n"
             f"status = main(['replay', {str(TRACE)!r}])\n"
             f"print(status, sorted(m for m in sys.modules if m in {heavy!r}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr
