"""EAP based primary authentication on the UE (TS 24.501 5.4.1.2; TS 33.501 6.1.3.1;
RFC 9048): the EAP-AKA' peer's answers, when KAUSF = EMSK[0:32] becomes valid, and what
EAP-Failure deletes."""

from __future__ import annotations

from nas_harness import OPC, SNN, SUPI, K, Ue, kausf_events, make_usim, notes, smc, states, uplink

from ue_stack.crypto import fp
from ue_stack.crypto.aka import AkaChain, resync_from_auts
from ue_stack.crypto.eap_aka_prime import challenge_keys
from ue_stack.events import Note
from ue_stack.nas import eap
from ue_stack.nas.eap_aka_prime import eap_fields
from ue_stack.nas.messages import nas
from ue_stack.primitives import ObtainAkmaKeyConfirm, ObtainAkmaKeyReject, ObtainAkmaKeyRequest


def keys_of(chain: AkaChain, network_name: str = SNN):
    """The server's view of one challenge (RFC 9048 3.3; identity = the IMSI digits)."""
    m = chain.milenage
    return challenge_keys(m.ck, m.ik, network_name, chain.autn[:6], SUPI)


def challenge(chain: AkaChain, ngksi: int = 0, *, ident: int = 1, network_name: str = SNN,
              kdf: int = 1, autn: bytes | None = None, k_aut: bytes | None = None):
    """AUTHENTICATION REQUEST carrying EAP-Request/AKA'-Challenge, AT_MAC with K_aut."""
    k_aut = keys_of(chain, network_name).k_aut if k_aut is None else k_aut
    packet = eap.encode({"eap_code": "request", "eap_id": ident, "eap_subtype": "challenge",
                         "at_rand": chain.rand, "at_autn": chain.autn if autn is None else autn,
                         "at_kdf_input": network_name, "at_kdf": kdf}, k_aut=k_aut)
    return nas("authentication_request", ngksi=ngksi, abba=b"\x00\x00", **eap_fields(packet))


def success(ident: int = 1) -> dict:
    return eap_fields(eap.encode({"eap_code": "success", "eap_id": ident}))


def failure(ident: int = 1) -> dict:
    return eap_fields(eap.encode({"eap_code": "failure", "eap_id": ident}))


def started() -> Ue:
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    return ue


def answered(ue: Ue, ngksi: int = 0, **kw) -> tuple[AkaChain, list]:
    chain = ue.net.challenge()
    return chain, ue.dl(challenge(chain, ngksi, **kw))


def eap_answer(out: list) -> dict:
    (message,) = uplink(out)
    assert message.msg == "authentication_response"
    return dict(message.fields)


def test_challenge_is_answered_with_at_res_and_an_at_mac_that_verifies_with_k_aut():
    """RFC 9048 3, TS 33.501 6.1.3.1 step 6: AKA'-Challenge response with AT_RES = RES and
    AT_MAC = HMAC-SHA-256-128(K_aut, packet); KAUSF = EMSK[0:32] is only pending."""
    ue = started()
    chain, out = answered(ue, ngksi=1, ident=9)
    answer = eap_answer(out)
    keys = keys_of(chain)
    assert (answer["eap_code"], answer["eap_subtype"], answer["eap_id"]) == (
        "response", "challenge", 9)
    assert answer["at_res"] == chain.res
    assert eap.mac_ok(keys.k_aut, answer["eap"])
    assert kausf_events(out) == [("pending", fp(keys.emsk[:32]))]
    assert ue.usim.kausf is None and ue.nas.contexts.partial.ngksi == 1


def test_kausf_becomes_valid_on_eap_success_in_the_accepted_smc():
    """TS 24.501 5.4.1.2.2 / NAS-1: EAP-Success carried by the SMC the UE accepts makes
    the new KAUSF valid, announced before SECURITY MODE COMPLETE."""
    ue = started()
    chain, _ = answered(ue)
    out = ue.dl(smc(0, **success()))
    assert kausf_events(out) == [("valid", fp(keys_of(chain).k_ausf))]
    assert uplink(out) == [nas("security_mode_complete")]
    assert ue.usim.kausf == keys_of(chain).k_ausf


