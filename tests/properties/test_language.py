"""The property language (docs/properties.md): what each operator means,
slices, missing fields, precedence, and the online monitor against a reference that
re-reads the whole history at every step (Hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ue_stack.properties import PropertyMonitor
from ue_stack.properties.monitor import compile_formula
from ue_stack.properties.syntax import PropertySyntaxError, parse


def verdicts(formula: str, records: list[dict[str, Any]], per: tuple[str, ...] = ("ue",)):
    """The seq of each line where the formula is false."""
    monitor = PropertyMonitor("P", formula, per=per)
    out = []
    for seq, record in enumerate(records, 1):
        if monitor.feed({"seq": seq, **record}) is not None:
            out.append(seq)
    return out


def ev(*events: str) -> list[dict[str, Any]]:
    return [{"event": e} for e in events]


# -- one operator at a time --------------------------------------------------------------
def test_yesterday_is_false_at_the_first_step_and_looks_one_line_back():
    assert verdicts('Y event == "a"', ev("a", "a", "b", "c")) == [1, 4]


def test_once_holds_from_the_first_step_where_p_held_on():
    assert verdicts('O event == "b"', ev("a", "b", "c")) == [1]


def test_historically_fails_from_the_first_step_where_p_failed_on():
    assert verdicts('H event == "a"', ev("a", "a", "b", "a")) == [3, 4]


def test_since_needs_q_once_and_p_at_every_step_after_it():
    # q at 2; p at 3, 4; not p at 5 (q S fails from there until q again at 6)
    records = ev("x", "q", "p", "p", "x", "q")
    assert verdicts('event == "p" S event == "q"', records) == [1, 5]


def test_since_holds_at_the_step_where_q_holds_and_not_before_q_ever_held():
    assert verdicts('event == "p" S event == "q"', ev("p", "q", "p")) == [1]


def test_last_includes_the_current_line_and_prev_excludes_it():
    records = [{"event": "k", "v": 1}, {"event": "k", "v": 2}]
    assert verdicts('event == "k" -> v == last(v, event == "k")', records) == []
    assert verdicts('event == "k" -> v == prev(v, event == "k")', records) == [1, 2]
    assert verdicts('event == "k" and seq == 2 -> prev(v, event == "k") == 1', records) == []


def test_last_is_missing_when_its_condition_never_held_so_the_comparison_is_false():
    assert verdicts('last(v, event == "never") == 1 or event == "x"', ev("a")) == [1]


def test_last_takes_the_most_recent_line_where_cond_held_even_without_the_field():
    records = [{"event": "k", "v": 1}, {"event": "k"}, {"event": "check"}]
    assert verdicts('event == "check" -> not last(v, event == "k") == 1', records) == []


def test_a_missing_field_makes_every_comparison_false_even_not_equal():
    assert verdicts("v != 1", [{"event": "a"}]) == [1]
    assert verdicts("v == 1 or v != 1 or v < 1 or v >= 1", [{"v": None}]) == [1]


def test_has_is_false_for_a_missing_field_and_for_null():
    assert verdicts("has(corr)", [{"corr": "c1"}, {}, {"corr": None}]) == [2, 3]


def test_in_is_membership_and_a_boolean_is_never_a_number():
    assert verdicts('msg in ["a", "b"]', [{"msg": "a"}, {"msg": "c"}, {}]) == [2, 3]
    assert verdicts("v == 1", [{"v": True}, {"v": 1}, {"v": 1.0}]) == [1]
    assert verdicts("v in [1, 2]", [{"v": True}, {"v": 2}]) == [1]
    assert verdicts("v == true", [{"v": True}, {"v": 1}]) == [2]


def test_orderings_compare_numbers_only():
    assert verdicts("v < 3", [{"v": 2}, {"v": 3}, {"v": "2"}]) == [2, 3]
    assert verdicts("3 > v", [{"v": 2}, {"v": 3}]) == [2]  # literal first is turned round


def test_implies_counts_a_step_as_checked_only_when_its_guard_holds():
    monitor = PropertyMonitor("P", 'event == "a" -> v == 1')
    for record in ({"event": "a", "v": 1}, {"event": "b"}, {"event": "a", "v": 2}):
        monitor.feed(record)
    assert (monitor.checked, monitor.violations) == (2, 1)


# -- slices ------------------------------------------------------------------------------
def test_each_ue_is_judged_on_its_own_slice_by_default():
    records = [{"ue": "1", "event": "a"}, {"ue": "2", "event": "b"}, {"ue": "1", "event": "c"}]
    # at line 3, UE 1's previous line is line 1 ("a"), not UE 2's line 2
    assert verdicts('event == "c" -> Y event == "a"', records) == []
    assert verdicts('event == "c" -> Y event == "a"', records, per=()) == [3]


def test_lines_without_the_slicing_field_share_the_slice_of_the_missing_value():
    records = [{"event": "a"}, {"ue": "1", "event": "c"}, {"event": "c"}]
    assert verdicts('event == "c" -> O event == "a"', records) == [2]


def test_slices_by_several_fields():
    records = [{"ue": "1", "corr": "x", "event": "req"}, {"ue": "1", "corr": "y", "event": "ans"},
               {"ue": "1", "corr": "x", "event": "ans"}]
    assert verdicts('event == "ans" -> O event == "req"', records, per=("ue", "corr")) == [2]


def test_a_slicing_field_holding_an_object_still_slices():
    records = [{"ue": ["a"], "event": "x"}, {"ue": ["a"], "event": "y"}]
    assert verdicts('event == "y" -> Y event == "x"', records) == []


def test_each_slice_keeps_a_fixed_number_of_slots_however_long_the_log():
    formula = 'O event == "a" and H has(t) and k == last(k, event == "b") S event == "c"'
    monitor = PropertyMonitor("P", formula)
    for n in range(5000):
        monitor.feed({"ue": str(n % 3), "event": "abc"[n % 3], "t": n, "k": n})
    assert monitor.slices == 3
    slots = len(compile_formula(formula).init)  # O, H, S, last: one slot each
    assert slots == 4
    assert all(len(state) == slots for state in monitor._slices.values())


# -- precedence --------------------------------------------------------------------------
@pytest.mark.parametrize(("formula", "reading"), [
    ('a == 1 -> b == 1 -> c == 1', '(a == 1 -> (b == 1 -> c == 1))'),
    ('a == 1 or b == 1 and c == 1', '(a == 1 or (b == 1 and c == 1))'),
    ('a == 1 and b == 1 S c == 1', '(a == 1 and (b == 1 S c == 1))'),
    ('not a == 1 S b == 1', '((not a == 1) S b == 1)'),
    ('Y O a == 1 S b == 1', '((Y (O a == 1)) S b == 1)'),
    ('a == 1 S b == 1 S c == 1', '((a == 1 S b == 1) S c == 1)'),
    ('a == 1 or b == 1 -> c == 1', '((a == 1 or b == 1) -> c == 1)'),
    ('not last(a, b == 1) in [1, 2]', '(not (last(a, b == 1) in [1, 2]))'),
])
def test_binding_follows_the_precedence_table(formula, reading):
    assert parse(formula) == parse(reading)


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(("formula", "column", "says"), [
    ('event == "a" -> lst(k, x == 1) == 2', 17, "unknown function 'lst'"),
    ('event == 3', 10, "can never equal"),
    ('last(t, event == "a") == "x"', 26, "last(t, ...) (a number) can never equal"),
    ('cause in [1, "a", true]', 19, "can never equal the literal True"),
    ('msg < 3', 1, "orders numbers"),
    ('has(event == "a")', 1, "has() takes one field name"),
    ('last("k", event == "a") == 1', 1, "takes a field name and a condition"),
    ('last(k, event == "a")', 1, "is a value, not a formula"),
    ('corr', 1, "'corr' alone is not a formula"),
    ('1 == 2', 1, "compares two literals"),
    ('event == "a" and', 17, "ends too early"),
    ('event = "a"', 7, "unexpected character '='"),
    ('(event == "a"', 14, "ends too early"),
])
def test_a_syntax_or_type_error_names_its_column(formula, column, says):
    with pytest.raises(PropertySyntaxError) as caught:
        parse(formula)
    assert caught.value.where(formula) == (1, column)
    assert says in caught.value.message


def test_an_unknown_field_is_not_type_checked():
    parse('my_own_field == 3 and my_own_field == "x"')  # the log may carry any extra field


# -- the monitor against a reference that re-reads the history ------------------------------
FIELDS = {"a": st.sampled_from([0, 1, 2]), "c": st.sampled_from(["x", "y"])}
record = st.fixed_dictionaries({}, optional={
    "ue": st.sampled_from(["u1", "u2"]), "a": FIELDS["a"], "c": FIELDS["c"]})


def atoms() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda op, v: f"a {op} {v}", st.sampled_from(["==", "!=", "<", ">="]),
                  FIELDS["a"]),
        st.builds(lambda v: f'c == "{v}"', FIELDS["c"]),
        st.just('c in ["x"]'), st.just("has(a)"),
    )


def formulas() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        unary = st.builds(lambda op, p: f"({op} {p})", st.sampled_from(["not", "Y", "O", "H"]),
                          inner)
        binary = st.builds(lambda p, op, q: f"({p} {op} {q})", inner,
                           st.sampled_from(["and", "or", "->", "S", "S"]), inner)
        last = st.builds(lambda f, p, v: f"(last({f}, {p}) == {v})", st.just("a"), inner,
                         FIELDS["a"])
        prev = st.builds(lambda p: f'(prev(c, {p}) == c)', inner)
        return st.one_of(unary, binary, last, prev)

    return st.recursive(atoms(), extend, max_leaves=8)


def reference(formula: str, records: list[dict[str, Any]]) -> list[int]:
    """Each operator's definition, evaluated over the whole history of the slice."""
    tree = parse(formula)
    slices: dict[Any, list[dict[str, Any]]] = {}
    false_at = []
    for seq, rec in enumerate(records, 1):
        history = slices.setdefault(rec.get("ue"), [])
        history.append(rec)
        if not holds(tree, history, len(history) - 1):
            false_at.append(seq)
    return false_at


