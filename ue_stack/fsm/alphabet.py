"""5GBaseChecker's NAS alphabet (docs/fsm.md) and its mapper: each abstract input made a
concrete trace record with the protection of docs/protection.md, each uplink made an abstract
output (docs/fsm.md "The input mapping" gives the reason for every choice).

The mapper plays the network, as a learner's mapper does (5GBaseChecker drives the
device from a modified core network): ``Network`` is what it remembers between inputs —
the challenges drawn, the 5G NAS security context it shares with the UE (created when
the UE answered a challenge, taken into use when the UE completed a SECURITY MODE
COMMAND), its next downlink NAS COUNT and the last SMC, for replay. It protects with that
context; whether the UE's integrity check succeeds depends on the UE holding the same
KAMF, which is what ``mac`` records (a trace records the check's result, not the
octets). One place, ``MAC_WITHOUT_SHARED_KEYS``, says what a message protected without
keys the UE shares gives: a MAC that fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from ..crypto import aka
from ..crypto.secret import fp

# the test subscriber (TS 35.208 test set 1) and serving network the explorer uses too
from ..explore.alphabet import GUTI, NGKSI_VALUES, OPC, SNN, K
from ..nas.context import NasSecurityContext, SecurityContexts

NAME = "5gbasechecker"
FIRST_SQN = 0x20
NIA2 = NEA2 = 2
MAC_WITHOUT_SHARED_KEYS = "failed"

# docs/fsm.md: the alphabet's NAS inputs, in its order (the DOT lists them so)
INPUTS: tuple[str, ...] = (
    "enable_s1",
    "id_request_plain_text",
    "auth_request_plain_text",
    "nas_sm_cmd",
    "nas_sm_cmd_protected",
    "nas_sm_cmd_replay",
    "nas_sm_cmd_ns",
    "nas_sm_cmd_ns_plain_text",
    "registration_accept_protected",
    "registration_accept_plain_text",
    "config_update_cmd_protected",
    "config_update_cmd_plain_text",
    "config_update_cmd_replay",
    "deregistration_req_protected",
    "deregistration_req_plain_text",
)
NULL_ACTION = "null_action"
# The model's uplinks as the alphabet names them. An uplink outside the alphabet keeps
# the model's name (``status`` -> ``5gmm_status``): an extension, never a silent drop.
OUTPUTS: dict[str, str] = {
    "registration_request": "registration_request",
    "identity_response": "id_response",
    "authentication_response": "auth_response",
    "security_mode_complete": "nas_sm_complete",
    "security_mode_reject": "nas_sm_reject",
    "registration_complete": "registration_complete",
    "configuration_update_complete": "config_update_complete",
    "deregistration_accept": "deregistration_accept",
    "status": "5gmm_status",
    "authentication_failure": "auth_failure",
}
OUTPUT_JOIN = "+"  # two uplinks for one input (never seen over this alphabet so far)


def output_of(uplinks: list[str]) -> str:
    """The abstract output of the model's uplinks (message names) for one input."""
    if not uplinks:
        return NULL_ACTION
    return OUTPUT_JOIN.join(OUTPUTS.get(m, m) for m in uplinks)


@dataclass(frozen=True)
class Shared:
    """A 5G NAS security context as the network holds it: its ngKSI and which KAMF."""

    ngksi: int
    kamf: str  # fingerprint of KAMF (never the key)


@dataclass(frozen=True)
class Replayable:
    """A protected downlink the UE accepted, as an attacker recorded it."""

    record: tuple[tuple[str, Any], ...]
    protected_with: Shared


@dataclass(frozen=True)
class Network:
    """What the mapper (the network) remembers between inputs."""

    challenges: int = 0  # fresh RANDs drawn (names the next one; SQN follows)
    next_ngksi: int = 0
    partial: Shared | None = None  # the UE answered this challenge: RES* verified
    current: Shared | None = None  # the UE completed an SMC for it
    dl_next: int = 0  # next downlink NAS COUNT in ``current``
    # the last SMC the UE completed, and the last protected CONFIGURATION UPDATE COMMAND
    # sent, with the context that protected them: what an attacker can replay
    last_smc: Replayable | None = None
    last_cuc: Replayable | None = None
    # The UE opened an N1 signalling connection (enable_s1) and has not left it for
    # 5GMM-DEREGISTERED or 5GMM-NULL since: downlinks can reach it
    connected: bool = False