def test_an_smc_without_eap_success_leaves_the_eap_kausf_pending():
    """EAP-AKA' KAUSF is valid on EAP-Success only (TS 24.501 5.4.1.2.2): an SMC that
    takes the context into use without it does not make it valid."""
    ue = started()
    answered(ue)
    out = ue.dl(smc(0))
    assert kausf_events(out) == []
    assert ue.usim.kausf is None and ue.nas.kausf.pending is not None


def test_kausf_becomes_valid_on_eap_success_in_authentication_result():
    """TS 24.501 5.4.1.2.2: AUTHENTICATION RESULT with EAP-Success -> the new KAUSF is
    valid; the plain SMC that follows takes the context into use and adds no KAUSF."""
    ue = started()
    chain, _ = answered(ue, ngksi=2)
    out = ue.dl(nas("authentication_result", ngksi=2, **success()))
    assert kausf_events(out) == [("valid", fp(keys_of(chain).k_ausf))]
    out = ue.dl(smc(2))
    assert kausf_events(out) == [] and uplink(out) == [nas("security_mode_complete")]


def test_an_smc_with_eap_success_that_the_ue_rejects_stores_nothing():
    """docs/behaviour.md: an SMC carrying EAP-Success rejected with #24 (5G-IA0) stores
    nothing; the KAUSF valid before stays valid."""
    ue = started()
    answered(ue)
    ue.dl(smc(0, **success()))
    old = ue.usim.kausf
    answered(ue, ngksi=1, ident=2)
    out = ue.dl(nas("security_mode_command", ngksi=1, nea=2, nia=0, **success(2)))
    assert uplink(out) == [nas("security_mode_reject", cause=24)]
    assert kausf_events(out) == [] and ue.usim.kausf == old
    assert ue.nas.kausf.pending is None


def test_sqn_out_of_range_gives_synchronization_failure_with_an_at_auts_the_udm_accepts():
    """TS 33.501 6.1.3.1 / 6.1.3.3.2: AKA'-Synchronization-Failure with AT_AUTS; MAC-S
    verifies and carries the USIM's SQN_MS."""
    ue = Ue(make_usim(sqn_ms=0x1000))
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    chain, out = answered(ue)
    answer = eap_answer(out)
    assert answer["eap_subtype"] == "synchronization-failure"
    resync = resync_from_auts(K, OPC, chain.rand, answer["at_auts"])
    assert resync.mac_s_ok and int.from_bytes(resync.sqn_ms, "big") == 0x1000
    assert kausf_events(out) == [] and ue.nas.kausf.pending is None


def test_mac_failure_gives_authentication_reject_not_authentication_failure():
    """TS 33.501 6.1.3.1: a wrong MAC-A in AUTN -> EAP-Response/AKA'-Authentication-
    Reject inside AUTHENTICATION RESPONSE; the USIM's SQN state is untouched."""
    ue = started()
    chain = ue.net.challenge()
    bad = chain.autn[:8] + bytes(8)
    out = ue.dl(challenge(chain, autn=bad))
    assert eap_answer(out)["eap_subtype"] == "authentication-reject"
    assert ue.usim.sqn_ms == bytes(6)


def test_separation_bit_zero_gives_authentication_reject():
    """AUTN not acceptable for 5G (AMF separation bit 0, TS 33.501 6.1.3.1 / 33.102 6.3.3):
    answered in EAP (the choice kept in ``AUTN_FAILURES``)."""
    ue = started()
    chain = ue.net.challenge(amf=b"\x00\x00")
    out = ue.dl(challenge(chain))
    assert eap_answer(out)["eap_subtype"] == "authentication-reject"


