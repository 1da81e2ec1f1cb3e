"""Properties people write: a past-time temporal language over the exchange log
(docs/properties.md).

``load_properties(paths)`` reads property files (TOML, one ``[[property]]`` table each),
checks every formula (syntax and types) and returns ``Property`` values, picklable so
that ``--jobs`` workers get them; ``PropertyMonitor`` checks one of them online over one
log. ``SHIPPED`` is the file stating the invariants of docs/invariants.md that the
language can state.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inputs import read_input
from .monitor import PropertyMonitor, compile_formula
from .syntax import PropertySyntaxError

SHIPPED = "invariants.toml"  # in this package: `ue-stack ... --property shipped:invariants`
KEYS = ("id", "text", "clause", "per", "formula")
# an id is shown in summaries, SARIF rule ids and JUnit: one printable line, no edge spaces
_ID = re.compile(r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]{0,98}[^\s\x00-\x1f\x7f])?$")

__all__ = ["Property", "PropertyMonitor", "load_properties", "monitors", "shipped_path"]


@dataclass(frozen=True)
class Property:
    """One ``[[property]]`` table, checked."""

    id: str
    formula: str
    text: str = ""
    clause: str | None = None
    per: tuple[str, ...] = ("ue",)
    file: str = ""
    line: int | None = field(default=None, compare=False)  # of its `id`, for errors

    def describe(self) -> dict[str, Any]:
        """What a report says about the property (docs/report.md, ``properties``)."""
        out: dict[str, Any] = {"text": self.text, "formula": self.formula,
                               "per": list(self.per), "file": self.file}
        if self.clause is not None:
            out["clause"] = self.clause
        return out


def shipped_path() -> Path:
    """The shipped property file (the invariants the language can state)."""
    return Path(str(resources.files(__package__).joinpath(SHIPPED)))


def load_properties(paths: Iterable[str | Path],
                    reserved: Iterable[str] = ()) -> tuple[Property, ...]:
    """Every property of ``paths``, in order; ``reserved``: ids already taken (the
    invariants'). An unusable file or property raises ``InputError`` naming the file, the
    property and, for a formula, the column."""
    taken = {i: "an invariant" for i in reserved}
    out: list[Property] = []
    for path in paths:
        for prop in _load_file(str(path)):
            if prop.id in taken:
                raise InputError(f"property {prop.id!r}: id already used by {taken[prop.id]}",
                                 file=prop.file, line=prop.line, field="id")
            taken[prop.id] = f"a property of {prop.file}"
            out.append(prop)
    return tuple(out)


def monitors(properties: Iterable[Property], input: str | None) -> list[PropertyMonitor]:
    """A fresh monitor per property for one log (state never crosses logs)."""
    return [PropertyMonitor(p.id, p.formula, p.text, p.per, input) for p in properties]


def _load_file(path: str) -> list[Property]:
    raw = read_input(path, "property file")  # a regular file, bounded (inputs.py)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (undecodable byte at offset {exc.start})",
                         file=path) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not TOML: {exc}", file=path) from None
    unknown = sorted(set(doc) - {"property"})
    if unknown:
        raise InputError(f"unknown table or key {unknown[0]!r} (a property file holds "
                         "[[property]] tables)", file=path)
    tables = doc.get("property")
    if not isinstance(tables, list) or not tables:
        raise InputError("no [[property]] table", file=path)
    lines = _formula_lines(text)
    keys = _key_lines(text)
    return [_property(table, path, n, lines[n] if n < len(lines) else None,
                      keys[n] if n < len(keys) else (None, {}))
            for n, table in enumerate(tables)]


def _property(table: Mapping[str, Any], path: str, n: int, line: int | None,
              keys: tuple[int | None, Mapping[str, int]] = (None, {})) -> Property:
    pid = table.get("id")
    where = f"property {pid!r}" if isinstance(pid, str) else f"[[property]] number {n + 1}"
    header, key_line = keys

    def bad(message: str, field: str | None = None) -> InputError:
        # the line of the key at fault, else the table's [[property]] line
        at = key_line.get(field, header) if field is not None else header
        return InputError(f"{where}: {message}", file=path, line=at, field=field)

    if not isinstance(pid, str) or not _ID.fullmatch(pid):
        raise bad("needs an id: a string of up to 100 printable characters", "id")
    for key in table:
        if key not in KEYS:
            raise bad(f"unknown key {key!r} (known: {', '.join(KEYS)})", key)
    formula = table.get("formula")
    if not isinstance(formula, str) or not formula.strip():
        raise bad("needs a formula (a string)", "formula")
    text, clause = table.get("text", ""), table.get("clause")
    if not isinstance(text, str):
        raise bad("text must be a string", "text")
    if clause is not None and not isinstance(clause, str):
        raise bad("clause must be a string", "clause")
    per = table.get("per", ["ue"])
    if not isinstance(per, list) or not all(isinstance(f, str) and f for f in per):
        raise bad('per must be a list of field names, e.g. ["ue"]', "per")
    try:
        compile_formula(formula)
    except PropertySyntaxError as exc:
        row, column = exc.where(formula)
        if line is not None:  # the file's line: the formula's own lines counted in
            line += row - 1
            at = f"formula column {column}"
        else:
            at = f"formula line {row}, column {column}"
        raise InputError(f"{where}, {at}: {exc.message}", file=path, line=line) from None
    except RecursionError:  # the parser's and checker's own nesting limit
        raise bad("the formula is too long or nests too deeply for this checker "
                  "(split it into several properties)", "formula") from None
    return Property(pid, formula, text, clause, tuple(per), path,
                    key_line.get("id", header))


_KEY = re.compile(r"([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=(?!=)")


def _key_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each ``[[property]]`` in order, its header's file line and the file line of each
    key it sets (the first time), so an error about a key names the line people must edit.
    A line inside a multi-line formula never starts with ``name =`` (``=`` is no operator
    of the language; ``==`` is not taken for it)."""
    out: list[tuple[int, dict[str, int]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[[property]]"):
            out.append((number, {}))
        elif out and (m := _KEY.match(stripped)):
            out[-1][1].setdefault(m.group(1).strip("\"'"), number)
    return out


def _formula_lines(text: str) -> list[int]:
    """For each ``[[property]]`` in order, the file line where its formula's text starts
    (the table header's when there is no formula): an error names the file line of its
    position and the column within the formula's text on that line."""
    out: list[tuple[int, bool]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[[property]]"):
            out.append((number, False))
        elif out and not out[-1][1] and re.match(r"formula\s*=", stripped):
            # a multi-line string that opens at the end of the line starts on the next
            starts_below = re.match(r"formula\s*=\s*(\"\"\"|\'\'\')\s*$", stripped)
            out[-1] = (number + 1 if starts_below else number, True)
    return [number for number, _ in out]
