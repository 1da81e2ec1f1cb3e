"""SEC-1 by value as a property (docs/exchange-log.md): wherever a known key's hex lands
in a flat log line — which field, where in the string, which case — the line is flagged,
and the message never repeats the key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ue_stack.invariants import Checker
from ue_stack.nas.states import ALLOWED_STATE_CHANGES

HEX = "0123456789abcdef"
keys = st.lists(st.binary(min_size=16, max_size=32), min_size=1, max_size=3)
texts = st.text(alphabet=HEX + "xyz :=", max_size=80)


@given(keys=keys, which=st.integers(min_value=0), field=st.sampled_from(["text", "pdu", "x"]),
       before=texts, after=texts, upper=st.booleans(), others=st.dictionaries(
           st.sampled_from(["a", "b", "c"]), texts | st.integers(), max_size=3))
def test_sec1_flags_a_known_key_wherever_it_lands(keys, which, field, before, after,
                                                  upper, others):
    key = keys[which % len(keys)].hex()
    value = before + (key.upper() if upper else key) + after
    checker = Checker(secret_values=keys, allowed_state_changes=ALLOWED_STATE_CHANGES)
    (violation,) = checker.feed({"seq": 1, "t": 0.0, "event": "note", **others, field: value})
    assert violation.invariant == "SEC-1" and key not in violation.message.lower()
