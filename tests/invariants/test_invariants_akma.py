"""AKMA-1..4 over hand-made exchange logs (docs/invariants.md; TS 24.501 4.21)."""

from __future__ import annotations

import pytest
from xlog_fixtures import A_KID_2, KAKMA_1, KAKMA_2, KAUSF_1, KAUSF_2, STATES, Log

from ue_stack.invariants import check_records
from ue_stack.invariants.akma3 import MAX_HELD


def check(log: Log):
    checker, violations = check_records(log.records, allowed_state_changes=STATES)
    return checker.results(), violations


def of(violations, invariant):
    return [v for v in violations if v.invariant == invariant]


# -- AKMA-1 ------------------------------------------------------------------------------
def test_akma1_holds_when_every_kaf_uses_a_fresh_confirm(healthy):
    """TS 24.501 4.21: per-kaf upper layers obtain KAKMA before every KAF derivation."""
    results, violations = check(healthy)
    assert violations == []
    assert results["AKMA-1"] == {"checked": 3, "violations": 0}


def test_akma1_flags_a_kaf_derived_from_a_cached_kakma_without_a_fresh_confirm(log):
    """TS 24.501 4.21 (as amended): the legacy-cache client derives the KAF after a
    re-authentication from the KAKMA it kept (corr null)."""
    log.register()
    log.kaf_session("mail", "c1")
    log.authenticate(KAUSF_2, old=KAUSF_1)
    cached = log.kaf("mail", None, k_akma_fp=KAKMA_1)
    _, violations = check(log)
    (v,) = of(violations, "AKMA-1")
    assert (v.seq, v.t) == (cached["seq"], cached["t"])
    assert "without a fresh ObtainAkmaKeyConfirm" in v.message and "'mail'" in v.message


def test_akma1_flags_a_confirm_that_feeds_two_derivations(log):
    """docs/invariants.md: each confirm feeds at most one derivation."""
    log.register()
    log.kaf_session("mail", "c1")
    again = log.kaf("mail", "c1")
    results, violations = check(log)
    (v,) = of(violations, "AKMA-1")
    assert v.seq == again["seq"] and "reused" in v.message
    assert results["AKMA-1"] == {"checked": 2, "violations": 1}


def test_akma1_flags_a_kakma_that_differs_from_the_confirm(log):
    log.register()
    log.obtain("mail", "c1", k_akma_fp=KAKMA_1)
    log.kaf("mail", "c1", k_akma_fp=KAKMA_2)
    (v,) = of(check(log)[1], "AKMA-1")
    assert "KAKMA fp" in v.message


def test_akma1_flags_a_confirm_used_by_another_app(log):
    log.register()
    log.obtain("chat", "c1")
    log.kaf("mail", "c1")
    (v,) = of(check(log)[1], "AKMA-1")
    assert "went to app 'chat'" in v.message


def test_akma1_flags_a_corr_that_was_never_confirmed(log):
    log.register()
    log.request("mail", "c1")
    log.reject("mail", "c1")
    log.kaf("mail", "c1")
    (v,) = of(check(log)[1], "AKMA-1")
    assert "no ObtainAkmaKeyConfirm" in v.message


# -- AKMA-2 ------------------------------------------------------------------------------
def test_akma2_holds_when_confirms_follow_the_valid_kausf(healthy):
    results, _ = check(healthy)
    assert results["AKMA-2"] == {"checked": 3, "violations": 0}


@pytest.mark.parametrize("ue", [None, "imsi-1"])
def test_akma2_flags_a_confirm_derived_from_the_pending_kausf(ue):
    """TS 33.501 6.2.2.2 / docs/behaviour.md W1: between RES* and SMC the new KAUSF is only
    pending; NAS must derive KAKMA from the valid one. The message says it was the
    pending one — of this UE, in a log of several."""
    log = Log(ue=ue)
    log.register()
    log.authenticate(KAUSF_2, smc=False)
    confirm_from_pending = log.confirm("mail", "c1", k_ausf_fp=KAUSF_2, a_kid=A_KID_2)
    results, violations = check(log)
    (v,) = of(violations, "AKMA-2")
    assert v.seq == confirm_from_pending["seq"] and "(the pending KAUSF)" in v.message
    assert results["AKMA-2"] == {"checked": 1, "violations": 1}


