"""The property language's syntax (docs/properties.md): a lark grammar and the typed tree
the monitor compiler reads.

Precedence, tightest first: comparisons and ``last``/``has``; prefix ``not``, ``Y``, ``O``,
``H``; ``S``; ``and``; ``or``; ``->`` (right-associative). ``S`` chains to the left
(``p S q S r`` is ``(p S q) S r``): the grammar leaves it open, so we pick the reading of
``and``/``or`` and say so in the docs. ``prev(field, cond)`` is our one extension: like
``last`` but the current line excluded (the value *before* this line), which an invariant
about changes (a KAUSF fingerprint that is new, a 5GMM state that continues from the
previous one) needs and ``last`` alone cannot give.

Parsing checks types too (``check``): a comparison's sides must be of kinds that can be
equal (a string field with a number is a mistake, not a property that is simply false),
orderings need numbers, ``has``/``last``/``prev`` take a field name, and an unknown function
is named. Every error carries the 1-based column in the formula.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache
from typing import Any, cast

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from .fields import BOOL, NUM, STR, Kinds, kinds_of

GRAMMAR = r"""
?start: implies

?implies: disj
        | disj "->" implies                      -> implies

?disj: conj
     | disj "or" conj                            -> or_

?conj: since
     | conj "and" since                          -> and_

?since: unary
      | since "S" unary                          -> since

?unary: atom
      | "not" unary                              -> not_
      | "Y" unary                                -> yesterday
      | "O" unary                                -> once
      | "H" unary                                -> historically

?atom: comparison
     | operand
     | "(" implies ")"

comparison: operand CMP operand                  -> compare
          | operand "in" "[" literal ("," literal)* "]"  -> member

?operand: call
        | literal
        | NAME                                   -> field

call: NAME "(" [implies ("," implies)*] ")"

literal: STRING                                  -> string
       | NUMBER                                  -> number
       | TRUE                                    -> true
       | FALSE                                   -> false

TRUE: "true"
FALSE: "false"
CMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /"(?:[^"\\\n]|\\.)*"/ | /'(?:[^'\\\n]|\\.)*'/
NUMBER: /-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/

