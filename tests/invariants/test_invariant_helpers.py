"""The small pieces every invariant report relies on: a violation's report entry
(docs/report.md), shortened fingerprints in messages, SEC-1's full walk of nested lines and
the NAS-3 queue's head (found by `make mutate`, docs/mutation.md)."""

from __future__ import annotations

from ue_stack.invariants import check_records
from ue_stack.invariants.base import Violation, short
from ue_stack.trace.replay import Nas3Matcher


def test_a_violation_reports_every_field_it_has_under_its_formats_name():
    """docs/report.md: invariant, input, seq, t, message, and line/frame when known."""
    v = Violation("NAS-3", 41, 12.5, "m", "traces/x.jsonl", line=17, frame=230)
    assert v.to_dict() == {"invariant": "NAS-3", "input": "traces/x.jsonl", "seq": 41,
                           "t": 12.5, "message": "m", "line": 17, "frame": 230}
    assert Violation("XL-1", 3, 0.5, "m").to_dict() == {
        "invariant": "XL-1", "seq": 3, "t": 0.5, "message": "m"}


def test_fingerprints_are_shortened_to_8_digits_only_when_longer_than_10():
    assert short("0123456789abcdef") == "01234567.."
    assert short("0123456789a") == "01234567.."
    assert short("0123456789") == "'0123456789'"
    assert short(None) == "None"


def test_sec1_full_walk_flags_only_the_string_holding_a_known_key():
    """A nested line takes SEC-1's full walk: a harmless string beside the key is not a
    leak, the one holding the key is, and the message names its path, not its value."""
    key = "465b5ce8b199b49faa5f0a2ee238a6bc"
    line = {"seq": 1, "t": 0, "event": "note", "detail": {"harmless": "abc",
                                                           "dump": f"x{key.upper()}y"}}
    _, violations = check_records([line], secret_values=[key])
    (v,) = violations
    assert v.invariant == "SEC-1"
    assert "'detail.dump' (a known key)" in v.message and "harmless" not in v.message
    assert key not in v.message.lower()
    _, clean = check_records([{**line, "detail": {"harmless": "abc"}}], secret_values=[key])
    assert clean == []


def test_the_nas3_queue_head_is_none_when_nothing_is_expected():
    """The stand-in USIM asks for the next expected uplink; with none pending there is
    none (not an error)."""
    matcher = Nas3Matcher(lambda *a: None, lambda: 0, lambda: 0.0)
    assert matcher.head() is None
