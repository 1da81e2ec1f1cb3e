"""N1 link faults and the network twin facade."""

from __future__ import annotations

import pytest
from net_fakes import OPC, SUPI, FakeUe, K, events, msgs, n1, pump, register

from ue_stack.crypto import akma
from ue_stack.crypto.secret import fp
from ue_stack.errors import LocalProtocolError
from ue_stack.events import (
    AanfChanged,
    AfSessionRequest,
    AfSessionResult,
    Note,
    Outbox,
    SendN1,
    StateChanged,
)
from ue_stack.nas.messages import nas
from ue_stack.network.amf import AmfState
from ue_stack.network.faults import LinkFaults
from ue_stack.network.twin import NET_OPS, NetworkTwin
from ue_stack.network.udm import Subscriber
from ue_stack.scenarios import OPS

SMC = nas("security_mode_command", ngksi=0, nea=2, nia=2)
AUTH = nas("authentication_request", ngksi=0)


# -- LinkFaults --------------------------------------------------------------------------


def test_drop_next_loses_only_the_next_message_of_that_name():
    link = LinkFaults()
    link.drop_next("security_mode_command")
    assert link.apply(AUTH) == [(0.0, AUTH)]
    assert link.apply(SMC) == []
    assert link.apply(SMC) == [(0.0, SMC)]


def test_drop_next_with_count_loses_that_many():
    link = LinkFaults()
    link.drop_next("security_mode_command", count=3)
    assert [len(link.apply(SMC)) for _ in range(4)] == [0, 0, 0, 1]


def test_duplicate_next_delivers_twice_and_delay_next_late():
    link = LinkFaults()
    link.duplicate_next("authentication_request")
    link.delay_next("security_mode_command", 2.5)
    assert link.apply(AUTH) == [(0.0, AUTH), (0.0, AUTH)]
    assert link.apply(SMC) == [(2.5, SMC)]
    assert link.pending() == 0


def test_faults_for_one_name_apply_in_the_order_they_were_set():
    link = LinkFaults()
    link.delay_next("security_mode_command", 1.0)
    link.drop_next("security_mode_command")
    assert link.apply(SMC) == [(1.0, SMC)]
    assert link.apply(SMC) == []


def test_link_fault_leaves_a_note_for_the_log():
    outbox = Outbox()
    link = LinkFaults(outbox)
    link.drop_next("security_mode_command")
    link.apply(SMC)
    assert outbox.drain() == [Note("n1-link", "drop security_mode_command",
                                   {"msg": "security_mode_command", "fault": "drop"})]


@pytest.mark.parametrize("call", [
    lambda f: f.drop_next("no_such_message"),
    lambda f: f.drop_next("status", count=0),
    lambda f: f.delay_next("status", -1.0),
])
def test_link_faults_refuse_nonsense(call):
    with pytest.raises(ValueError):
        call(LinkFaults())


# -- NetworkTwin -------------------------------------------------------------------------


def twin_with_ue(**sub) -> NetworkTwin:
    twin = NetworkTwin(seed=5)
    twin.add_subscriber(Subscriber(SUPI, K, OPC, **sub))
    twin.attach(SUPI)
    return twin


def test_twin_executes_every_scenario_net_op():
    """The scenario format's net ops and the twin's are the same set."""
    assert set(OPS["net"]) == set(NET_OPS)


def test_twin_registers_a_ue_and_addresses_downlink_to_its_supi():
    twin = twin_with_ue()
    twin.handle_n1(SUPI, nas("registration_request", registration_type="initial", ngksi=7), 0)
    out = twin.outbox.drain()
    (event,) = [e for e in out if isinstance(e, SendN1)]
    assert event.supi == SUPI and event.message.msg == "authentication_request"
    assert [e for e in out if isinstance(e, StateChanged)] == [StateChanged(
        "amf", "5GMM-DEREGISTERED", "5GMM-COMMON-PROCEDURE-INITIATED", supi=SUPI)]
    assert twin.amf(SUPI).state is AmfState.COMMON_PROCEDURE_INITIATED


