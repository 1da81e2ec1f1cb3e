"""Shared fixtures. Tests that read ../shared/ skip cleanly where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("UE_STACK_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared/ reference folder (spec, vectors, captures)."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent")
    return SHARED


@pytest.fixture(scope="session")
def vectors(shared: Path) -> Path:
    return shared / "vectors"


@pytest.fixture(scope="session")
def captures(shared: Path) -> Path:
    path = shared / "captures"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path
