"""Online monitors for past-time properties (docs/properties.md).

A formula is compiled once into one Python function over a flat list of state slots (a
"flat program": no tree is walked and nothing is allocated per line). Past-time operators
need only the previous step: ``Y p`` keeps p's value from the previous step, ``O p``,
``H p`` and ``p S q`` their own value, ``last`` and ``prev`` the value they hold. So a
slice's whole state is one short list, and a log line costs one update per temporal
node (children first) and one evaluation of the formula; nothing is re-read and no
history is kept.

The function is generated as source and compiled with ``compile``: field names (checked
identifiers) appear in it only through ``repr``, literal values never (they are bound as
constants), so a formula cannot inject code. The updates run for every temporal node at
every step, before the formula is evaluated: the formula itself may then short-circuit
freely (an ``and`` that stops early does not leave an ``O`` below it behind). A missing
field, and a JSON null, read as None; a comparison with None is false.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..invariants.base import Record, Violation
from .syntax import (
    Binary,
    Compare,
    Field,
    Has,
    Last,
    Literal,
    Member,
    Node,
    PropertySyntaxError,
    Unary,
    parse,
)

State = list[Any]

_NUMBERS = (int, float)  # exact classes: a JSON true is no number here
MAX_SHOWN = 4  # values named in a violation's message
MAX_TEXT = 40  # characters of a value shown there (a fingerprint's 16 in full)
_TURNED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def equal(a: Any, b: Any) -> bool:
    """``==`` of the language: nothing equals a missing value; a boolean never equals a
    number (Python's ``True == 1`` is not JSON's)."""
    if a is None or b is None:
        return False
    if a.__class__ is b.__class__:
        return bool(a == b)
    return a.__class__ in _NUMBERS and b.__class__ in _NUMBERS and a == b


def differ(a: Any, b: Any) -> bool:
    """``!=``: both present and not equal."""
    return a is not None and b is not None and not equal(a, b)


def _ordering(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        return a.__class__ in _NUMBERS and b.__class__ in _NUMBERS and test(a, b)

    return compare


# the helpers generated code calls, by the names it uses
_RUNTIME: dict[str, Any] = {
    "_eq": equal, "_ne": differ,
    "_lt": _ordering(lambda a, b: a < b), "_le": _ordering(lambda a, b: a <= b),
    "_gt": _ordering(lambda a, b: a > b), "_ge": _ordering(lambda a, b: a >= b),
}
_ORDER_NAMES = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}


@dataclass(frozen=True)
class Program:
    """A compiled formula for one slicing: the initial slots, ``make`` (binds a monitor's
    slices, counts and last state; returns its ``feed``) and what a violation's message
    shows: (label, field name or slot index)."""

    init: tuple[Any, ...]
    make: Callable[..., Callable[[Record], bool]]
    shown: tuple[tuple[str, str | int], ...]
    source: str  # the generated function, for people debugging a formula


class _Generator:
    def __init__(self) -> None:
        self.init: list[Any] = []
        self.updates: list[str] = []
        self.consts: dict[str, Any] = {}
        self.shown: dict[str, str | int] = {}
        self._slot_of: dict[Node, str] = {}  # one slot per distinct temporal subformula

    def const(self, value: Any) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def slot(self, value: Any) -> int:
        self.init.append(value)
        return len(self.init) - 1

    def formula(self, node: Node, now: bool = True) -> str:
        """A Python expression, true exactly when the formula holds at this step.
        ``now``: outside every temporal operator (its values describe this line)."""
        if isinstance(node, Compare):
            return self._compare(node, now)
        if isinstance(node, Member):
            return self._member(node, now)
        if isinstance(node, Has):
            return f"(get({node.field!r}) is not None)"
        if isinstance(node, Unary):
            if node.op == "not":
                return f"(not {self.formula(node.arg, now)})"
            return self._temporal(node)
        if isinstance(node, Binary):
            if node.op == "S":
                return self._temporal(node)
            if node.op in ("and", "or"):  # a chain, flat: Python limits nested parentheses
                parts = (self.formula(part, now) for part in _chain(node, node.op))
                return "(" + f" {node.op} ".join(parts) + ")"
            a, b = self.formula(node.left, now), self.formula(node.right, now)
            return f"(not {a} or {b})"  # ->
        raise AssertionError(f"not a formula: {node!r}")  # parse() rejects these

    def _temporal(self, node: Unary | Binary) -> str:
        known = self._slot_of.get(node)
        if known is not None:
            return known
        if isinstance(node, Binary):  # p S q
            p, q = self.formula(node.left, False), self.formula(node.right, False)
            j = self.slot(False)
            self.updates.append(f"st[{j}] = {q} or (st[{j}] and {p})")
        else:
            p = self.formula(node.arg, False)
            if node.op == "Y":  # slots: Y p now, p now (Y p at the next step)
                j = self.slot(False)
                self.slot(False)
                self.updates.append(f"st[{j}] = st[{j + 1}]")
                self.updates.append(f"st[{j + 1}] = {p}")
            elif node.op == "O":
                j = self.slot(False)
                self.updates.append(f"if not st[{j}] and {p}: st[{j}] = True")
            else:  # H
                j = self.slot(True)
                self.updates.append(f"if st[{j}] and not {p}: st[{j}] = False")
        self._slot_of[node] = f"st[{j}]"
        return f"st[{j}]"

    def term(self, node: Node, now: bool) -> str:
        """A Python expression for a value (None when missing)."""
        if isinstance(node, Field):
            if now:
                self.shown.setdefault(node.name, node.name)
            return f"get({node.name!r})"
        if isinstance(node, Last):
            expr = self._slot_of.get(node)
            if expr is None:
                expr = self._last(node)
            if now:
                self.shown.setdefault(node.text, int(expr[3:-1]))
            return expr
        raise AssertionError(f"not a term: {node!r}")

    def _last(self, node: Last) -> str:
        cond = self.formula(node.cond, False)
        if node.strict:  # slots: the value before this line, the value up to this line
            j = self.slot(None)
            self.slot(None)
            self.updates.append(f"st[{j}] = st[{j + 1}]")
            self.updates.append(f"if {cond}: st[{j + 1}] = get({node.field!r})")
        else:
            j = self.slot(None)
            self.updates.append(f"if {cond}: st[{j}] = get({node.field!r})")
        self._slot_of[node] = f"st[{j}]"
        return f"st[{j}]"

    def _compare(self, node: Compare, now: bool) -> str:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal):  # literal first: turn it round
            op, left, right = _TURNED.get(op, op), right, left
        a = self.term(left, now)
        if isinstance(right, Literal):
            if op == "==" and right.value.__class__ is str:
                return f"({a} == {self.const(right.value)})"  # the common atom: one lookup
            b = self.const(right.value)
        else:
            b = self.term(right, now)
        if op == "==":
            return f"_eq({a}, {b})"
        if op == "!=":
            return f"_ne({a}, {b})"
        return f"{_ORDER_NAMES[op]}({a}, {b})"

    def _member(self, node: Member, now: bool) -> str:
        a = self.term(node.left, now)
        values = tuple(v.value for v in node.values)
        if all(v.__class__ is str for v in values):  # a str is hashable; nothing else is in
            return f"((_v := {a}).__class__ is str and _v in {self.const(frozenset(values))})"
        return "(" + " or ".join(f"_eq({a}, {self.const(v)})" for v in values) + ")"


@cache
def compile_formula(formula: str, per: tuple[str, ...] = ("ue",)) -> Program:
    """The program of a formula sliced by ``per`` (checked by ``parse``; compiled once per
    process). Its ``feed(record)`` finds the record's slice, updates it, counts the step
    (``counts``: checked, violations) and returns True exactly at a violation, leaving the
    slice's state in ``last[0]`` for the message."""
    node = parse(formula)
    gen = _Generator()
    if isinstance(node, Binary) and node.op == "->":
        # a violation shows the consequent's values: the guard's held, by definition
        guard: str | None = gen.formula(node.left, now=False)
        body = gen.formula(node.right)
    else:
        guard, body = None, gen.formula(node)
    lines = ["def make(slices, init, counts, last):", "  def feed(r):", "    get = r.get"]
    if gen.updates:
        key = ("None" if not per else f"get({per[0]!r})" if len(per) == 1
               else "(" + ", ".join(f"get({f!r})" for f in per) + ")")
        lines += [f"    key = {key}",
                  "    try:",
                  "      st = slices.get(key)",
                  "    except TypeError:  # a slicing field holding a list or an object",
                  "      key = repr(key)",
                  "      st = slices.get(key)",
                  "    if st is None:",
                  "      st = slices[key] = init.copy()",
                  *(f"    {u}" for u in gen.updates)]
    else:
        lines.append("    st = init")
    if guard is not None:
        lines.append(f"    if not {guard}: return False")
    lines += ["    counts[0] += 1",
              f"    if {body}: return False",
              "    counts[1] += 1",
              "    last[0] = st",
              "    return True",
              "  return feed"]
    source = "\n".join(_hoisted(lines, 3)) + "\n"
    namespace: dict[str, Any] = {**_RUNTIME, **gen.consts}
    try:
        code = compile(source, f"<property {formula[:40]!r}>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # Python's own nesting limits
        raise PropertySyntaxError("the formula nests too deeply to compile (about 100 "
                                  "levels of parentheses or prefix operators at most)",
                                  0) from None
    exec(code, namespace)
    return Program(tuple(gen.init), namespace["make"], tuple(gen.shown.items()), source)


def _chain(node: Binary, op: str) -> list[Node]:
    """The operands of a chain of ``op`` (``a and b and c``), left to right."""
    out: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        part = stack.pop()
        if isinstance(part, Binary) and part.op == op:
            stack += (part.right, part.left)
        else:
            out.append(part)
    return out


def _hoisted(lines: list[str], start: int) -> list[str]:
    """Read each field the code reads more than once into a local, once per line, at
    ``start`` (most formulas test ``event`` in every atom)."""
    body = "\n".join(lines[start:])
    reads = re.findall(r"get\('([A-Za-z_][A-Za-z0-9_]*)'\)", body)
    repeated = sorted({name for name in reads if reads.count(name) > 1})
    for name in repeated:
        body = body.replace(f"get({name!r})", f"f_{name}")
    return [*lines[:start], *(f"    f_{name} = get({name!r})" for name in repeated),
            *body.split("\n")]


class PropertyMonitor:
    """One property over one log: ``feed(record)`` per line (the violation it reveals, or
    None), ``checked`` and ``violations`` like an invariant's counts. ``step(record)`` is
    the same check without building the violation (True at one): the checker's hot path,
    which then asks ``violation(record)``."""

    def __init__(self, id: str, formula: str, text: str = "", per: Iterable[str] = ("ue",),
                 input: str | None = None) -> None:
        self.id = id
        self.text = text
        self.input = input
        program = compile_formula(formula, tuple(per))
        self._shown = program.shown
        self._slices: dict[Any, State] = {}
        self._counts = [0, 0]
        self._last: list[State] = [[]]
        self.step = program.make(self._slices, list(program.init), self._counts, self._last)

    @property
    def checked(self) -> int:
        return self._counts[0]

    @property
    def violations(self) -> int:
        return self._counts[1]

    def feed(self, record: Record) -> Violation | None:
        return self.violation(record) if self.step(record) else None

    def violation(self, record: Record) -> Violation:
        """The violation ``step`` just found at ``record``."""
        ue = record.get("ue")
        return Violation(self.id, record.get("seq"), record.get("t"),
                         self._message(record, self._last[0]), self.input,
                         ue=ue if isinstance(ue, str) else None)

    def _message(self, record: Record, st: State) -> str:
        values = ", ".join(
            f"{label} = {_shown(record.get(where) if isinstance(where, str) else st[where])}"
            for label, where in self._shown[:MAX_SHOWN])
        what = self.text or f"property {self.id}"
        at = f"{record.get('event')} line" if record.get("event") is not None else "line"
        return f"{what}: false at this {at}" + (f" ({values})" if values else "")

    @property
    def slices(self) -> int:
        """How many slices hold state (memory: this times the slots of the formula)."""
        return len(self._slices)


def _shown(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        value = value[:MAX_TEXT] + ".."
    return repr(value)
