"""XL-1, NAS-1, NAS-2 and SEC-1 over hand-made exchange logs (docs/invariants.md)."""

from __future__ import annotations

import pytest
from xlog_fixtures import KAUSF_1, KAUSF_2, STATES, Log

from ue_stack.crypto.secret import fp
from ue_stack.invariants import Checker, check_records


def check(log: Log, **kwargs):
    kwargs.setdefault("allowed_state_changes", STATES)
    checker, violations = check_records(log.records, **kwargs)
    return checker.results(), violations


def of(violations, invariant):
    return [v for v in violations if v.invariant == invariant]


# -- XL-1 --------------------------------------------------------------------------------
def test_xl1_holds_when_every_request_is_answered_once(healthy):
    assert check(healthy)[0]["XL-1"] == {"checked": 3, "violations": 0}


def test_xl1_flags_a_request_never_answered(log):
    """docs/exchange-log.md: every ...Request is answered by a ...Confirm or ...Reject."""
    log.register()
    request = log.request("mail", "c1")
    (v,) = of(check(log)[1], "XL-1")
    assert v.seq == request["seq"] and "never answered" in v.message


def test_xl1_flags_an_answer_without_a_request(log):
    log.register()
    log.confirm("mail", "c1")
    results, violations = check(log)
    (v,) = of(violations, "XL-1")
    assert v.message == ("ObtainAkmaKeyConfirm with corr 'c1' answers no open request "
                         "(never requested, or already answered)")
    assert results["XL-1"] == {"checked": 1, "violations": 1}


def test_xl1_flags_a_second_answer_to_one_request(log):
    log.register()
    log.obtain("mail", "c1")
    second = log.reject("mail", "c1", cause="procedure_aborted")
    results, violations = check(log)
    (v,) = of(violations, "XL-1")
    assert v.seq == second["seq"]
    assert results["XL-1"] == {"checked": 2, "violations": 1}


def test_xl1_flags_a_request_reusing_the_corr_of_an_answered_one(log):
    """docs/exchange-log.md: corr is unique within a log. An application whose corr counter never
    advances answers every request correctly, yet each new request repeats the corr."""
    log.register()
    log.request("mail", "mail-1")
    answer = log.confirm("mail", "mail-1")
    log.kaf("mail", "mail-1")
    again = log.request("mail", "mail-1")
    log.confirm("mail", "mail-1")
    log.kaf("mail", "mail-1")
    results, violations = check(log)
    assert results["XL-1"] == {"checked": 3, "violations": 1}  # its own answer: no second
    (v,) = of(violations, "XL-1")
    assert v.seq == again["seq"]
    assert f"reuses corr 'mail-1' of the request answered at seq {answer['seq']}" in v.message
    assert of(violations, "AKMA-1") == []  # the derivations each follow their own confirm


# -- NAS-1 -------------------------------------------------------------------------------
def test_nas1_rechecks_a_kausf_deleted_and_then_valid_again(log):
    """A deleted KAUSF that becomes valid again is a new key: it must be taken into use by
    an SMC, so `valid` right after AUTHENTICATION RESPONSE is a violation even though the
    fingerprint was valid before (TS 33.501 6.2.2.2)."""
    log.register()
    log.kausf("deleted", KAUSF_1)
    log.n1("dl", "authentication_request", ngksi=1)
    log.n1("ul", "authentication_response")
    again = log.kausf("valid", KAUSF_1)
    (v,) = of(check(log)[1], "NAS-1")
    assert v.seq == again["seq"] and "ul authentication_response" in v.message


def test_nas1_holds_when_kausf_becomes_valid_at_the_smc(healthy):
    """TS 33.501 6.2.2.2: the new KAUSF is taken into use by the SECURITY MODE COMMAND."""
    results, _ = check(healthy)
    assert results["NAS-1"] == {"checked": 2, "violations": 0}


def test_nas1_flags_kausf_valid_at_authentication_response(log):
    """TS 24.501 5.4.1.3.4 / 33.501 6.2.2.2: the classic bug — storing the new KAUSF as
    valid when sending AUTHENTICATION RESPONSE, before any SMC."""
    log.register()
    log.n1("dl", "authentication_request", ngksi=1)
    log.kausf("pending", KAUSF_2)
    log.n1("ul", "authentication_response")
    early = log.kausf("valid", KAUSF_2)
    results, violations = check(log)
    (v,) = of(violations, "NAS-1")
    assert v.seq == early["seq"] and "ul authentication_response" in v.message
    assert v.message.endswith("not on an accepted SECURITY MODE COMMAND or EAP-Success")
    assert results["NAS-1"] == {"checked": 2, "violations": 1}


def test_nas1_flags_kausf_valid_on_a_downlink_authentication_request(log):
    """TS 33.501 6.2.2.2: only an accepted SECURITY MODE COMMAND (or EAP-Success) takes a
    new KAUSF into use; a downlink AUTHENTICATION REQUEST does not."""
    log.register()
    log.n1("dl", "authentication_request", ngksi=1)
    early = log.kausf("valid", KAUSF_2)
    (v,) = of(check(log)[1], "NAS-1")
    assert v.seq == early["seq"] and "dl authentication_request" in v.message


