"""Golden logs: a change that must not alter behaviour leaves every exchange log of the
trace library and of three simulations byte-identical (delivery
order per layer and across layers, field order of every line).

A deliberate change regenerates ``tests/data/golden`` with its ``regenerate.py`` and lists
the change in the commit message.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
_gen = runpy.run_path(str(GOLDEN / "regenerate.py"))
CASES = list(_gen["cases"]())


def test_every_golden_case_has_its_log_and_no_log_is_stale():
    assert {f"{name}.xlog.jsonl" for name, _ in CASES} == {
        p.name for p in GOLDEN.glob("*.xlog.jsonl")}


@pytest.mark.parametrize(("name", "args"), CASES, ids=[name for name, _ in CASES])
def test_exchange_log_is_byte_identical_to_the_golden_one(name, args, tmp_path):
    out = tmp_path / f"{name}.xlog.jsonl"
    _gen["produce"](name, args, out)
    golden = (GOLDEN / f"{name}.xlog.jsonl").read_bytes()
    actual = out.read_bytes()
    if actual != golden:
        old, new = golden.splitlines(), actual.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                     min(len(old), len(new)))
        pytest.fail(f"{name}: line {first + 1} differs\n golden: "
                    f"{old[first] if first < len(old) else b'<end>'!r}\n actual: "
                    f"{new[first] if first < len(new) else b'<end>'!r}")
