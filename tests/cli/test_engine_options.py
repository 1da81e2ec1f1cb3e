"""`--engine` and `--address` (issue 19) without a cluster: Ray is an optional extra, so
asking for it where it is not installed is one line naming the extra, exit status 2,
before any work; `--address` belongs to `--engine ray`. (Runs on Ray itself are in
tests/cluster, under `make test-tools`.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ue_stack.cli import main

TRACES = Path(__file__).resolve().parents[2] / "traces"


@pytest.fixture
def without_ray(monkeypatch):
    """As if the cluster extra were not installed: `import ray` fails."""
    monkeypatch.setitem(sys.modules, "ray", None)


@pytest.mark.parametrize("command", [["replay", str(TRACES), "--report"], ["study", "-o"],
                                     ["explore", "--depth", "1", "-o"]])
def test_engine_ray_without_ray_installed_names_the_extra_in_one_line(without_ray, tmp_path,
                                                                     capsys, command):
    out = tmp_path / "out"
    assert main([*command, str(out), "--engine", "ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ue-stack: --engine ray needs Ray, which is not installed: "
                   "pip install 'ue-stack[cluster]'"]
    assert not out.exists()  # refused before any work or output


def test_address_without_engine_ray_is_a_usage_error(capsys):
    assert main(["replay", str(TRACES), "--address", "auto"]) == 2
    assert capsys.readouterr().err.strip() == "ue-stack: --address needs --engine ray"


def test_an_unknown_engine_is_a_usage_error_naming_the_choices(capsys):
    assert main(["replay", str(TRACES), "--engine", "spark"]) == 2
    err = capsys.readouterr().err
    assert "'local'" in err and "'ray'" in err and len(err.strip().splitlines()) == 1