def test_nas1_flags_a_kausf_valid_before_any_n1_message():
    """TS 33.501 6.2.2.2: a KAUSF can only become valid through NAS signalling; one valid
    before the UE's first N1 message is a violation that says so."""
    log = Log()
    log.usim("valid")
    first = log.kausf("valid", KAUSF_1)
    (v,) = of(check(log)[1], "NAS-1")
    assert v.seq == first["seq"] and "no N1 message" in v.message


def test_nas1_takes_a_kausf_stored_before_any_n1_message_as_held_not_new():
    """A trace's ``ue.stored``: the KAUSF the UE held before the log began is logged as
    ``kausf stored`` before its first N1 message — valid, not new. The same line after an
    N1 message is a new KAUSF and is checked."""
    log = Log()
    log.usim("valid")
    log.kausf("stored", KAUSF_1)
    assert of(check(log)[1], "NAS-1") == []
    log.register()
    late = log.kausf("stored", KAUSF_2)
    (v,) = of(check(log)[1], "NAS-1")
    assert v.seq == late["seq"]


def test_nas1_flags_kausf_valid_after_security_mode_reject(log):
    """TS 24.501 5.4.2.5: on SECURITY MODE REJECT the old KAUSF stays valid."""
    log.register()
    log.authenticate(KAUSF_2, smc=False)
    log.n1("dl", "security_mode_command", ngksi=1, nea=2, nia=2)
    log.n1("ul", "security_mode_reject", cause=23)
    log.kausf("valid", KAUSF_2)
    assert len(of(check(log)[1], "NAS-1")) == 1


def test_nas1_accepts_kausf_valid_logged_after_security_mode_complete(log):
    log.register()
    log.authenticate(KAUSF_2, smc=False)
    log.n1("dl", "security_mode_command", ngksi=1, nea=2, nia=2)
    log.n1("ul", "security_mode_complete")
    log.kausf("valid", KAUSF_2)
    assert check(log)[0]["NAS-1"] == {"checked": 2, "violations": 0}


def test_nas1_accepts_eap_success_for_eap_aka_prime(log):
    """TS 24.501 5.4.1.2: with EAP-AKA' KAUSF is stored on EAP-Success."""
    log.usim("valid")
    log.n1("dl", "authentication_request", ngksi=0)
    log.n1("ul", "authentication_response")
    log.n1("dl", "authentication_result", ngksi=0, eap="success")
    log.kausf("valid", KAUSF_1)
    assert check(log)[0]["NAS-1"] == {"checked": 1, "violations": 0}


@pytest.mark.parametrize("where", ["authentication_result", "security_mode_command"])
def test_nas1_accepts_kausf_valid_on_eap_code_success(log, where):
    """TS 24.501 5.4.1.2.2: EAP-Success as the log writes it (``eap_code``, with the
    packet in ``eap``), in AUTHENTICATION RESULT or in the SMC."""
    log.usim("valid")
    log.n1("dl", "authentication_request", ngksi=0, eap="0101", eap_code="request")
    log.n1("ul", "authentication_response", eap_code="response", eap_subtype="challenge")
    log.n1("dl", where, ngksi=0, eap="03010004", eap_code="success")
    log.kausf("valid", KAUSF_1)
    assert check(log)[0]["NAS-1"] == {"checked": 1, "violations": 0}


def test_nas1_flags_kausf_valid_on_eap_failure_or_after_at_res(log):
    """EAP-Failure deletes the partial context; the AUTHENTICATION RESPONSE carrying AT_RES
    is never where KAUSF becomes valid."""
    log.usim("valid")
    log.n1("dl", "authentication_request", ngksi=0, eap_code="request")
    log.n1("ul", "authentication_response", eap_code="response", at_res="0102030405060708")
    log.kausf("valid", KAUSF_1)
    log.n1("dl", "authentication_result", ngksi=0, eap="04010004", eap_code="failure")
    log.kausf("valid", KAUSF_2)
    violations = of(check(log)[1], "NAS-1")
    assert [("ul authentication_response" in v.message, "authentication_result" in v.message)
            for v in violations] == [(True, False), (False, True)]


def test_nas1_does_not_count_a_reannounce_at_power_on(log):
    """docs/exchange-log.md: a `kausf valid` repeating the valid fingerprint (KAUSF outlives
    power-off, TS 33.501 6.2.2.2) is not a new KAUSF."""
    log.register()
    log.state("5GMM-REGISTERED.NORMAL-SERVICE", "5GMM-DEREGISTERED-INITIATED")
    log.state("5GMM-DEREGISTERED-INITIATED", "5GMM-DEREGISTERED.NORMAL-SERVICE")
    log.usim("valid")
    log.kausf("valid", KAUSF_1)
    results, violations = check(log)
    assert violations == [] and results["NAS-1"]["checked"] == 1