%import common.WS
%ignore WS
"""

FUNCTIONS = ("has", "last", "prev")
ORDERINGS = ("<", "<=", ">", ">=")


class PropertySyntaxError(Exception):
    """A syntax or type error at offset ``pos`` (0-based) of a formula."""

    def __init__(self, message: str, pos: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos or 0

    def where(self, formula: str) -> tuple[int, int]:
        """(line, column) of the error in the formula, both from 1."""
        line = formula.count("\n", 0, self.pos) + 1
        return line, self.pos - (formula.rfind("\n", 0, self.pos) + 1) + 1


# -- the tree ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Node:
    # Where the node starts in the formula (0-based offset, for errors). Not compared: the
    # same subformula written twice is one node for the compiler (one state slot, one
    # update per line), wherever it stands.
    column: int = dc_field(compare=False)


@dataclass(frozen=True, slots=True)
class Field(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any
    kind: str  # STR, NUM or BOOL


@dataclass(frozen=True, slots=True)
class Last(Node):
    """``last(field, cond)``, or ``prev(field, cond)`` with ``strict``."""

    field: str
    cond: Node
    strict: bool = False

    @property
    def text(self) -> str:
        return f"{'prev' if self.strict else 'last'}({self.field}, ...)"


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str
    left: Node  # Field, Literal or Last
    right: Node


@dataclass(frozen=True, slots=True)
class Member(Node):
    left: Node  # Field or Last
    values: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class Has(Node):
    field: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # not, Y, O, H
    arg: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # and, or, ->, S
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class _Call(Node):
    """A call before it is resolved (``has``/``last``/``prev``, or an unknown name)."""

    name: str
    args: tuple[Any, ...]


TERMS = (Field, Literal, Last)


def _col(item: Any) -> int:
    if isinstance(item, Token):
        return item.start_pos or 0
    if isinstance(item, Node):
        return item.column
    return 0


@v_args(inline=True)
class _Build(Transformer[Token, Node]):
    """lark's tree -> ``Node``s (calls resolved in ``_resolve``, types in ``check``)."""

    def implies(self, a: Node, b: Node) -> Node:
        return Binary(a.column, "->", a, b)

    def or_(self, a: Node, b: Node) -> Node:
        return Binary(a.column, "or", a, b)

    def and_(self, a: Node, b: Node) -> Node:
        return Binary(a.column, "and", a, b)

    def since(self, a: Node, b: Node) -> Node:
        return Binary(a.column, "S", a, b)

    def not_(self, a: Node) -> Node:
        return Unary(a.column, "not", a)

    def yesterday(self, a: Node) -> Node:
        return Unary(a.column, "Y", a)

    def once(self, a: Node) -> Node:
        return Unary(a.column, "O", a)

    def historically(self, a: Node) -> Node:
        return Unary(a.column, "H", a)

    def compare(self, left: Node, op: Token, right: Node) -> Node:
        return Compare(left.column, str(op), left, right)

    def member(self, left: Node, *values: Literal) -> Node:
        return Member(left.column, left, values)

    def field(self, name: Token) -> Node:
        return Field(_col(name), str(name))

    def call(self, name: Token, *args: Node | None) -> Node:
        return _Call(_col(name), str(name), tuple(a for a in args if a is not None))

    def string(self, tok: Token) -> Node:
        try:
            value = ast.literal_eval(str(tok))
        except (ValueError, SyntaxError):
            raise PropertySyntaxError(f"bad escape in the string {tok!s}", _col(tok)) from None
        return Literal(_col(tok), value, STR)

    def number(self, tok: Token) -> Node:
        text = str(tok)
        is_int = not any(c in text for c in ".eE")
        return Literal(_col(tok), int(text) if is_int else float(text), NUM)

    def true(self, tok: Token) -> Node:
        return Literal(_col(tok), True, BOOL)

    def false(self, tok: Token) -> Node:
        return Literal(_col(tok), False, BOOL)


@cache
def _parser() -> Lark:
    # LALR: linear time, and the formulas are tiny; built once per process.
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def parse(formula: str) -> Node:
    """The checked tree of a formula, or ``PropertySyntaxError``."""
    try:
        tree = _parser().parse(formula)
    except UnexpectedInput as exc:
        pos = getattr(exc, "pos_in_stream", None)
        if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
            pos = len(formula.rstrip())
        raise PropertySyntaxError(_syntax_message(exc, formula), pos) from None
    try:
        built = _Build().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, PropertySyntaxError):
            raise exc.orig_exc from None
        raise
    node = _resolve(built, formula)
    _check_formula(node, formula)
    return node


def _syntax_message(exc: UnexpectedInput, formula: str) -> str:
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        return "the formula ends too early (an operand or a ')' is missing)"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {formula[exc.pos_in_stream or 0]!r}"
    if isinstance(exc, UnexpectedToken):
        return f"unexpected {str(exc.token)!r}"
    return "syntax error"


# -- calls ------------------------------------------------------------------------------------
def _resolve(node: Any, formula: str) -> Node:
    """Replace each ``_Call`` with ``Has``/``Last``, checking names and arguments."""
    if isinstance(node, _Call):
        if node.name not in FUNCTIONS:
            raise PropertySyntaxError(
                f"unknown function {node.name!r} (known: {', '.join(FUNCTIONS)})", node.column)
        args = [_resolve(a, formula) for a in node.args]
        if node.name == "has":
            if len(args) != 1 or not isinstance(args[0], Field):
                raise PropertySyntaxError("has() takes one field name: has(field)", node.column)
            return Has(node.column, args[0].name)
        if len(args) != 2 or not isinstance(args[0], Field):
            raise PropertySyntaxError(
                f"{node.name}() takes a field name and a condition: "
                f"{node.name}(field, cond)", node.column)
        return Last(node.column, args[0].name, args[1], strict=node.name == "prev")
    if isinstance(node, Compare):
        return Compare(node.column, node.op, _resolve(node.left, formula),
                       _resolve(node.right, formula))
    if isinstance(node, Member):
        return Member(node.column, _resolve(node.left, formula), node.values)
    if isinstance(node, Unary):
        return Unary(node.column, node.op, _resolve(node.arg, formula))
    if isinstance(node, Binary):
        return Binary(node.column, node.op, _resolve(node.left, formula),
                      _resolve(node.right, formula))
    if isinstance(node, Last):
        return Last(node.column, node.field, _resolve(node.cond, formula), node.strict)
    return cast(Node, node)  # a leaf: Field, Const, Event, Now


