"""The 5GMM state machine (TS 24.501 5.1.3.2) and the network boundary of the core:
illegal network input is answered, never raised (TS 24.501 7; docs/invariants.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from nas_harness import Ue, auth_request, notes, smc, states, uplink

from ue_stack.events import StateChanged
from ue_stack.nas import mm
from ue_stack.nas.messages import nas
from ue_stack.nas.states import ALLOWED_STATE_CHANGES, TRANSITIONS, MmState

S = MmState


def test_state_values_are_ts_24_501_spellings():
    """TS 24.501 5.1.3.2.1: main states, and substates after a dot."""
    for state in MmState:
        assert state.value.startswith("5GMM-"), state
    assert S.DEREGISTERED_NO_SUPI.value == "5GMM-DEREGISTERED.NO-SUPI"
    assert S.REGISTERED_NORMAL_SERVICE.value == "5GMM-REGISTERED.NORMAL-SERVICE"


def test_every_state_is_reachable_in_the_table():
    """Every state of the enum is the destination of some transition (or initial)."""
    reached = {S.NULL} | {dest for _t, _s, dest in TRANSITIONS if dest is not None}
    assert reached == set(MmState)


def test_allowed_state_changes_are_derived_from_the_table():
    """NAS-2 reads ALLOWED_STATE_CHANGES: key moves present, no self-loops, and nothing
    the table does not say (e.g. NULL -> REGISTERED)."""
    assert (S.REGISTERED_INITIATED.value, S.REGISTERED_NORMAL_SERVICE.value) in (
        ALLOWED_STATE_CHANGES
    )
    assert (S.REGISTERED_NORMAL_SERVICE.value, S.DEREGISTERED_NO_SUPI.value) in (
        ALLOWED_STATE_CHANGES
    )
    assert (S.NULL.value, S.REGISTERED_NORMAL_SERVICE.value) not in ALLOWED_STATE_CHANGES
    assert all(a != b for a, b in ALLOWED_STATE_CHANGES)


def test_every_state_change_the_core_emits_is_allowed():
    """NAS-2 over a run through registration, re-authentication, failures, USIM removal
    and switch-off."""
    ue = Ue()
    events = []
    ue.registered()
    ue.nas.register(ue.tick(), "mobility")
    ue.authenticate(ngksi=1)
    ue.dl(smc(ngksi=1))
    ue.dl(nas("registration_accept"))
    ue.nas.deregister(ue.tick())
    events += ue.advance(100.0)
    ue.nas.register(ue.tick())
    ue.dl(nas("authentication_reject"))
    ue.nas.power_off(ue.tick())
    ue.nas.power_on(ue.tick())
    ue.nas.usim_removed(ue.tick())
    events += ue.drain()
    moves = states(events)
    assert moves and set(moves) <= ALLOWED_STATE_CHANGES


def test_a_message_illegal_in_the_state_is_answered_with_5gmm_status_98():
    """TS 24.501 7.4 / docs/invariants.md: REGISTRATION ACCEPT while REGISTERED is not
    compatible with the protocol state -> 5GMM STATUS #98, noted; the run goes on."""
    ue = Ue()
    ue.registered()
    out = ue.dl(nas("registration_accept"))
    assert uplink(out) == [nas("status", cause=98)]
    assert "message not compatible with the protocol state" in notes(out)
    assert not any(isinstance(e, StateChanged) for e in out)
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE


def test_authentication_request_without_a_usable_usim_is_answered_98():
    """After AUTHENTICATION REJECT (NO-SUPI) a challenge cannot be run: #98."""
    ue = Ue()
    ue.registered()
    ue.dl(nas("authentication_reject"))
    out = ue.dl(auth_request(ue.net.challenge(), ngksi=1))
    assert uplink(out) == [nas("status", cause=98)]


def test_a_malformed_mandatory_field_is_answered_with_5gmm_status_96():
    """TS 24.501 7.5: invalid mandatory information -> #96, nothing else happens."""
    ue = Ue()
    ue.registered()
    out = ue.dl(nas("authentication_request", ngksi=1, rand=bytes(16)))  # no AUTN
    assert uplink(out) == [nas("status", cause=96)]


def test_a_downlink_message_while_switched_off_is_noted_and_not_answered():
    """docs/trace-format.md: no N1 connection exists in 5GMM-NULL."""
    ue = Ue()
    out = ue.dl(nas("registration_accept"))
    assert uplink(out) == []
    assert notes(out) == ["downlink message while switched off: no N1 connection"]


def test_messages_the_model_does_not_implement_are_passed_through_with_a_note():
    """docs/trace-format.md: a 5GSM or unknown message is passed through, not rejected; a 5GMM
    STATUS from the network changes nothing (TS 24.501 5.4.6.3)."""
    ue = Ue()
    ue.registered()
    out = ue.dl(nas("pdu_session_establishment_accept"))
    assert uplink(out) == [] and "message not modelled: passed through" in notes(out)
    out = ue.dl(nas("status", cause=111))
    assert uplink(out) == [] and "5GMM STATUS received" in notes(out)
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE


def test_the_core_imports_no_asyncio_and_never_logs():
    """README.md "How it is built": sans-I/O cores have no asyncio, logging or clock."""
    nas_dir = Path(mm.__file__).parent
    for path in sorted(nas_dir.glob("*.py")):  # every procedure module, core and table
        name = path.name
        tree = ast.parse(path.read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
        assert not imported & {"asyncio", "logging", "structlog", "time"}, name


def test_no_key_material_in_the_reprs_of_the_core():
    """docs/exchange-log.md / SEC-1: USIM, contexts and KAUSF store print no keys."""
    ue = Ue()
    chain = ue.registered()
    text = " ".join(repr(x) for x in (ue.usim, ue.nas.contexts, ue.nas.kausf))
    text += repr(ue.nas.contexts.current)
    for secret in (chain.k_ausf, chain.k_seaf, ue.nas.contexts.current.k_amf):
        assert secret.hex() not in text and repr(bytes(secret)) not in text


def test_every_trigger_that_ends_an_akma_deferral_is_in_the_one_table():
    """docs/behaviour.md "Order within one input": the deferral ends by rule, from triggers of
    the transition table — a name outside it would silently never end one."""
    from ue_stack.nas.states import ENDS_AKMA_DEFERRAL

    assert {trigger for trigger, _source, _dest in TRANSITIONS} >= ENDS_AKMA_DEFERRAL
