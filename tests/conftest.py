"""Shared fixtures. The test suite's reference data lives in tests/data (provenance there)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
VECTORS = DATA / "vectors"
CAPTURES = DATA / "captures"


@pytest.fixture(scope="session")
def vectors() -> Path:
    """Published key-derivation vectors (TS 35.208, 5G AKA/AKMA chains)."""
    return VECTORS


@pytest.fixture(scope="session")
def captures() -> Path:
    """The three real recordings, with their credentials in captures/README.md."""
    return CAPTURES