# -- types ------------------------------------------------------------------------------------
def _check_formula(node: Node, formula: str) -> None:
    """``node`` must be a formula (true or false at a step), its parts well typed."""
    if isinstance(node, Field):
        raise PropertySyntaxError(
            f"{node.name!r} alone is not a formula: compare it (e.g. {node.name} == ...) "
            f"or test it with has({node.name})", node.column)
    if isinstance(node, Literal):
        raise PropertySyntaxError("a literal alone is not a formula", node.column)
    if isinstance(node, Last):
        raise PropertySyntaxError(
            f"{node.text} is a value, not a formula: compare it with something",
            node.column)
    if isinstance(node, Unary):
        _check_formula(node.arg, formula)
    elif isinstance(node, Binary):
        _check_formula(node.left, formula)
        _check_formula(node.right, formula)
    elif isinstance(node, Compare):
        _check_compare(node, formula)
    elif isinstance(node, Member):
        _check_member(node, formula)


def _kinds(term: Node, formula: str) -> Kinds | None:
    """The kinds a term's value can have (None: any, an unknown field)."""
    if isinstance(term, Literal):
        return frozenset({term.kind})
    if isinstance(term, Field):
        return kinds_of(term.name)
    if isinstance(term, Last):
        _check_formula(term.cond, formula)
        return kinds_of(term.field)
    raise PropertySyntaxError("a comparison compares values: a field, a literal, "
                              "last(...) or prev(...)", term.column)


def _describe(term: Node, kinds: Kinds | None) -> str:
    what = {STR: "a string", NUM: "a number", BOOL: "a boolean"}
    shown = " or ".join(what[k] for k in sorted(kinds or ()))
    if isinstance(term, Literal):
        return f"the literal {term.value!r} ({shown})"
    name = term.name if isinstance(term, Field) else term.text if isinstance(term, Last) else "?"
    return f"{name} ({shown})"


def _check_compare(node: Compare, formula: str) -> None:
    left, right = _kinds(node.left, formula), _kinds(node.right, formula)
    if isinstance(node.left, Literal) and isinstance(node.right, Literal):
        raise PropertySyntaxError("compares two literals: one side must be a field, "
                                  "last(...) or prev(...)", node.column)
    if node.op in ORDERINGS:
        for term, kinds in ((node.left, left), (node.right, right)):
            if kinds is not None and NUM not in kinds:
                raise PropertySyntaxError(
                    f"{node.op!r} orders numbers, but {_describe(term, kinds)} is not one",
                    term.column)
    if left is not None and right is not None and not left & right:
        raise PropertySyntaxError(
            f"{_describe(node.left, left)} can never equal {_describe(node.right, right)}",
            node.right.column)


def _check_member(node: Member, formula: str) -> None:
    if isinstance(node.left, Literal):
        raise PropertySyntaxError("'in' tests a field, last(...) or prev(...), not a literal",
                                  node.column)
    kinds = _kinds(node.left, formula)
    if kinds is None:
        return
    for value in node.values:
        if value.kind not in kinds:
            raise PropertySyntaxError(
                f"{_describe(node.left, kinds)} can never equal "
                f"{_describe(value, frozenset({value.kind}))}", value.column or node.column)
