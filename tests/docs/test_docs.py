"""The product stands alone: its docs link only to what the repository holds, and nothing
a user reads (README, docs, code, --help) points outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ue_stack.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _user_facing_files() -> list[Path]:
    return [*PAGES, *sorted((ROOT / "ue_stack").rglob("*.py")),
            *sorted((ROOT / "docs" / "schema").glob("*.json"))]


def test_nothing_user_facing_points_at_the_working_spec_folder():
    found = [f"{p.relative_to(ROOT)}:{n}" for p in _user_facing_files()
             for n, line in enumerate(p.read_text().splitlines(), 1) if "shared/" in line]
    assert not found, found


def test_nothing_user_facing_cites_the_working_spec_by_name():
    """A citation like "FORMATS 8.2" sends a reader to the team's working spec, which a
    clone does not have: README, every file under docs/ (schema descriptions too) and
    under ue_stack/ cite a docs/ page or a 3GPP clause instead."""
    files = [ROOT / "README.md", *(p for folder in ("ue_stack", "docs")
                                   for p in sorted((ROOT / folder).rglob("*"))
                                   if p.is_file() and "__pycache__" not in p.parts)]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in files
             for n, line in enumerate(p.read_bytes().splitlines(), 1) if b"FORMATS" in line]
    assert not found, found


WORKING_SPEC = re.compile(r"\b(FORMATS|BEHAVIOUR|KEYS|STUDY|BENCH|ARCHITECTURE|STYLE)\.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_readme_and_docs_cite_docs_not_the_working_spec(page):
    assert not WORKING_SPEC.search(page.read_text())


def test_code_tests_and_traces_cite_docs_not_the_working_spec():
    """Docstrings, comments and trace notes name docs/ pages or 3GPP clauses: a clone has
    no working-spec files to look up."""
    files = [p for folder in ("ue_stack", "tests", "benchmarks", "traces")
             for p in sorted((ROOT / folder).rglob("*"))
             if p.suffix in {".py", ".toml", ".jsonl", ".md"} and p.is_file()]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in files
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
             if WORKING_SPEC.search(line)]
    assert not found, found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    for target in LINK.findall(page.read_text()):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_cites_docs_or_clauses_never_the_working_spec(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"] if command else ["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "FORMATS" not in out and "shared" not in out.replace("shared-key", "")


def test_readme_reads_well_on_a_package_index():
    """The README is the wheel's long description: no paths into a local checkout's
    virtual environment, and the sections a user needs, in the order they need them."""
    text = (ROOT / "README.md").read_text()
    assert ".venv/bin" not in text and "shared/" not in text
    order = ["## Run it", "## Check your own capture", "## Python API", "## How it is built"]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "make run" in text[:positions[0] + 400] and "make test" in text[:positions[0] + 400]


def test_behaviour_page_states_the_deliberate_nas_choices_with_their_clauses():
    """docs/behaviour.md: where the model departs from, or leaves open, a TS 24.501 rule
    because a v1 trace drives it — a REGISTRATION ACCEPT written without `sht` taken as
    protected, a plain one discarded (4.4.4.2), re-registration after network
    deregistration left to the trace (5.5.2.3.2) — and that a power-off in W1 leaves the
    UE on the old KAUSF like W2 (TS 33.501 6.2.2.2) are said, so a reader does not take
    them for bugs."""
    text = " ".join((ROOT / "docs" / "behaviour.md").read_text().split())
    assert "taken as protected (REGISTRATION COMPLETE); one with `sht: 0` is discarded" in text
    assert "4.4.4.2" in text
    assert '"re-registration required" is answered with DEREGISTRATION ACCEPT' in text
    assert "power-off during W1" in text and "old KAUSF" in text
