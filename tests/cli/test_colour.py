"""Colour only for a person at a terminal: never in a pipe or file, never with NO_COLOR
(https://no-color.org) or TERM=dumb; the columns line up the same either way."""

from __future__ import annotations

import io
import re

import pytest

from ue_stack import colour
from ue_stack.report import summary_lines

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_colour_only_on_a_terminal():
    assert colour.enabled(Terminal())
    assert not colour.enabled(io.StringIO())  # a pipe, a file, CI's log


@pytest.mark.parametrize(("name", "value"), [("NO_COLOR", "1"), ("NO_COLOR", "yes"),
                                             ("TERM", "dumb")])
def test_no_color_and_dumb_terminals_get_none(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert not colour.enabled(Terminal())


def test_coloured_summary_lines_up_like_the_plain_one():
    report = {"verdict": "fail", "inputs": ["x"], "violations": [],
              "invariants": {"AKMA-1": {"checked": 2, "violations": 1},
                             "AKMA-2": {"checked": 2, "violations": 0}}}
    plain = summary_lines(report)
    painted = summary_lines(report, colour=True)
    assert painted != plain
    assert [ESCAPE.sub("", line) for line in painted] == plain
    assert "\x1b[31mFAIL\x1b[0m" in painted[1] and "\x1b[32mok\x1b[0m" in painted[2]
