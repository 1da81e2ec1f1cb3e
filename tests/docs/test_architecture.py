"""docs/architecture.md names every module of ue_stack, and only modules that exist: a
module added, moved or removed without the page saying so fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "architecture.md"


def _modules_on_the_page() -> set[str]:
    text = PAGE.read_text(encoding="utf-8")
    listing = text.split("\n## Modules\n", 1)[1]
    return set(re.findall(r"^\| `(ue_stack/[\w/]+\.py)` \|", listing, flags=re.M))


def _modules_in_the_package() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / "ue_stack").rglob("*.py")}


def test_every_module_of_ue_stack_is_listed_on_the_architecture_page():
    missing = _modules_in_the_package() - _modules_on_the_page()
    assert not missing, f"docs/architecture.md does not list: {sorted(missing)}"


def test_the_architecture_page_lists_no_module_that_does_not_exist():
    stale = _modules_on_the_page() - _modules_in_the_package()
    assert not stale, f"docs/architecture.md lists modules that are gone: {sorted(stale)}"


def test_the_tables_and_paths_the_page_names_exist():
    text = PAGE.read_text(encoding="utf-8")
    for path in set(re.findall(r"`((?:[a-z_0-9]+/)*[a-z_0-9]+\.py)`", text)):
        full = ROOT / path if path.startswith(("ue_stack/", "tests/")) else ROOT / "ue_stack" / path
        assert full.exists(), f"docs/architecture.md names {path}, which does not exist"
    for module, table in re.findall(r"`([\w/]+\.py)` `([A-Z][A-Z_]+)`", text):
        source = (ROOT / "ue_stack" / module).read_text(encoding="utf-8")
        assert re.search(rf"^{table}\b", source, flags=re.M), f"{table} is not in {module}"