def test_twin_af_session_after_registration_is_ok_and_reports_the_supi():
    twin, ue = twin_with_ue(), FakeUe()
    register(twin, ue)
    ctx = twin.aanf.context(SUPI)
    af = akma.af_id("af.example.com", bytes.fromhex("0100000007"))
    kakma_ue = akma.k_akma(ue.k_ausf, SUPI)
    a_kid_ue = akma.a_kid("0", akma.a_tid(ue.k_ausf, SUPI), "001", "01")
    assert ctx.a_kid == a_kid_ue
    req = AfSessionRequest("mail", "af.example.com", bytes.fromhex("0100000007"), a_kid_ue,
                           fp(akma.k_af(kakma_ue, af)))
    result = twin.handle_af_session(req, 5.0, SUPI)
    assert isinstance(result, AfSessionResult)
    assert (result.result, result.supi) == ("ok", SUPI)
    assert twin.outbox.drain()[-1] == result


def test_twin_ops_reach_the_amf_the_aanf_and_the_link():
    twin, ue = twin_with_ue(), FakeUe()
    register(twin, ue)
    twin.handle_op("drop_next", {"msg": "security_mode_command", "count": 5}, 10.0)
    twin.handle_op("reauthenticate", {}, 10.0)
    run = pump(twin, ue, None, 10.0, link=twin.link(SUPI))
    # the SECURITY MODE COMMAND is lost on the link: it never appears
    assert msgs(run) == ["dl:authentication_request", "ul:authentication_response"]
    assert [e.action for e in events(run, AanfChanged)] == ["replaced"]
    now = 10.0
    while (deadline := twin.next_deadline()) is not None:
        now = deadline
        twin.handle_timer(now)
        for e in twin.outbox.drain():
            if hasattr(e, "message"):
                assert twin.link(SUPI).apply(e.message) == []  # every SMC is lost
    assert now == pytest.approx(40.0)
    assert twin.amf(SUPI).ngksi == 0  # W2: the UE and the AMF keep the old context
    twin.handle_op("aanf_context_remove", {}, 41.0)
    assert twin.aanf.context(SUPI) is None


def test_twin_sends_the_first_challenge_of_a_reauthentication_on_the_link():
    twin, ue = twin_with_ue(), FakeUe()
    register(twin, ue)
    twin.handle_op("reauthenticate", {}, 10.0, supi=SUPI)
    run = pump(twin, ue, None, 10.0)
    assert "dl:security_mode_command" in msgs(run)
    assert n1(run)[0][1].msg == "authentication_request"


def test_twin_network_deregistration_and_av_fault_ops():
    twin, ue = twin_with_ue(), FakeUe()
    twin.handle_op("corrupt_next_av", {"fault": "mac"}, 0.0)
    run = register(twin, ue)
    assert [m["cause"] for d, m in n1(run) if m.msg == "authentication_failure"] == [20]
    twin.handle_op("deregister", {}, 5.0)
    run = pump(twin, ue, None, 5.0)
    assert msgs(run) == ["dl:deregistration_request", "ul:deregistration_accept"]
    assert twin.amf(SUPI).state is AmfState.DEREGISTERED


def test_twin_refuses_an_unknown_op_and_an_unknown_ue():
    twin = twin_with_ue()
    with pytest.raises(LocalProtocolError):
        twin.handle_op("explode", {}, 0.0)
    with pytest.raises(LocalProtocolError):
        twin.handle_n1("999990000000000", nas("status", cause=98), 0.0)
    with pytest.raises(KeyError):
        twin.attach("999990000000000")


def test_twin_timers_of_many_ues_fire_in_order_and_forget_stopped_ones():
    """next_deadline/handle_timer across UEs: a timer stopped by an answer is not fired."""
    twin = NetworkTwin(seed=1)
    supis = [f"00101000000000{i}" for i in range(3)]
    for supi in supis:
        twin.add_subscriber(Subscriber(supi, K, OPC))
        twin.attach(supi)
    for i, supi in enumerate(supis):
        twin.handle_n1(supi, nas("registration_request", registration_type="initial", ngksi=7),
                       float(i))
    twin.outbox.drain()
    assert twin.next_deadline() == 6.0  # T3560 of the first UE
    twin.handle_n1(supis[0], nas("authentication_failure", cause=99), 1.5)  # aborts: stops
    assert twin.next_deadline() == 7.0
    twin.handle_timer(7.0)
    resent = [e for e in twin.outbox.drain() if hasattr(e, "message")]
    assert [(e.supi, e.message.msg) for e in resent] == [(supis[1], "authentication_request")]
    assert twin.next_deadline() == 8.0
