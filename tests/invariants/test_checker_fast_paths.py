"""The checker's hot-path shortcuts decide exactly as the full checks do (docs/invariants.md).

SEC-1 clears a flat line by searching all its text at once, and the checker feeds each
invariant only the events it declares; neither may hide a violation or invent one.
"""

from __future__ import annotations

from xlog_fixtures import STATES, Log

from ue_stack.crypto.secret import Key
from ue_stack.invariants import check_records

KEY = "c3" * 16


def sec1(log: Log, secrets=(KEY,)):
    checker, violations = check_records(log.records, secret_values=secrets,
                                        allowed_state_changes=STATES)
    return checker.results()["SEC-1"], [v for v in violations if v.invariant == "SEC-1"]


def test_sec1_does_not_join_two_fields_into_a_known_key(log):
    """Halves of a key in neighbouring fields are no leak: the joint search must not
    match across field boundaries."""
    log.add("note", a=KEY[:16], b=KEY[16:])
    assert sec1(log) == ({"checked": 1, "violations": 0}, [])


def test_sec1_finds_a_known_key_in_a_bytes_or_key_value_of_a_flat_line(log):
    """A value that is not a plain string (bytes, a Key) still has its hex checked."""
    raw = log.add("note", text="ok", blob=bytes.fromhex(KEY))
    key = log.add("note", text="ok", value=Key(bytes.fromhex(KEY)))
    counts, violations = sec1(log)
    assert counts == {"checked": 2, "violations": 2}
    assert [v.seq for v in violations] == [raw["seq"], key["seq"]]
    assert all("(a known key)" in v.message for v in violations)


def test_sec1_without_known_keys_still_flags_a_secret_name_nested_in_a_list(log):
    log.add("note", items=[{"kausf": "<redacted>"}])
    counts, (v,) = sec1(log, secrets=())
    assert counts == {"checked": 1, "violations": 1} and "items[0].kausf" in v.message


def test_every_line_reaches_sec1_whatever_its_event(log):
    """SEC-1 declares no events: the checker's routing feeds it every line, events no
    invariant names included (docs/exchange-log.md: extra events are allowed)."""
    log.register()
    log.add("x-vendor-event", text="anything")
    log.add("note", text=f"leaked {KEY}")
    counts, (v,) = sec1(log)
    assert counts == {"checked": len(log.records), "violations": 1}
    assert v.seq == log.records[-1]["seq"]


def test_akma1_keeps_confirms_in_flight_for_more_ues_than_its_bound(log, monkeypatch):
    """AKMA-1 (TS 24.501 4.21): confirms waiting for their derivation are forgotten only
    per UE, so many UEs obtaining keys at once (a simulation with --ues) raise no false
    'no confirm came before'; a single UE beyond the bound still loses its oldest."""
    monkeypatch.setattr("ue_stack.invariants.akma1.MAX_UNUSED", 3)
    ues = [f"00101000000{i:04d}" for i in range(10)]
    for ue in ues:
        log.add("primitive", src="nas", dst="app:mail", name="ObtainAkmaKeyConfirm",
                corr=f"{ue}/1", a_kid="a", k_akma_fp="f", k_ausf_fp="u", ue=ue)
    for ue in ues:
        log.add("kaf_derived", app="mail", corr=f"{ue}/1", af_id="af", a_kid="a",
                k_akma_fp="f", k_af_fp="x", ue=ue)
    for i in range(4):  # one UE, four confirms unused at once: the first is forgotten
        log.add("primitive", src="nas", dst="app:mail", name="ObtainAkmaKeyConfirm",
                corr=f"solo/{i}", a_kid="a", k_akma_fp="f", k_ausf_fp="u", ue="solo")
    first = log.add("kaf_derived", app="mail", corr="solo/0", af_id="af", a_kid="a",
                    k_akma_fp="f", k_af_fp="x", ue="solo")
    checker, violations = check_records(log.records, allowed_state_changes=STATES)
    akma1 = [v for v in violations if v.invariant == "AKMA-1"]
    assert [v.seq for v in akma1] == [first["seq"]]
    assert checker.results()["AKMA-1"] == {"checked": 11, "violations": 1}