def _rand(n: int) -> bytes:
    return hashlib.sha256(b"ue-stack fsm rand %d" % n).digest()[:16]


def _kamf_fp(ctx: NasSecurityContext | None) -> str | None:
    return None if ctx is None or ctx.k_amf is None else fp(ctx.k_amf)


def _mac(net_ctx: Shared | None, ue_ctx: NasSecurityContext | None) -> str:
    """The UE's integrity check of a message the network protected with ``net_ctx``:
    it succeeds exactly when the UE checks with the same KAMF."""
    if net_ctx is not None and net_ctx.kamf == _kamf_fp(ue_ctx):
        return "verified"
    return MAC_WITHOUT_SHARED_KEYS


def _named(contexts: SecurityContexts, ngksi: int) -> NasSecurityContext | None:
    for ctx in (contexts.partial, contexts.current):
        if ctx is not None and ctx.ngksi == ngksi:
            return ctx
    return None


def _smc(net: Network, contexts: SecurityContexts, *, nia: int, nea: int) -> dict[str, Any]:
    """The SMC the network sends: for the context of the challenge the UE answered last
    (a new context: NAS COUNT 0), else for the context in use (its next COUNT), else —
    no context at all — for the next ngKSI, made without keys the UE shares."""
    target, count = (net.partial, 0) if net.partial is not None else (net.current, net.dl_next)
    ngksi = target.ngksi if target is not None else net.next_ngksi
    return {"kind": "dl", "msg": "security_mode_command", "ngksi": ngksi, "nea": nea,
            "nia": nia, "sht": 3, "mac": _mac(target, _named(contexts, ngksi)),
            "count": count if target is not None else 0}


def _protected(net: Network, contexts: SecurityContexts, fields: dict[str, Any],
               count: int | None = None) -> dict[str, Any]:
    """``fields`` integrity protected and ciphered (sht 2) with the context in use at its
    next downlink COUNT (or ``count``: a replay)."""
    return {"kind": "dl", **fields, "sht": 2, "mac": _mac(net.current, contexts.current),
            "count": net.dl_next if count is None else count}


def _replay(recorded: Replayable | None, contexts: SecurityContexts,
            forged: dict[str, Any]) -> dict[str, Any]:
    """A replay of a protected downlink the UE accepted: the same message, protection and
    NAS COUNT. With none recorded yet the attacker sends ``forged``, its own, made
    without the keys."""
    if recorded is None:
        return forged
    record = dict(recorded.record)
    ctx = (_named(contexts, record["ngksi"]) if record["msg"] == "security_mode_command"
           else contexts.current)
    return {**record, "mac": _mac(recorded.protected_with, ctx)}


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "dl", **fields, "sht": 0}


REGISTRATION_ACCEPT = {"msg": "registration_accept", "guti": GUTI}
# No acknowledgement asked and no new 5G-GUTI: 5GBaseChecker's property (line 43) expects
# no answer to it (docs/protection.md uses the same downlink)
CONFIGURATION_UPDATE = {"msg": "configuration_update_command"}
# Network-initiated deregistration, re-registration not required, no cause (5.5.2.3.2)
DEREGISTRATION = {"msg": "deregistration_request", "switch_off": False,
                  "re_registration_required": False}


