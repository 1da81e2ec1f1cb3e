"""5G AKA on the UE side (TS 24.501 5.4.1.3; TS 33.501 6.1.3.2; TS 33.102 6.3.3)."""

from __future__ import annotations

from nas_harness import OPC, K, Ue, auth_request, kausf_events, notes, of_type, uplink

from ue_stack.crypto import fp, resync_from_auts
from ue_stack.events import Note, UsimChanged
from ue_stack.nas.messages import nas
from ue_stack.nas.states import MmState
from ue_stack.nas.states import UpdateStatus as U
from ue_stack.primitives import USIM_INVALID, ObtainAkmaKeyReject, ObtainAkmaKeyRequest


def registering() -> Ue:
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    return ue


def test_ue_answers_res_star_and_holds_kausf_pending_when_the_challenge_is_valid():
    """TS 24.501 5.4.1.3.2, TS 33.501 6.1.3.2: RES* (A.4) in AUTHENTICATION RESPONSE, a
    pending KAUSF (A.2), a partial context named by the ngKSI, T3516 started."""
    ue = registering()
    chain = ue.authenticate(ngksi=3)
    out = ue.drain()
    assert uplink(out) == [nas("authentication_response", res_star=chain.res_star)]
    assert kausf_events(out) == [("pending", fp(chain.k_ausf))]
    assert ue.usim.kausf is None  # not valid before the SMC
    assert ue.nas.contexts.partial is not None and ue.nas.contexts.partial.ngksi == 3
    assert ue.nas.timers.running("T3516")
    assert ue.nas.state is MmState.REGISTERED_INITIATED


def test_ue_answers_20_and_keeps_its_sqn_state_when_the_mac_fails():
    """TS 24.501 5.4.1.3.6; TS 33.102 6.3.3: a MAC failure must not touch SQN_MS."""
    ue = registering()
    chain = ue.net.challenge()
    bad = chain.autn[:8] + bytes(b ^ 0xFF for b in chain.autn[8:])
    out = ue.dl(auth_request(chain, autn=bad))
    assert uplink(out) == [nas("authentication_failure", cause=20)]
    assert ue.usim.sqn_ms == bytes(6)
    assert ue.nas.timers.running("T3520")
    assert kausf_events(out) == []


def test_ue_answers_21_with_auts_when_sqn_is_out_of_range():
    """TS 24.501 5.4.1.3.6; TS 33.102 6.3.3: #21 with AUTS carrying SQN_MS."""
    ue = Ue()
    ue.usim.sqn_ms = (5000).to_bytes(6, "big")
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    chain = ue.net.challenge(sqn=4000)  # stale: <= SQN_MS
    out = ue.dl(auth_request(chain))
    (failure,) = uplink(out)
    assert failure.msg == "authentication_failure" and failure["cause"] == 21
    resync = resync_from_auts(K, OPC, chain.rand, failure["auts"])
    assert resync.mac_s_ok and resync.sqn_ms == (5000).to_bytes(6, "big")
    assert ue.usim.sqn_ms == (5000).to_bytes(6, "big")


def test_ue_answers_26_when_the_separation_bit_is_0_after_the_usim_took_the_sqn():
    """TS 24.501 5.4.1.3.6; TS 33.501 6.1.3.2: the ME rejects AMF bit 0 = 0 (#26)
    after the USIM accepted the SQN."""
    ue = registering()
    chain = ue.net.challenge(amf=b"\x00\x00")
    out = ue.dl(auth_request(chain))
    assert uplink(out) == [nas("authentication_failure", cause=26)]
    assert int.from_bytes(ue.usim.sqn_ms, "big") == ue.net.sqn


def test_ue_answers_71_before_the_usim_sees_rand_when_the_ngksi_is_in_use():
    """TS 24.501 5.4.1.3.7: ngKSI already associated with a stored context -> #71,
    before RAND reaches the USIM, so the same challenge under a new ngKSI is still fresh."""
    ue = Ue()
    ue.registered(ngksi=0)
    chain = ue.net.challenge()
    sqn_before = ue.usim.sqn_ms
    out = ue.dl(auth_request(chain, ngksi=0))
    assert uplink(out) == [nas("authentication_failure", cause=71)]
    assert ue.usim.sqn_ms == sqn_before
    assert ue.nas.timers.running("T3520")
    out = ue.dl(auth_request(chain, ngksi=1))
    assert uplink(out) == [nas("authentication_response", res_star=chain.res_star)]
    assert not ue.nas.timers.running("T3520")


