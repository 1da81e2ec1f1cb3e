"""A bug is not a violation (docs/README.md, exit status): exit status 3 and one stderr
line naming the command and saying it is a bug; the traceback only with --debug or
UE_STACK_DEBUG=1; never the exception's message, which may hold an input's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ue_stack.cli import main
from ue_stack.commands import replay

TRACE = str(Path(__file__).resolve().parents[2] / "traces" / "happy-path.jsonl")
SECRET = "465b5ce8b199b49faa5f0a2ee238a6bc"


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyError(SECRET)

    monkeypatch.setattr(replay, "replay_report", crash)


def test_a_crash_exits_3_with_one_line_naming_the_command(broken, capsys):
    assert main(["replay", TRACE]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("ue-stack: replay: internal error (KeyError at ")
    assert "this is a bug" in line and "--debug" in line
    assert SECRET not in err


@pytest.mark.parametrize("how", ["flag-first", "flag-last", "environment"])
def test_debug_shows_the_traceback(broken, capsys, monkeypatch, how):
    argv = {"flag-first": ["--debug", "replay", TRACE], "flag-last": ["replay", TRACE, "--debug"],
            "environment": ["replay", TRACE]}[how]
    if how == "environment":
        monkeypatch.setenv("UE_STACK_DEBUG", "1")
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("ue-stack: replay: internal error (KeyError")


def test_debug_after_double_dash_is_a_file_name(capsys):
    assert main(["replay", "--", "--debug"]) == 2
    assert "--debug" in capsys.readouterr().err