def test_akma2_flags_a_confirm_from_the_old_kausf_after_the_smc(log):
    log.register()
    log.authenticate(KAUSF_2, old=KAUSF_1)
    log.obtain("mail", "c1", k_ausf_fp=KAUSF_1)
    (v,) = of(check(log)[1], "AKMA-2")
    assert "valid KAUSF is" in v.message


def test_akma2_keeps_each_ues_kausf_apart():
    """Logs of several UEs carry `ue`: each confirm is compared with its own UE's KAUSF."""
    a, b = Log(ue="imsi-1"), Log(ue="imsi-2")
    a.authenticate(KAUSF_1)
    b.authenticate(KAUSF_2)
    b.kaf_session("mail", "b1", k_ausf_fp=KAUSF_2)
    a.kaf_session("mail", "a1", k_ausf_fp=KAUSF_1)
    records = sorted(a.records + b.records, key=lambda r: r["t"])
    for seq, r in enumerate(records, start=1):
        r["seq"] = seq
    checker, violations = check_records(records)
    assert violations == [] and checker.results()["AKMA-2"]["checked"] == 2
    wrong = [dict(r) for r in records]
    (a_confirm,) = (r for r in wrong if r.get("corr") == "a1" and "k_ausf_fp" in r)
    a_confirm["k_ausf_fp"] = KAUSF_2  # from the other UE's KAUSF
    assert [v.invariant for v in check_records(wrong)[1]] == ["AKMA-2"]


# -- AKMA-3 ------------------------------------------------------------------------------
def test_akma3_holds_when_nas_rejects_without_a_valid_kausf(log):
    """TS 24.501 4.21: KAKMA only "if available"; otherwise ObtainAkmaKeyReject."""
    log.usim("valid")
    log.request("mail", "c1")
    log.reject("mail", "c1")
    log.register()
    log.kaf_session("mail", "c2")
    results, violations = check(log)
    assert violations == []
    assert results["AKMA-3"] == {"checked": 2, "violations": 0}


def test_akma3_flags_a_confirm_after_authentication_reject_made_the_usim_invalid(log):
    """TS 24.501 5.4.1.3.5: after AUTHENTICATION REJECT the USIM is invalid; AKMA requests
    are rejected (usim_invalid)."""
    log.register()
    log.n1("dl", "authentication_reject")
    log.usim("invalid")
    confirm = log.confirm("mail", "c1")
    (v,) = of(check(log)[1], "AKMA-3")
    assert v.seq == confirm["seq"] and "USIM is invalid" in v.message


def test_akma3_flags_a_confirm_after_the_kausf_was_deleted(log):
    log.register()
    log.kausf("deleted", KAUSF_1)
    log.obtain("mail", "c1")
    (v,) = of(check(log)[1], "AKMA-3")
    assert "no KAUSF is valid" in v.message


def test_akma3_flags_a_confirm_after_the_usim_was_removed(log):
    """TS 33.501 6.2.2.2: removing the USIM while powered on deletes KAUSF."""
    log.register()
    log.usim("removed")
    log.obtain("mail", "c1")
    (v,) = of(check(log)[1], "AKMA-3")
    assert "USIM is removed" in v.message


def test_akma3_flags_a_confirm_given_before_any_kausf_existed(log):
    """A confirm before the first authentication; decided when the log first reports
    the KAUSF/USIM status, and reported at the confirm's own seq."""
    log.request("mail", "c1")
    early = log.confirm("mail", "c1")
    log.register()
    results, violations = check(log)
    (v,) = of(violations, "AKMA-3")
    assert (v.seq, v.t) == (early["seq"], early["t"]) and "before any KAUSF" in v.message
    assert results["AKMA-3"] == {"checked": 1, "violations": 1}