def test_failure_suspends_t3510_and_a_valid_challenge_restarts_it():
    """TS 24.501 5.4.1.3.7: after a failure the running retransmission timers stop
    and T3520 starts; a new valid request while T3520 runs is answered, T3520 stops
    and the stopped timers restart."""
    ue = registering()
    assert ue.nas.timers.running("T3510")
    ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00")))
    assert not ue.nas.timers.running("T3510") and ue.nas.timers.running("T3520")
    chain = ue.net.challenge()
    out = ue.dl(auth_request(chain))
    assert uplink(out) == [nas("authentication_response", res_star=chain.res_star)]
    assert ue.nas.timers.running("T3510") and not ue.nas.timers.running("T3520")


def test_three_consecutive_failures_mean_the_network_failed_the_check():
    """TS 24.501 5.4.1.3.7: the third consecutive #20/#21/#26 -> release locally, cell
    barred, T3520 stopped, the suspended T3510 restarted."""
    ue = registering()
    for expected_open in (True, True):
        ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00")))
        assert ue.nas.timers.running("T3520") is expected_open
    out = ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00")))
    assert [m["cause"] for m in uplink(out)] == [26]
    assert "network failed the authentication check" in notes(out)
    (failed,) = [e for e in of_type(out, Note) if e.text.startswith("network failed")]
    assert failed.fields == {"reason": "3 consecutive failures"}
    assert any("cell barred" in n for n in notes(out))
    assert not ue.nas.timers.running("T3520")
    assert ue.nas.timers.running("T3510")


def test_71_does_not_count_toward_the_three_failure_limit():
    """TS 24.501 5.4.1.3.7: only #20, #21 and #26 count toward "three consecutive"; #71
    (ngKSI already in use) is answered by the same challenge under a new ngKSI, so #26,
    #26, #71 leaves the network trusted, and the next #26 is the third that counts."""
    ue = Ue()
    ue.registered(ngksi=0)
    for _ in range(2):
        ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00"), ngksi=1))
    out = ue.dl(auth_request(ue.net.challenge(), ngksi=0))
    assert [m["cause"] for m in uplink(out)] == [71]
    assert "network failed the authentication check" not in notes(out)
    assert ue.nas.timers.running("T3520")
    out = ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00"), ngksi=1))
    assert [m["cause"] for m in uplink(out)] == [26]
    assert "network failed the authentication check" in notes(out)


def test_t3520_expiry_means_the_network_failed_the_check():
    """TS 24.501 5.4.1.3.7: T3520 expires -> the network failed the check."""
    ue = registering()
    ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00")))
    out = ue.advance(15.0)
    assert "T3520 expired" in notes(out)
    assert "network failed the authentication check" in notes(out)


def test_repeated_rand_while_t3516_runs_gets_the_stored_res_star_without_the_usim():
    """TS 24.501 5.4.1.3.7: a retransmitted challenge is answered with the stored RES*,
    without the ngKSI check or the USIM (its SQN would now be stale: #21); the partial
    context takes the new ngKSI."""
    ue = registering()
    chain = ue.authenticate(ngksi=1)
    ue.drain()
    sqn_after_first = ue.usim.sqn_ms
    out = ue.dl(auth_request(chain, ngksi=2))
    assert uplink(out) == [nas("authentication_response", res_star=chain.res_star)]
    assert ue.usim.sqn_ms == sqn_after_first
    assert ue.nas.contexts.partial.ngksi == 2
    assert kausf_events(out) == []


def test_same_rand_after_t3516_expiry_runs_the_usim_again():
    """TS 24.501 5.4.1.3.2: RAND/RES* are deleted at T3516 expiry, so the same challenge
    now meets the USIM, whose SQN check fails (#21)."""
    ue = Ue()
    ue.registered(ngksi=0)
    chain = ue.authenticate(ngksi=1)
    ue.drain()
    out = ue.advance(30.0)
    assert "T3516 expired" in notes(out)
    out = ue.dl(auth_request(chain, ngksi=2))
    assert [m["cause"] for m in uplink(out)] == [21]


