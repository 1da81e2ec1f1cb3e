"""``ue-stack explain [ID]``: what an invariant means, the clause behind it, how to read a
violation, and a minimal passing and failing example. Without an id: every id, one line
each. ``--markdown`` prints docs/invariants.md (generated from the same catalogue)."""

from __future__ import annotations

import difflib
from typing import Any

from ..errors import InputError
from ..invariants.catalog import CATALOG, explain_text, markdown


def register(sub: Any) -> None:
    p = sub.add_parser("explain")
    p.add_argument("id", nargs="?", metavar="ID", help="an invariant id, e.g. AKMA-4")
    p.add_argument("--markdown", action="store_true",
                   help="print every invariant as the Markdown of docs/invariants.md")
    p.add_argument("--property", action="append", metavar="FILE",
                   help="list the properties of this file (docs/properties.md): id, text, "
                        "clause, slices and formula; with ID, only that one; repeatable")
    p.set_defaults(run=run)


def run(args: Any) -> int:
    if args.property:
        return _properties(args)
    if args.markdown:
        print(markdown(), end="")
        return 0
    if args.id is None:
        for e in CATALOG.values():
            print(f"{e.id:<7} {e.title}")
        return 0
    invariant = args.id.upper()
    if invariant not in CATALOG:
        close = difflib.get_close_matches(invariant, CATALOG, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise InputError(f"unknown invariant id {args.id!r}{hint} "
                         f"(known: {', '.join(CATALOG)})", field="ID")
    print(explain_text(invariant), end="")
    return 0


def _properties(args: Any) -> int:
    """``explain --property FILE``: each property as people read it."""
    from . import properties_of

    properties = properties_of(args)
    if args.id is not None:
        chosen = [p for p in properties if p.id == args.id]
        if not chosen:
            ids = [p.id for p in properties]
            close = difflib.get_close_matches(args.id, ids, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise InputError(f"no property {args.id!r} in {', '.join(args.property)}{hint}",
                             field="ID")
        properties = tuple(chosen)
    for n, prop in enumerate(properties):
        if n:
            print()
        print(f"{prop.id}  {prop.text}" if prop.text else prop.id)
        if prop.clause:
            print(f"  clause:  {prop.clause}")
        print(f"  slices:  one per {', '.join(prop.per)}" if prop.per
              else "  slices:  one (the whole log)")
        print(f"  file:    {prop.file}")
        print("  formula: " + " ".join(prop.formula.split()))
    return 0
