"""`make run` guards every invariant: with any single invariant silenced, it fails.

`make run` replays the trace library with `--check-expect` and checks the hand-made
foreign logs of `traces/logs/` against the expectations beside them. Each invariant of
docs/invariants.md has a negative control there whose `expect` names it, so a checker that
stops reporting one id (a weakened check) makes `make run` exit non-zero. The commands
are read from the Makefile's `run` recipe, so this test follows what `make run` does.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from ue_stack.cli import main
from ue_stack.invariants import INVARIANT_IDS, Checker
from ue_stack.invariants.base import Invariant

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "$(BIN)/ue-stack"


def make_run_commands() -> list[list[str]]:
    """The argument lists of the `ue-stack` commands in the Makefile's `run` recipe."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("run:"))
    commands = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        argv = shlex.split(line.strip())
        assert argv[0] == ENTRY, f"`make run` runs something else than ue-stack: {line!r}"
        commands.append(argv[1:])
    return commands


def _invariant_classes() -> list[type[Invariant]]:
    found, todo = [], list(Invariant.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def silence(invariant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the checker never report ``invariant``: its class's verdicts are dropped (the
    log-checked ids), or replay's decisions for it are recorded as holding (APP-1, NAS-3)."""
    silenced = False
    for cls in _invariant_classes():
        if getattr(cls, "id", None) != invariant:
            continue
        silenced = True
        feed, finish = cls.feed, cls.finish

        def quiet_feed(self, record, _feed=feed):
            _feed(self, record)
            self.violations = 0
            return []

        def quiet_finish(self, _finish=finish):
            _finish(self)
            self.violations = 0
            return []

        monkeypatch.setattr(cls, "feed", quiet_feed)
        monkeypatch.setattr(cls, "finish", quiet_finish)
    record = Checker.record

    def quiet_record(self, inv, ok, seq, t, message, ue=None):
        return record(self, inv, ok or inv == invariant, seq, t, message, ue)

    monkeypatch.setattr(Checker, "record", quiet_record)
    assert silenced or invariant in ("APP-1", "NAS-3"), invariant


def run_make_run(capsys: pytest.CaptureFixture) -> list[int]:
    statuses = [main(argv) for argv in make_run_commands()]
    capsys.readouterr()
    return statuses


def test_make_run_checks_the_traces_and_the_foreign_logs():
    commands = make_run_commands()
    assert ["replay", "traces/", "--check-expect"] in commands
    assert ["check", "traces/logs/", "--check-expect"] in commands


def test_make_run_passes_on_the_code(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert run_make_run(capsys) == [0] * len(make_run_commands())


@pytest.mark.parametrize("invariant", INVARIANT_IDS)
def test_make_run_fails_when_one_invariant_never_reports(invariant, monkeypatch, capsys):
    """Mutation guard (issue: "`make run` fails when any single invariant is disabled")."""
    monkeypatch.chdir(ROOT)
    silence(invariant, monkeypatch)
    assert any(status != 0 for status in run_make_run(capsys)), (
        f"`make run` still passes with {invariant} silenced: no negative control names it")
