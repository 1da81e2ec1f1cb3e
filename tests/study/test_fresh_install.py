"""A plain `pip install .` is enough for every command: in a fresh virtual
environment `ue-stack study --help` works and a small study writes its PNG. Slow (an install
from scratch), so it runs in `make test-tools`."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.tools
def test_a_fresh_pip_install_runs_a_small_study_to_a_png(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "--quiet", str(ROOT)],
                   check=True, timeout=900)
    help_run = subprocess.run([bin_dir / "ue-stack", "study", "--help"], capture_output=True,
                              text=True, timeout=120)
    assert help_run.returncode == 0 and "--strict" in help_run.stdout
    out = tmp_path / "study"
    run = subprocess.run([bin_dir / "ue-stack", "study", "-o", str(out), "--ues", "2",
                          "--intervals", "3", "--reauth-interval", "60", "--kaf-rate", "2",
                          "--smc-loss", "0", "--jobs", "1"],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    assert (out / "study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