def test_akma3_decides_held_answers_per_ue_and_counts_each_one():
    """Answers held before a UE's first KAUSF/USIM line are decided by that UE's own first
    line: one UE's evidence says nothing about another's. Every held answer counts as
    checked; only held confirms are violations, each naming its corr."""
    a, b = Log(ue="ue-a"), Log(ue="ue-b")
    a.obtain("mail", "a1")
    a.request("mail", "a2")
    a.reject("mail", "a2")
    a.request("mail", "a3")
    a.reject("mail", "a3")
    b.obtain("mail", "b1")
    a.usim("valid")
    records = [*a.records[:6], *b.records[:2], a.records[6]]
    for n, record in enumerate(records, 1):
        record["seq"] = n
    checker, violations = check_records(records, allowed_state_changes=STATES)
    (v,) = of(violations, "AKMA-3")
    assert v.seq == 2 and "'a1'" in v.message and "before any KAUSF" in v.message
    assert checker.results()["AKMA-3"] == {"checked": 3, "violations": 1}


def test_akma3_summarises_held_confirms_beyond_the_bound(log):
    """Past MAX_HELD held confirms per UE, the rest are counted and reported once, at the
    last of them, with their number — memory stays bounded, no confirm goes uncounted."""
    for n in range(MAX_HELD + 3):
        log.obtain("mail", f"c{n}")
    log.usim("valid")
    checker, violations = check_records(log.records, allowed_state_changes=STATES)
    found = of(violations, "AKMA-3")
    assert len(found) == MAX_HELD + 1
    assert (found[-1].seq, found[-1].t) == (log.records[-2]["seq"], log.records[-2]["t"])
    assert found[-1].message.startswith("3 more ObtainAkmaKeyConfirm before any KAUSF")
    assert checker.results()["AKMA-3"] == {"checked": MAX_HELD + 3,
                                          "violations": MAX_HELD + 3}


def test_akma3_is_not_checked_on_a_log_without_kausf_status(log):
    """docs/invariants.md: a foreign log that never reports KAUSF status gives checked 0."""
    log.obtain("mail", "c1")
    log.kaf("mail", "c1")
    results, violations = check(log)
    assert of(violations, "AKMA-3") == []
    assert results["AKMA-3"] == {"checked": 0, "violations": 0}
    assert results["AKMA-2"]["checked"] == 0


# -- AKMA-4 ------------------------------------------------------------------------------
def test_akma4_holds_when_every_af_session_is_ok(healthy):
    assert check(healthy)[0]["AKMA-4"] == {"checked": 3, "violations": 0}


def test_akma4_flags_an_af_session_with_an_a_kid_the_aanf_deleted(log):
    """docs/behaviour.md t4: the AAnF keeps only the latest context (TS 33.535 6.1), so the
    cached A-KID1 is unknown."""
    log.register()
    log.kaf_session("mail", "c1")
    failed = log.af_session("mail", result="unknown_a_kid")
    (v,) = of(check(log)[1], "AKMA-4")
    assert v.seq == failed["seq"] and "unknown_a_kid" in v.message
    assert f"with AF {failed['af_id']!r} for A-KID {failed['a_kid']!r}" in v.message


def test_akma4_names_both_kaf_fingerprints_on_a_key_mismatch(log):
    """TS 33.535 6.3: UE and AF derive KAF from the same KAKMA; on a mismatch the message
    gives both (shortened) fingerprints, so the side that differs can be found."""
    log.register()
    log.kaf_session("mail", "c1")
    failed = log.af_session("mail", result="key_mismatch")
    (v,) = of(check(log)[1], "AKMA-4")
    assert f"UE KAF fp {failed['k_af_fp_ue'][:8]}.., " in v.message
    assert f"network KAF fp {failed['k_af_fp_net'][:8]}.." in v.message
