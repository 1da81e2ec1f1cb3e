"""`make lint` type-checks all of ue_stack with mypy --strict and exempts nothing: a module
that is hard to type is typed, not left out (docs/architecture.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# settings that would switch checking off for a module or an error code
_EXEMPTIONS = ("ignore_errors", "disable_error_code", "follow_imports", "allow_untyped_defs",
               "allow_untyped_calls", "allow_incomplete_defs", "allow_any_generics",
               "check_untyped_defs", "disallow_untyped_defs")


def test_mypy_runs_strict_over_the_whole_package_in_make_lint():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    assert config["files"] == ["ue_stack"]
    assert not [key for key in _EXEMPTIONS if key in config]
    lint = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nlint:", 1)[1].split("\n\n")[0]
    assert "mypy" in lint


def test_no_module_of_ue_stack_is_exempted_from_the_strict_check():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    for override in config.get("overrides", []):
        modules = override["module"]
        modules = [modules] if isinstance(modules, str) else modules
        ours = [m for m in modules if m == "ue_stack" or m.startswith("ue_stack.")]
        assert not ours, f"mypy settings for {ours}: {override}"
        # third-party stubs may be missing; nothing else is switched off
        assert set(override) <= {"module", "ignore_missing_imports"}, override