def value(term, h, i):
    kind = type(term).__name__
    if kind == "Literal":
        return term.value
    if kind == "Field":
        return h[i].get(term.name)
    start = i - 1 if term.strict else i  # Last / prev
    for j in range(start, -1, -1):
        if holds(term.cond, h, j):
            return h[j].get(term.field)
    return None


def same(x, y):
    if x is None or y is None or isinstance(x, bool) != isinstance(y, bool):
        return False
    return x == y


def holds(node, h, i) -> bool:
    kind = type(node).__name__
    if kind == "Compare":
        x, y = value(node.left, h, i), value(node.right, h, i)
        if node.op == "==":
            return same(x, y)
        if node.op == "!=":
            return x is not None and y is not None and not same(x, y)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
        return numbers and {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[node.op] \
            if numbers else False
    if kind == "Member":
        x = value(node.left, h, i)
        return any(same(x, v.value) for v in node.values)
    if kind == "Has":
        return h[i].get(node.field) is not None
    if kind == "Unary":
        if node.op == "not":
            return not holds(node.arg, h, i)
        if node.op == "Y":
            return i > 0 and holds(node.arg, h, i - 1)
        steps = [holds(node.arg, h, j) for j in range(i + 1)]
        return any(steps) if node.op == "O" else all(steps)
    a = node.op  # Binary
    if a == "and":
        return holds(node.left, h, i) and holds(node.right, h, i)
    if a == "or":
        return holds(node.left, h, i) or holds(node.right, h, i)
    if a == "->":
        return not holds(node.left, h, i) or holds(node.right, h, i)
    return any(holds(node.right, h, j) and all(holds(node.left, h, k) for k in range(j + 1, i + 1))
               for j in range(i + 1))


@settings(max_examples=500, deadline=None)
@given(formulas(), st.lists(record, max_size=12))
def test_the_online_monitor_agrees_with_the_definitions_at_every_step(formula, records):
    assert verdicts(formula, records) == reference(formula, records)


def test_a_literal_that_looks_like_code_is_only_a_value():
    """Formulas become generated code: literals are bound constants, never source."""
    formula = """msg == "') or __import__('os').getpid() or ('" or text == '"; x = 1; "'"""
    assert verdicts(formula, [{"msg": "') or __import__('os').getpid() or ('"},
                              {"msg": "a"}]) == [2]
    assert "__import__" not in compile_formula(formula).source
