"""`ue-stack check` (placeholder until its issue lands)."""

from __future__ import annotations

from ..errors import InputError


def register(sub) -> None:
    p = sub.add_parser("check", help="not yet implemented")
    p.set_defaults(run=run)


def run(args) -> int:
    raise InputError("not implemented yet")