def test_a_network_name_other_than_the_serving_network_name_is_rejected():
    """RFC 9048 3.1: AT_KDF_INPUT is checked against the UE's serving network name; a
    different name -> Authentication-Reject before the USIM sees RAND."""
    ue = started()
    chain = ue.net.challenge()
    out = ue.dl(challenge(chain, network_name="5G:mnc002.mcc001.3gppnetwork.org"))
    assert eap_answer(out)["eap_subtype"] == "authentication-reject"
    assert "AT_KDF_INPUT is not the serving network name" in notes(out)
    assert ue.usim.sqn_ms == bytes(6)


def test_an_unsupported_kdf_is_rejected():
    """RFC 9048 3.2: a peer that supports none of the offered KDFs rejects; the note names
    the KDF offered."""
    ue = started()
    out = ue.dl(challenge(ue.net.challenge(), kdf=2))
    assert eap_answer(out)["eap_subtype"] == "authentication-reject"
    (note,) = [e for e in out if isinstance(e, Note) and "KDF" in e.text]
    assert note.fields == {"at_kdf": [2]}


def with_kdfs(chain: AkaChain, kdfs: list[int], ident: int = 1):
    """An AKA'-Challenge offering ``kdfs`` (AT_KDF repeated, RFC 9048 3.2), AT_MAC right."""
    k_aut = keys_of(chain).k_aut
    base = eap.encode({"eap_code": "request", "eap_id": ident, "eap_subtype": "challenge",
                       "at_rand": chain.rand, "at_autn": chain.autn, "at_kdf_input": SNN,
                       "at_kdf": kdfs[0]})
    body = base[4:] + b"".join(bytes((24, 1)) + k.to_bytes(2, "big") for k in kdfs[1:])
    body += bytes((11, 5, 0, 0)) + bytes(16)
    packet = base[:2] + (4 + len(body)).to_bytes(2, "big") + body
    packet = packet[:-16] + eap.at_mac(k_aut, packet)
    return nas("authentication_request", ngksi=0, abba=b"\x00\x00", **eap_fields(packet))


def test_kdf_negotiation_asks_for_the_first_supported_kdf_then_answers_the_new_challenge():
    """RFC 9048 3.2: KDF 1 offered second -> AKA'-Challenge response with AT_KDF 1 only (no
    AT_RES, nothing pending); the server's next challenge offers 1 first and then the
    original list -> answered with AT_RES, a pending KAUSF."""
    ue = started()
    chain = ue.net.challenge()
    out = ue.dl(with_kdfs(chain, [2, 1]))
    answer = eap_answer(out)
    assert (answer["eap_subtype"], answer.get("at_kdf"), answer.get("at_res")) == (
        "challenge", 1, None)
    assert ue.nas.kausf.pending is None
    out = ue.dl(with_kdfs(chain, [1, 2, 1], ident=2))
    assert eap_answer(out).get("at_res") is not None
    assert ue.nas.kausf.pending is not None


def test_a_renegotiated_challenge_that_changes_the_list_is_rejected():
    """RFC 9048 3.2: after asking for KDF 1, a challenge that is not "1, then the list
    offered before" (a bidding-down attempt) -> Authentication-Reject."""
    ue = started()
    chain = ue.net.challenge()
    ue.dl(with_kdfs(chain, [2, 1]))
    out = ue.dl(with_kdfs(chain, [1], ident=2))
    assert eap_answer(out)["eap_subtype"] == "authentication-reject"


def test_a_challenge_that_repeats_a_kdf_value_is_rejected():
    """RFC 9048 3.2: a list with a repeated AT_KDF value -> Authentication-Reject."""
    ue = started()
    out = ue.dl(with_kdfs(ue.net.challenge(), [1, 1]))
    assert eap_answer(out)["eap_subtype"] == "authentication-reject"
    assert ue.nas.kausf.pending is None


