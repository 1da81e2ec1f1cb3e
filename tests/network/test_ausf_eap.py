"""The AUSF as EAP server and the AMF carrying EAP (TS 33.501 6.1.3.1; TS 24.501
5.4.1.2; RFC 9048): the AKA'-Challenge it sends, EAP-Success with AKMA registered at the
AAnF, resynchronisation from AT_AUTS, EAP-Failure for anything else."""

from __future__ import annotations

import random

from net_fakes import OPC, SNN, SUPI, K

from ue_stack.crypto.aka import AuthCheck, build_auts, verify_autn
from ue_stack.crypto.eap_aka_prime import challenge_keys
from ue_stack.events import AanfChanged, SendN1
from ue_stack.nas import eap
from ue_stack.nas.messages import nas
from ue_stack.network.aanf import Aanf
from ue_stack.network.amf import Amf, AmfConfig
from ue_stack.network.ausf import Ausf
from ue_stack.network.udm import Subscriber, Udm


def make(sqn: bytes = bytes(6)) -> tuple[Udm, Aanf, Ausf]:
    udm = Udm(random.Random(7))
    udm.add(Subscriber(SUPI, K, OPC, sqn, auth_method="eap-aka-prime"))
    aanf = Aanf()
    return udm, aanf, Ausf(udm, aanf)


def peer_answer(request: bytes, sqn_ms: bytes = bytes(6)) -> tuple[bytes, object]:
    """What a correct peer answers (the UE side, computed here independently)."""
    f = eap.decode(request)
    v = verify_autn(K, OPC, f["at_rand"], f["at_autn"], sqn_ms)
    if v.outcome is AuthCheck.SYNCH_FAILURE:
        return eap.encode({"eap_code": "response", "eap_id": f["eap_id"],
                           "eap_subtype": "synchronization-failure", "at_auts": v.auts}), None
    keys = challenge_keys(v.ck, v.ik, f["at_kdf_input"], f["at_autn"][:6], SUPI)
    return eap.challenge_response(f["eap_id"], v.res, keys.k_aut), keys


def test_ausf_challenge_carries_the_serving_network_name_kdf_1_and_a_verifying_at_mac():
    """TS 33.501 6.1.3.1 step 5: AT_RAND, AT_AUTN, AT_KDF_INPUT = SNN, AT_KDF = 1, AT_MAC
    with K_aut; the SEAF gets no HXRES*."""
    _, _, ausf = make()
    challenge = ausf.authenticate(SUPI, SNN)
    f = eap.decode(challenge.eap)
    assert (f["eap_subtype"], f["at_kdf_input"], f["at_kdf"]) == ("challenge", SNN, 1)
    assert (f["at_rand"], f["at_autn"]) == (challenge.rand, challenge.autn)
    _, keys = peer_answer(challenge.eap)
    assert eap.mac_ok(keys.k_aut, challenge.eap) and challenge.hxres_star == b""


def test_ausf_eap_success_stores_emsk_kausf_and_registers_akma_at_the_aanf():
    """TS 33.501 6.1.3.1 steps 7-10, TS 33.535 6.1: the right AT_RES/AT_MAC -> EAP-Success
    (same identifier), KAUSF = EMSK[0:32] stored and the AKMA context registered."""
    _, aanf, ausf = make()
    request = ausf.authenticate(SUPI, SNN).eap
    response, keys = peer_answer(request)
    outcome = ausf.eap_response(SUPI, response, 1.0)
    assert outcome.result == "success"
    ident = eap.decode(request)["eap_id"]
    assert eap.decode(outcome.eap) == {"eap_code": "success", "eap_id": ident}
    assert ausf.k_ausf(SUPI) == keys.k_ausf
    assert [type(e) for e in aanf.outbox.drain()] == [AanfChanged]


def test_ausf_answers_a_wrong_at_mac_or_at_res_with_eap_failure_and_registers_nothing():
    _, aanf, ausf = make()
    request = ausf.authenticate(SUPI, SNN).eap
    response, _ = peer_answer(request)
    forged = response[:-16] + bytes(16)
    outcome = ausf.eap_response(SUPI, forged, 1.0)
    assert outcome.result == "failure" and eap.decode(outcome.eap)["eap_code"] == "failure"
    assert ausf.k_ausf(SUPI) is None and aanf.outbox.drain() == []


def test_ausf_resynchronises_the_udm_from_at_auts():
    """TS 33.501 6.1.3.3.2: AKA'-Synchronization-Failure -> the UDM takes SQN_MS from
    AT_AUTS and the next challenge is fresh for the USIM."""
    _, _, ausf = make()
    sqn_ms = (0x4000).to_bytes(6, "big")
    response, _ = peer_answer(ausf.authenticate(SUPI, SNN).eap, sqn_ms)
    assert ausf.eap_response(SUPI, response, 1.0).result == "resync"
    again = eap.decode(ausf.authenticate(SUPI, SNN).eap)
    assert verify_autn(K, OPC, again["at_rand"], again["at_autn"], sqn_ms).outcome is AuthCheck.OK


def test_ausf_rejects_an_at_auts_whose_mac_s_fails():
    _, _, ausf = make()
    request = ausf.authenticate(SUPI, SNN).eap
    f = eap.decode(request)
    auts = bytearray(build_auts(K, OPC, f["at_rand"], bytes(6)))
    auts[-1] ^= 1
    bad = eap.encode({"eap_code": "response", "eap_id": f["eap_id"],
                      "eap_subtype": "synchronization-failure", "at_auts": bytes(auts)})
    assert ausf.eap_response(SUPI, bad, 1.0).result == "failure"


def _amf(config: AmfConfig | None = None) -> Amf:
    _, _, ausf = make()
    return Amf(SUPI, ausf, SNN, config)


def _sent(amf: Amf) -> list:
    return [e.message for e in amf.outbox.drain() if isinstance(e, SendN1)]


def test_amf_carries_eap_success_in_the_smc_by_default():
    """TS 24.501 5.4.1.2.2: EAP-Success and the ngKSI go in the SECURITY MODE COMMAND."""
    amf = _amf()
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    (request,) = _sent(amf)
    response, _ = peer_answer(request["eap"])
    amf.handle_n1(nas("authentication_response", eap=response), 0.1)
    (smc,) = _sent(amf)
    assert smc.msg == "security_mode_command" and smc["eap_code"] == "success"
    assert smc["ngksi"] == request["ngksi"]


def test_amf_can_send_eap_success_in_authentication_result_before_a_plain_smc():
    amf = _amf(AmfConfig(eap_success_in="authentication_result"))
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    (request,) = _sent(amf)
    response, _ = peer_answer(request["eap"])
    amf.handle_n1(nas("authentication_response", eap=response), 0.1)
    result, smc = _sent(amf)
    assert (result.msg, result["eap_code"]) == ("authentication_result", "success")
    assert smc.msg == "security_mode_command" and "eap" not in smc.fields


def test_amf_carries_eap_failure_in_authentication_reject():
    """TS 24.501 5.4.1.2.2: the EAP-Failure of a failed run reaches the UE in
    AUTHENTICATION REJECT."""
    amf = _amf()
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    (request,) = _sent(amf)
    ident = eap.decode(request["eap"])["eap_id"]
    reject = eap.encode({"eap_code": "response", "eap_id": ident,
                         "eap_subtype": "authentication-reject"})
    amf.handle_n1(nas("authentication_response", eap=reject), 0.1)
    (answer,) = _sent(amf)
    assert answer.msg == "authentication_reject" and answer["eap_code"] == "failure"
