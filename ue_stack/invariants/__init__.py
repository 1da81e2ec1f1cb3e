"""The invariants of docs/invariants.md, as small online checks over exchange-log
records (one module per id), and the ``Checker`` that runs them all."""

from .base import Violation
from .checker import INVARIANT_IDS, REPLAY_ONLY, Checker, check_records, merge_results

__all__ = [
    "INVARIANT_IDS",
    "REPLAY_ONLY",
    "Checker",
    "Violation",
    "check_records",
    "merge_results",
]