def test_aka_prime_identity_request_is_answered_with_the_suci_as_a_nai():
    """RFC 4187 6.1/9.1, TS 33.501 6.1.3.1: AKA'-Identity (any AT_*_ID_REQ) -> AKA'-Identity
    response with AT_IDENTITY, the SUCI (no pseudonym kept) as a NAI (TS 23.003 28.7.3)."""
    ue = started()
    for id_req in ("permanent", "fullauth", "any"):
        packet = eap.encode({"eap_code": "request", "eap_id": 3, "eap_subtype": "identity",
                             "at_id_req": id_req})
        out = ue.dl(nas("authentication_request", ngksi=0, abba=b"\x00\x00",
                        **eap_fields(packet)))
        answer = eap_answer(out)
        assert (answer["eap_subtype"], answer["eap_id"]) == ("identity", 3)
        assert answer["at_identity"] == (
            "type0.rid0.schid0.userid0000000001@nai.5gc.mnc001.mcc001.3gppnetwork.org")


def test_aka_prime_notification_is_acknowledged():
    """RFC 4187 6.1/9.10: AKA'-Notification -> an empty AKA'-Notification response."""
    ue = started()
    packet = eap.encode({"eap_code": "request", "eap_id": 4, "eap_subtype": "notification",
                         "at_notification": 0x4000})
    out = ue.dl(nas("authentication_request", ngksi=0, abba=b"\x00\x00", **eap_fields(packet)))
    answer = eap_answer(out)
    assert (answer["eap_subtype"], answer["eap_id"]) == ("notification", 4)
    assert "at_notification" not in answer


def test_a_wrong_at_mac_gives_client_error_and_no_kausf():
    """RFC 4187 6.3.1: AT_MAC that does not verify with K_aut -> AKA'-Client-Error
    "unable to process packet"; nothing pending."""
    ue = started()
    out = ue.dl(challenge(ue.net.challenge(), k_aut=bytes(32)))
    answer = eap_answer(out)
    assert (answer["eap_subtype"], answer["at_client_error_code"]) == ("client-error", 0)
    assert ue.nas.kausf.pending is None


def test_ngksi_in_use_is_still_authentication_failure_71():
    """docs/behaviour.md: ngKSI handling as for 5G AKA (TS 24.501 5.4.1.3.7 c)."""
    ue = started()
    answered(ue, ngksi=0)
    ue.dl(smc(0, **success()))
    out = ue.dl(challenge(ue.net.challenge(), ngksi=0, ident=2))
    assert uplink(out) == [nas("authentication_failure", cause=71)]


def test_a_retransmitted_request_gets_the_same_response_without_running_the_usim():
    """RFC 3748 4.1: a duplicate request is answered with the previous response."""
    ue = started()
    chain = ue.net.challenge()
    first = eap_answer(ue.dl(challenge(chain)))
    sqn = ue.usim.sqn_ms
    again = eap_answer(ue.dl(challenge(chain)))
    assert again == first and ue.usim.sqn_ms == sqn


def test_eap_failure_in_authentication_result_deletes_the_partial_context_only():
    """docs/behaviour.md / TS 24.501 5.4.1.2.2: EAP-Failure in AUTHENTICATION RESULT deletes
    the partial context and the pending KAUSF; the USIM stays valid, the state and the
    valid KAUSF stay."""
    ue = started()
    answered(ue)
    ue.dl(smc(0, **success()))
    old = ue.usim.kausf
    answered(ue, ngksi=1, ident=2)
    out = ue.dl(nas("authentication_result", ngksi=1, **failure(2)))
    assert ue.nas.contexts.partial is None and ue.nas.kausf.pending is None
    assert ue.usim.valid and ue.usim.kausf == old and states(out) == []


def test_eap_failure_in_authentication_reject_gets_the_full_reject_handling():
    """docs/behaviour.md: EAP-Failure inside AUTHENTICATION REJECT = 5.4.1.3.5 handling: the
    USIM is invalid, 5GMM-DEREGISTERED.NO-SUPI."""
    ue = started()
    chain = ue.net.challenge()
    ue.dl(challenge(chain, autn=chain.autn[:8] + bytes(8)))
    out = ue.dl(nas("authentication_reject", **failure()))
    assert not ue.usim.valid
    assert states(out)[-1][1] == "5GMM-DEREGISTERED.NO-SUPI"