def concrete(name: str, net: Network, contexts: SecurityContexts) -> dict[str, Any]:
    """The trace record (``ue`` or ``dl``, without ``t``) that abstract input ``name``
    is, given what the network remembers and the contexts the UE checks with."""
    if name == "enable_s1":
        return {"kind": "ue", "op": "register"}
    if name == "id_request_plain_text":
        return _plain({"msg": "identity_request", "identity_type": 1})
    if name == "auth_request_plain_text":
        rand = _rand(net.challenges)
        sqn = FIRST_SQN + net.challenges + 1
        autn = aka.aka_chain(K, OPC, rand, sqn.to_bytes(6, "big"), b"\x80\x00", SNN).autn
        return _plain({"msg": "authentication_request", "ngksi": net.next_ngksi,
                       "abba": "0000", "rand": rand.hex(), "autn": autn.hex()})
    if name == "nas_sm_cmd":
        return _smc(net, contexts, nia=NIA2, nea=NEA2)
    if name == "nas_sm_cmd_ns":
        # 5G-IA0 has no MAC to check (its MAC field is zero, TS 33.501 D.1)
        return {**_smc(net, contexts, nia=0, nea=0), "mac": "unchecked"}
    if name == "nas_sm_cmd_ns_plain_text":
        smc = _smc(net, contexts, nia=0, nea=0)
        return {k: v for k, v in smc.items() if k not in ("mac", "count")} | {"sht": 0}
    if name == "nas_sm_cmd_protected":
        # the SMC sent like any other message of the context in use: sht 2, not 3
        fields = {k: v for k, v in _smc(net, contexts, nia=NIA2, nea=NEA2).items()
                  if k in ("msg", "ngksi", "nea", "nia")}
        return _protected(net, contexts, fields)
    if name == "nas_sm_cmd_replay":
        return _replay(net.last_smc, contexts, _smc(
            Network(next_ngksi=net.next_ngksi), contexts, nia=NIA2, nea=NEA2))
    if name == "registration_accept_protected":
        return _protected(net, contexts, REGISTRATION_ACCEPT)
    if name == "registration_accept_plain_text":
        return _plain(REGISTRATION_ACCEPT)
    if name == "config_update_cmd_protected":
        return _protected(net, contexts, CONFIGURATION_UPDATE)
    if name == "config_update_cmd_plain_text":
        return _plain(CONFIGURATION_UPDATE)
    if name == "config_update_cmd_replay":
        forged = {**_protected(Network(), contexts, CONFIGURATION_UPDATE), "count": 0}
        return _replay(net.last_cuc, contexts, forged)
    if name == "deregistration_req_protected":
        return _protected(net, contexts, DEREGISTRATION)
    if name == "deregistration_req_plain_text":
        return _plain(DEREGISTRATION)
    raise KeyError(name)


def after(name: str, net: Network, record: dict[str, Any], output: str,
          contexts: SecurityContexts, deregistered: bool) -> Network:
    """What the network remembers once the UE answered ``record`` with ``output``
    (``deregistered``: the UE is now in 5GMM-DEREGISTERED or 5GMM-NULL)."""
    if output.startswith("registration_request"):
        net = replace(net, connected=True)
    elif deregistered:
        net = replace(net, connected=False)  # the network releases the N1 connection
    if name == "auth_request_plain_text":
        net = replace(net, challenges=net.challenges + 1,
                      next_ngksi=(net.next_ngksi + 1) % NGKSI_VALUES)
        partial = contexts.partial
        if output == "auth_response" and partial is not None:
            kamf = _kamf_fp(partial)
            assert kamf is not None  # a context from a challenge has its KAMF
            net = replace(net, partial=Shared(record["ngksi"], kamf))
        return net
    if name in ("nas_sm_cmd", "nas_sm_cmd_ns") and output == "nas_sm_complete":
        taken = net.partial if net.partial is not None else net.current
        assert taken is not None
        return replace(net, partial=None, current=taken, dl_next=record["count"] + 1,
                       last_smc=Replayable(tuple(record.items()), taken), last_cuc=None)
    # a message protected with the context in use at its next COUNT: that COUNT is used
    # (an SMC for the context of a new challenge starts that context's counts instead)
    with_current = record.get("sht") == 2 or (
        record.get("sht") == 3 and net.partial is None and name != "nas_sm_cmd_replay")
    current = net.current
    if with_current and current is not None and record.get("count") == net.dl_next:
        net = replace(net, dl_next=net.dl_next + 1)  # a fresh COUNT used
        if name == "config_update_cmd_protected":  # on the air: an attacker records it
            net = replace(net, last_cuc=Replayable(tuple(record.items()), current))
    return net