def test_authentication_reject_invalidates_the_usim_and_deregisters():
    """TS 24.501 5.4.1.3.5: delete RAND/RES*, 5G-GUTI, ngKSI; 5U3; USIM invalid; stop
    T3510, T3516, T3517, T3519, T3520, T3521; 5GMM-DEREGISTERED; AKMA then rejected."""
    ue = Ue()
    ue.registered()
    ue.nas.register(ue.tick(), "mobility")
    ue.authenticate(ngksi=1)
    ue.drain()
    out = ue.dl(nas("authentication_reject"))
    assert ue.nas.state is MmState.DEREGISTERED_NO_SUPI
    assert ue.nas.update_status is U.ROAMING_NOT_ALLOWED
    assert ue.nas.guti is None
    assert ue.nas.contexts.current is None and ue.nas.contexts.partial is None
    for timer in ("T3510", "T3516", "T3517", "T3519", "T3520", "T3521"):
        assert not ue.nas.timers.running(timer)
    assert [e.action for e in of_type(out, UsimChanged)] == ["invalid"]
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    assert ue.drain() == [ObtainAkmaKeyReject("mail", "c1", USIM_INVALID)]


def test_retransmitted_challenge_while_t3520_runs_stops_t3520_and_restarts_t3510():
    """TS 24.501 5.4.1.3.7 (docs/behaviour.md step 0): the stored RAND again while T3516 runs
    is a valid AUTHENTICATION REQUEST — answered with the stored RES*, it stops T3520 and
    restarts the timers T3520 suspended, so T3520 never declares the network failed."""
    ue = registering()
    chain = ue.authenticate(ngksi=1)
    ue.dl(auth_request(ue.net.challenge(amf=b"\x00\x00"), ngksi=2))  # #26, T3520
    assert ue.nas.timers.running("T3520") and not ue.nas.timers.running("T3510")
    out = ue.dl(auth_request(chain, ngksi=1))
    assert uplink(out) == [nas("authentication_response", res_star=chain.res_star)]
    assert not ue.nas.timers.running("T3520") and ue.nas.timers.running("T3510")
    out = ue.advance(14.0)
    assert "network failed the authentication check" not in notes(out)


def test_authentication_reject_during_an_initial_registration_stops_t3519_and_t3520():
    """TS 24.501 5.4.1.3.5: AUTHENTICATION REJECT stops T3519 (SUCI sent in the initial
    REGISTRATION REQUEST) and T3520 (running after an AUTHENTICATION FAILURE, #26 here)."""
    for challenge_amf, running in ((b"\x80\x00", "T3519"), (b"\x00\x00", "T3520")):
        ue = registering()
        ue.dl(auth_request(ue.net.challenge(amf=challenge_amf)))
        assert ue.nas.timers.running(running)
        ue.dl(nas("authentication_reject"))
        assert not ue.nas.timers.running(running)


def test_authentication_reject_after_a_failed_attempt_stops_t3511():
    """TS 24.501 5.4.1.3.5: the USIM is invalid and the UE in 5GMM-DEREGISTERED.NO-SUPI, so
    AUTHENTICATION REJECT also stops T3511, or the UE would retry a registration it may not
    make (5.5.1.2.7)."""
    ue = registering()
    ue.nas.lower_layer_failure(ue.tick())  # abnormal case: attempt 1, T3511 started
    assert ue.nas.timers.running("T3511")
    ue.dl(nas("authentication_reject"))
    assert not ue.nas.timers.running("T3511")
    assert ue.nas.state is MmState.DEREGISTERED_NO_SUPI


def test_authentication_request_with_a_short_rand_or_autn_is_answered_with_status_96():
    """TS 24.501 9.11.3.16 and 9.11.3.15: RAND and AUTN are 16 octets; any other length is
    invalid mandatory information, answered with 5GMM STATUS #96 (7.5.1)."""
    chain = Ue().net.challenge()
    for field in ("rand", "autn"):
        ue = registering()
        fields = {"ngksi": 0, "abba": b"\x00\x00", "rand": chain.rand, "autn": chain.autn}
        fields[field] = fields[field][:15]
        out = ue.dl(nas("authentication_request", **fields))
        assert uplink(out) == [nas("status", cause=96)], field