def test_akma_request_deferred_from_at_res_is_answered_from_the_kausf_of_eap_success():
    """docs/behaviour.md W1: deferral runs from the AUTHENTICATION RESPONSE carrying AT_RES to
    EAP-Success; the deferred request sees the new KAUSF."""
    ue = started()
    answered(ue)
    ue.dl(smc(0, **success()))
    chain, _ = answered(ue, ngksi=1, ident=2)
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    assert ue.nas.deferred_requests == 1
    out = ue.dl(nas("authentication_result", ngksi=1, **success(2)))
    (confirm,) = [e for e in out if isinstance(e, ObtainAkmaKeyConfirm)]
    assert confirm.k_ausf_fp == fp(keys_of(chain).k_ausf)


def test_akma_request_deferred_is_answered_from_the_old_kausf_after_eap_failure():
    """EAP-Failure ends the deferral too; the valid KAUSF is the old one."""
    ue = started()
    answered(ue)
    ue.dl(smc(0, **success()))
    old = fp(ue.usim.kausf)
    answered(ue, ngksi=1, ident=2)
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    out = ue.dl(nas("authentication_result", ngksi=1, **failure(2)))
    (confirm,) = [e for e in out if isinstance(e, ObtainAkmaKeyConfirm | ObtainAkmaKeyReject)]
    assert isinstance(confirm, ObtainAkmaKeyConfirm) and confirm.k_ausf_fp == old


def test_a_5g_aka_run_after_an_unfinished_eap_run_is_taken_into_use_by_its_smc():
    """The method of the *pending* KAUSF decides: a 5G AKA challenge answered after an
    EAP-AKA' run that never saw EAP-Success is valid at SMC acceptance (5.4.2.1)."""
    ue = started()
    answered(ue, ngksi=0)
    chain = ue.net.challenge()
    ue.dl(nas("authentication_request", ngksi=1, abba=b"\x00\x00", rand=chain.rand,
              autn=chain.autn))
    out = ue.dl(smc(1))
    assert kausf_events(out) == [("valid", fp(chain.k_ausf))]


def test_an_smc_with_eap_success_rejected_23_stores_nothing():
    """Replayed UE security capabilities that differ -> #23 (TS 24.501 5.4.2.5), even with
    EAP-Success in the SMC: no KAUSF is stored."""
    ue = Ue(sec_cap=bytes.fromhex("e0e0"))
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    answered(ue)
    out = ue.dl(smc(0, replayed_ue_sec_cap=bytes.fromhex("8080"), **success()))
    assert uplink(out) == [nas("security_mode_reject", cause=23)]
    assert kausf_events(out) == [] and ue.usim.kausf is None
    assert ue.nas.kausf.pending is None


def test_deferral_starts_only_with_the_response_carrying_at_res():
    """docs/behaviour.md: AKMA deferral runs from the AUTHENTICATION RESPONSE carrying AT_RES;
    an AKA'-Synchronization-Failure answer does not start it."""
    ue = Ue(make_usim(sqn_ms=0x1000))
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    answered(ue)  # synchronization failure
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    assert ue.nas.deferred_requests == 0
    assert [type(e) for e in ue.drain() if isinstance(e, ObtainAkmaKeyReject)] == [
        ObtainAkmaKeyReject]


def _challenge_without_autn(chain: AkaChain) -> object:
    packet = eap.encode({"eap_code": "request", "eap_id": 1, "eap_subtype": "challenge",
                         "at_rand": chain.rand, "at_kdf_input": SNN, "at_kdf": 1},
                        k_aut=keys_of(chain).k_aut)
    return nas("authentication_request", ngksi=0, abba=b"\x00\x00", **eap_fields(packet))


def test_client_error_and_authentication_reject_answers_start_no_akma_deferral():
    """docs/behaviour.md: only the AUTHENTICATION RESPONSE carrying AT_RES starts the AKMA
    deferral; AKA'-Client-Error (a challenge without AT_AUTN, RFC 4187 9.3) and
    AKA'-Authentication-Reject (another network name, RFC 9048 3.1) leave an AKMA request
    to be answered at once (TS 24.501 4.21)."""
    other_network = "5G:mnc002.mcc001.3gppnetwork.org"
    for request in (_challenge_without_autn,
                    lambda chain: challenge(chain, network_name=other_network)):
        ue = started()
        out = ue.dl(request(ue.net.challenge()))
        assert eap_answer(out)["eap_subtype"] in ("client-error", "authentication-reject")
        ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
        assert ue.nas.deferred_requests == 0