# -- NAS-2 -------------------------------------------------------------------------------
def test_nas2_holds_on_state_changes_of_the_5gmm_machine(healthy):
    """TS 24.501 5.1.3.2: registration moves NULL -> DEREGISTERED -> REGISTERED-INITIATED
    -> REGISTERED."""
    assert check(healthy)[0]["NAS-2"] == {"checked": 3, "violations": 0}


def test_nas2_flags_a_transition_outside_the_state_machine(log):
    log.register()
    bad = log.state("5GMM-REGISTERED.NORMAL-SERVICE", "5GMM-NULL")
    (v,) = of(check(log)[1], "NAS-2")
    assert v.seq == bad["seq"] and "not a transition" in v.message


def test_nas2_flags_a_change_that_does_not_start_where_the_last_ended(log):
    log.register()
    bad = log.state("5GMM-DEREGISTERED-INITIATED", "5GMM-DEREGISTERED.NORMAL-SERVICE")
    (v,) = of(check(log)[1], "NAS-2")
    assert v.seq == bad["seq"] and "previous change went to" in v.message


def test_nas2_ignores_other_layers(log):
    log.state("IDLE", "WAITING", layer="app:mail")
    assert check(log)[0]["NAS-2"]["checked"] == 0


def test_nas2_is_not_checked_without_a_transition_table(healthy, monkeypatch):
    monkeypatch.setattr(
        "ue_stack.invariants.checker.load_allowed_state_changes", lambda: None
    )
    checker, _ = check_records(healthy.records)
    assert checker.results()["NAS-2"] == {"checked": 0, "violations": 0}
    assert checker.not_checked() == [
        {"invariant": "NAS-2", "reason": "no 5GMM transition table available"}
    ]


# -- SEC-1 -------------------------------------------------------------------------------
def test_sec1_holds_when_keys_appear_only_as_fingerprints(healthy):
    results, _ = check(healthy)
    assert results["SEC-1"] == {"checked": len(healthy.records), "violations": 0}


def test_sec1_flags_a_secret_field_name_even_nested(log):
    """docs/exchange-log.md: secret names are reserved in logs, even for harmless values."""
    log.add("note", text="x", detail={"inner": [{"k_akma": "<redacted>"}]})
    op = log.add("note", op="power_on")
    results, violations = check(log)
    first, second = of(violations, "SEC-1")
    assert "detail.inner[0].k_akma" in first.message
    assert second.seq == op["seq"] and "'op'" in second.message
    assert results["SEC-1"] == {"checked": 2, "violations": 2}


def test_sec1_lists_three_secret_fields_and_counts_the_rest(log):
    """docs/exchange-log.md (SEC-1): one violation per line, naming its first secret fields
    and how many more there are, so a line full of keys gives a short message."""
    names = ("k_akma", "k_af", "k_ausf", "k_seaf", "k_amf")
    log.add("note", text="x", **{name: "<redacted>" for name in names})
    (v,) = of(check(log)[1], "SEC-1")
    assert v.message == ("note line holds a secret: field 'k_akma' (a secret name), field "
                         "'k_af' (a secret name), field 'k_ausf' (a secret name) and 2 more")


def test_sec1_flags_a_known_key_value_without_repeating_it(log):
    """Replay knows the keys: a key's hex inside any string is a leak."""
    kausf = "a1" * 32
    leak = log.add("note", text=f"derived {kausf.upper()} ok")
    log.add("note", text="fp " + fp(bytes.fromhex(kausf)))
    results, violations = check(log, secret_values={kausf})
    (v,) = of(violations, "SEC-1")
    assert v.seq == leak["seq"] and kausf not in v.message.lower()
    assert results["SEC-1"] == {"checked": 2, "violations": 1}


def test_sec1_learns_keys_during_a_run(log):
    checker = Checker(allowed_state_changes=STATES)
    checker.add_secret_values([bytes.fromhex("b2" * 16)])
    assert checker.feed({"seq": 1, "t": 0, "event": "note", "x": "b2" * 16})


def test_sec1_finds_keys_of_every_length_in_any_field_whatever_their_case():
    """docs/exchange-log.md (SEC-1): a known key's hex anywhere in any string is a leak —
    the shortest key alone as a field, a longer key inside a PDU's hex, in either case;
    strings too short to hold a key are skipped, never a long one."""
    short_key, long_key = "c3" * 16, "d4" * 32
    checker = Checker(allowed_state_changes=STATES, secret_values=[short_key, long_key])
    assert checker.feed({"seq": 1, "t": 0, "event": "n1", "x": short_key.upper()})
    assert checker.feed({"seq": 2, "t": 0, "event": "n1", "pdu": "7e00" + long_key + "01"})
    assert checker.feed({"seq": 3, "t": 0, "event": "n1", "pdu": "7e00" + short_key[:-1]
                         + "x" + short_key})
    assert not checker.feed({"seq": 4, "t": 0, "event": "n1", "x": short_key[:-1],
                             "pdu": "7e00" + long_key[:-2]})
