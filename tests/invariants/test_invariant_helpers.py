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


def test_replay_lists_skipped_trace_lines_as_runs():
    """The report's not_checked entry names skipped trace lines compactly."""
    from ue_stack.trace.replay import _lines

    assert _lines([3, 4, 5, 9]) == "3-5, 9"
    assert _lines([7]) == "7"


def test_replay_stats_always_report_records_and_ul_skipped():
    """docs/report.md: `stats` always has `records` and `ul_skipped`; other replay
    counters appear only when not zero."""
    from ue_stack.trace.replay import ReplayStats

    assert ReplayStats().as_dict() == {"records": 0, "ul_skipped": 0}
    assert ReplayStats(records=4, ciphered=2).as_dict() == {
        "records": 4, "ul_skipped": 0, "ciphered": 2}


def test_app1_reports_a_request_left_without_outcome_at_the_end():
    """APP-1: an expectation still pending at the end is a violation at the end's seq/t,
    naming the UE that asked."""
    from ue_stack.invariants.app1 import App1Tracker

    recorded = []
    tracker = App1Tracker(lambda *args, **kw: recorded.append((*args, kw)))
    tracker.expect("001010000000001", "mail", "ok", 3)
    tracker.finish(9, 1.5)
    ((invariant, ok, seq, t, message, kw),) = recorded
    assert (invariant, ok, seq, t) == ("APP-1", False, 9, 1.5)
    assert kw == {"ue": "001010000000001"}
    assert message == "kaf_request of app 'mail' (seq 3) expected ok, got no outcome"


def test_nas_count_candidates_try_the_next_overflow_last():
    """TS 24.501 4.4.3.1: the estimate, then this overflow, the bare sequence number, and
    the next overflow."""
    from ue_stack.capture.security import NasCount

    count = NasCount()
    count.commit(0x205)
    assert count.candidates(0x10) == [0x210, 0x10, 0x310]
    assert count.candidates(0x01) == [0x301, 0x201, 0x01]


def test_xl1_counts_each_request_without_corr_and_names_a_mismatched_answer():
    """XL-1: a request without corr can never be answered (each one counted); an answer
    of another primitive family than its request is named with both."""
    no_corr = {"event": "primitive", "src": "app:mail", "dst": "nas",
               "name": "ObtainAkmaKeyRequest"}
    request = {**no_corr, "corr": "c1"}
    wrong = {"event": "primitive", "src": "nas", "dst": "app:mail",
             "name": "OtherConfirm", "corr": "c1"}
    records = [{"seq": n, "t": n / 10, **r}
               for n, r in enumerate([no_corr, no_corr, request, wrong], 1)]
    checker, violations = check_records(records)
    assert checker.results()["XL-1"] == {"checked": 3, "violations": 3}
    assert violations[-1].message == "OtherConfirm answers ObtainAkmaKeyRequest 'c1'"


def test_a_usim_status_line_keeps_the_valid_kausf():
    """Only USIM removal or insertion ends the KAUSF (TS 33.501 6.2.2.2); a `usim valid`
    line repeated later does not, so a confirm from that KAUSF breaks neither AKMA-2 nor
    AKMA-3."""
    kausf = "1" * 16
    lines = [
        {"event": "usim", "action": "valid"},
        {"event": "n1", "dir": "dl", "msg": "security_mode_command", "ngksi": 0},
        {"event": "kausf", "action": "valid", "k_ausf_fp": kausf},
        {"event": "usim", "action": "valid"},
        {"event": "primitive", "src": "app:mail", "dst": "nas",
         "name": "ObtainAkmaKeyRequest", "corr": "c1"},
        {"event": "primitive", "src": "nas", "dst": "app:mail", "name": "ObtainAkmaKeyConfirm",
         "corr": "c1", "a_kid": "a", "k_akma_fp": "2" * 16, "k_ausf_fp": kausf},
    ]
    checker, violations = check_records(
        [{"seq": n, "t": n / 10, **r} for n, r in enumerate(lines, 1)])
    assert violations == []
    results = checker.results()
    assert results["AKMA-2"] == results["AKMA-3"] == {"checked": 1, "violations": 0}


def test_akma1_remembers_exactly_max_unused_confirms_per_ue():
    """AKMA-1's bound keeps the MAX_UNUSED newest unused confirms of a UE: the oldest of
    exactly that many can still feed a derivation; one more evicts it."""
    from ue_stack.invariants.akma1 import MAX_UNUSED

    def log(confirms: int) -> list[dict]:
        lines = [{"event": "primitive", "src": "nas", "dst": "app:mail",
                  "name": "ObtainAkmaKeyConfirm", "corr": f"c{n}", "k_akma_fp": "k"}
                 for n in range(confirms)]
        lines.append({"event": "kaf_derived", "app": "mail", "corr": "c0", "k_akma_fp": "k"})
        return [{"seq": n, "t": 0, **r} for n, r in enumerate(lines, 1)]

    def akma1(records):
        return [v for v in check_records(records)[1] if v.invariant == "AKMA-1"]

    assert akma1(log(MAX_UNUSED)) == []
    assert len(akma1(log(MAX_UNUSED + 1))) == 1