def test_a_retransmitted_request_offering_an_unsupported_kdf_gets_the_same_reject():
    """RFC 3748 4.1: a duplicate of a request answered with AKA'-Authentication-Reject is
    answered with the previous response, not checked again."""
    ue = started()
    request = challenge(ue.net.challenge(), kdf=2)
    first = ue.dl(request)
    again = ue.dl(request)
    assert uplink(again) == uplink(first)
    assert "AKA'-Challenge offers a KDF this peer does not support" not in notes(again)


def test_a_challenge_without_abba_derives_kamf_with_abba_0000():
    """TS 33.501 A.7.1 and TS 24.501 9.11.3.10: without an ABBA IE the UE uses 0x0000, the
    only value defined, so the network's SMC (its K_NASint from that KAMF) verifies."""
    with_abba, without_abba = started(), started()
    chain = with_abba.net.challenge()
    request = challenge(chain)
    with_abba.dl(request)
    fields = dict(request.fields)
    del fields["abba"]
    without_abba.net.challenge()
    without_abba.dl(nas("authentication_request", **fields))
    mine, reference = without_abba.nas.contexts.partial, with_abba.nas.contexts.partial
    assert (mine.k_amf, mine.abba) == (reference.k_amf, b"\x00\x00")


def test_an_authentication_request_carrying_eap_success_gets_client_error_with_identifier_0():
    """RFC 4187 6.3.1 / docs/behaviour.md: an EAP message other than an AKA'-Challenge in
    AUTHENTICATION REQUEST is answered with AKA'-Client-Error; the v1 shorthand
    ``eap: "success"`` carries no identifier, so the answer uses 0."""
    ue = started()
    out = ue.dl(nas("authentication_request", ngksi=0, abba=b"\x00\x00", eap_code="success"))
    answer = eap_answer(out)
    assert (answer["eap_subtype"], answer["eap_id"]) == ("client-error", 0)
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    assert ue.nas.deferred_requests == 0  # no AT_RES sent: no deferral


def test_an_eap_request_other_than_aka_prime_challenge_is_noted_with_its_code_and_subtype():
    """RFC 9048 / RFC 4187 9.15: a subtype this peer does not model is answered with
    client-error; the note names the EAP code and subtype received."""
    ue = started()
    packet = eap.encode({"eap_code": "request", "eap_id": 3,
                         "eap_subtype": "reauthentication"})
    out = ue.dl(nas("authentication_request", ngksi=0, abba=b"\x00\x00", **eap_fields(packet)))
    assert eap_answer(out)["eap_subtype"] == "client-error"
    (note,) = [e for e in out if isinstance(e, Note) and "other than" in e.text]
    assert note.fields == {"eap_code": "request", "eap_subtype": "reauthentication"}


def test_an_aka_prime_challenge_without_at_mac_is_noted_by_the_attribute_missing():
    """RFC 9048 3 / RFC 4187 9.3: AT_RAND, AT_AUTN, AT_KDF_INPUT and AT_MAC are mandatory
    in AKA'-Challenge; without one the peer answers client-error and says which."""
    ue = started()
    chain = ue.net.challenge()
    packet = eap.encode({"eap_code": "request", "eap_id": 1, "eap_subtype": "challenge",
                         "at_rand": chain.rand, "at_autn": chain.autn, "at_kdf_input": SNN,
                         "at_kdf": 1})
    out = ue.dl(nas("authentication_request", ngksi=0, abba=b"\x00\x00", **eap_fields(packet)))
    assert eap_answer(out)["eap_subtype"] == "client-error"
    assert "AKA'-Challenge without at_mac" in notes(out)
