"""Smaller things people hit (issue 28): explore -o - refused, did-you-mean for scenario
names, simulate --list aligned and --show NAME."""

from __future__ import annotations

import tomllib

from ue_stack.cli import main
from ue_stack.scenarios import builtin_names


def test_explore_refuses_stdout_as_its_output_folder(capsys):
    assert main(["explore", "-o", "-", "--depth", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "'-o'" in err


def test_a_mistyped_scenario_name_gets_a_suggestion(capsys):
    assert main(["simulate", "w2-smc-lots"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("did you mean w2-smc-lost?")


def test_simulate_list_aligns_the_descriptions(capsys):
    assert main(["simulate", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    width = max(len(n) for n in builtin_names())
    assert [line[:width].rstrip() for line in lines] == builtin_names()
    assert all(line[width] == " " and line[width + 1] != " " for line in lines)


def test_simulate_show_prints_a_builtin_scenario_that_simulate_reads_back(tmp_path, capsys):
    assert main(["simulate", "--show", "w2-smc-lost"]) == 0
    text = capsys.readouterr().out
    assert tomllib.loads(text)["name"] == "w2-smc-lost"
    copy = tmp_path / "mine.toml"
    copy.write_text(text)
    assert main(["simulate", str(copy), "--check-expect"]) == 0


def test_simulate_show_of_an_unknown_name_is_one_line_with_a_suggestion(capsys):
    assert main(["simulate", "--show", "happy-pth"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "did you mean happy-path?" in err
