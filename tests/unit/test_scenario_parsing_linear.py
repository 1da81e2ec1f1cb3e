"""Scenario parsing is linear in the steps (docs/README.md, robustness): ten times the
steps cost at most fifteen times the CPU time (finding each [[step]]'s line by scanning
every header made a 120,000-step scenario take minutes). CPU time (time.process_time),
best of three, with the generous margin a loaded machine needs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ue_stack.errors import InputError
from ue_stack.scenarios import parse_scenario

ROOT = Path(__file__).resolve().parents[2]
HEAD = (ROOT / "ue_stack" / "scenarios" / "happy-path.toml").read_text().split("[[step]]")[0]


def _parse_seconds(steps: int) -> float:
    text = HEAD + "".join(f'[[step]]\nt = {i * 0.001:.3f}\nkind = "ue"\nop = "advance"\n\n'
                          for i in range(steps))
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        scenario = parse_scenario(text, "long.toml")
        best = min(best, time.process_time() - start)
    assert len(scenario.steps) == steps
    return best


def test_ten_times_the_steps_cost_at_most_fifteen_times_the_time():
    small, large = _parse_seconds(2_000), _parse_seconds(20_000)
    assert large <= 15 * max(small, 1e-3), (small, large)


def test_an_error_in_a_late_step_still_names_its_line():
    text = HEAD + "".join(f'[[step]]\nt = {i}.0\nkind = "ue"\nop = "advance"\n\n'
                          for i in range(50)) + '[[step]]\nt = 60.0\nkind = "ue"\nop = "fly"\n'
    line = text.splitlines().index('op = "fly"') + 1
    with pytest.raises(InputError, match=f"long.toml:{line}: field 'step\\[51\\].op'"):
        parse_scenario(text, "long.toml")
