"""The README's sample of `make run` is what `make run` prints: every line it shows (but
"...") appears in the real output, in the same order. When the trace library grows, this
fails with the lines to paste."""

from __future__ import annotations

from pathlib import Path

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
INTRO = "(the sample below is kept true by `tests/docs/test_readme_sample.py`):\n\n```\n"


def readme_sample() -> list[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index(INTRO) + len(INTRO)
    return text[start:text.index("```", start)].splitlines()


def test_the_readme_sample_of_make_run_is_what_it_prints(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["replay", "traces/", "--check-expect"]) == 0  # as the Makefile's run
    actual = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    shown = [line.rstrip() for line in readme_sample() if line != "..."]
    assert len(shown) > 10
    at = 0
    for line in shown:
        assert line in actual[at:], (
            f"README.md's make run sample shows {line!r}, which make run no longer prints "
            "(in that order); its totals now read:\n"
            + "\n".join(a for a in actual if " traces: " in a or a.startswith("verdict:")))
        at = actual.index(line, at) + 1
