"""The explorer's input alphabet (issue 17): every move is one trace record, so the path
to any state *is* a trace that ``ue-stack replay`` runs.

The explorer plays the network on N1 itself, at the level of a trace's ``dl`` records:
it keeps what a network remembers between its moves (``NetView``: the next SQN and
ngKSI, the last challenge, what it has sent) and builds each challenge with
``crypto.aka.aka_chain`` from the test subscriber's K/OPc, as the UDM/ARPF would. The
AUSF/AAnF/AF behind it are replay's shadow network, which follows the model's uplink.

Moves:
- network: a fresh challenge, the last challenge retransmitted, a challenge with a stale
  SQN or a bad MAC, SMC with 128-NIA2 or 5G-IA0, REGISTRATION ACCEPT, REGISTRATION REJECT,
  network DEREGISTRATION REQUEST and SERVICE REJECT with a cause for each state their
  cause tables end in, SERVICE ACCEPT, CONFIGURATION UPDATE COMMAND, AAnF context
  removal;
- attacker on N1 (``--attacker``): drop a network move's downlink (it never reaches the
  UE, written as an ``x-note``), replay a downlink sent earlier. ``forge`` adds what an
  attacker without the keys can send (TS 24.501 4.4.4.2, 4.4.3.1; the moves of
  ``forged_moves``): a network message injected plain (``sht`` 0), with a MAC that fails, and a
  protected downlink of the context replayed with its first NAS COUNT (the SMC: 0, else
  1) — its MAC good, since the network made it. It forges no RES*. Uplinks are not
  dropped: replay's shadow network follows the model's uplink, so
  a lost uplink cannot be written as a trace (a lost AUTHENTICATION RESPONSE looks to
  the UE like a lost SMC, which ``drop`` covers);
- the UE: power on/off, USIM removal/insertion, registration, mobility and periodic
  updates, deregistration (switch-off too), release, service request, lower-layer
  failure, and each running timer expiring (``ue advance`` to its deadline);
- each application's KAF request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..crypto import aka, akma, serving_network_name
from ..crypto.secret import fp
from ..nas.states import TRANSITIONS

SUPI = "001010000000001"
K = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")  # TS 35.208 test set 1
OPC = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
MCC, MNC = "001", "01"
SNN = serving_network_name(MCC, MNC)
GUTI = "00f110010040000000a1"
UA_TLS = "0100000007"  # Ua* shared-key TLS 1.3 (TS 33.220 Annex H)
APPS = ("mail",)
STEP = 0.1  # model seconds between moves: far below every timer, so none fires unasked
ATTACKERS = ("none", "drop", "drop+replay", "forge")
NGKSI_VALUES = 7  # ngKSI 0..6 (TS 24.501 9.11.3.32)
# One REGISTRATION REJECT cause per state a row of the cause tables ends in
# (nas/registration.py INITIAL_REJECT, UPDATE_REJECT): USIM invalid, UE identity not
# derived (update: initial registration), PLMN not allowed, TA not allowed, roaming not
# allowed in the TA, no suitable cells, no network slices
REGISTRATION_REJECT_CAUSES = (3, 9, 11, 12, 13, 15, 62)
# (re-registration required, cause) of a network DEREGISTRATION REQUEST: one per state a
# row of nas/deregistration.py ends in; #12 during an update is the 5.5.1.3.7 g collision
NETWORK_DEREGISTRATION: tuple[tuple[bool, int | None], ...] = (
    (False, 3), (True, None), (False, 11), (False, 12), (False, 62))
# SERVICE REJECT causes, one per state a row of nas/service_request.py ends in (#22 with a
# T3346 value, so it is a row and not the abnormal case)
SERVICE_REJECT_CAUSES = (3, 9, 11, 12, 13, 15, 22)
T3346_VALUE = 60


def header(app_mode: str, akma_defer: bool, title: str, expect: dict[str, Any] | None = None,
           ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "header", "format": "ue-stack/trace", "version": 1, "title": title,
        "source": "ue-stack explore: a shortest path of the bounded exploration",
        "ue": {"supi": SUPI, "k": K.hex(), "opc": OPC.hex()},
        "serving_plmn": {"mcc": MCC, "mnc": MNC},
        "options": {"app_mode": app_mode, "akma_defer": akma_defer}}
    if expect is not None:
        out["expect"] = expect
    return out


def kakma_fp(k_ausf: bytes) -> str:
    """The generation of a KAUSF as both sides can name it: its KAKMA's fingerprint."""
    return fp(akma.k_akma(k_ausf, SUPI))


@dataclass(frozen=True)
class NetView:
    """What the network remembers between its moves (never RAND bytes in the state key:
    ``key()`` keeps only what changes what can happen next)."""

    challenges: int = 0  # fresh RANDs drawn so far (names the next one)
    sqn: int = 0x20  # the UDM's SQN, incremented per fresh challenge
    next_ngksi: int = 0
    last: tuple[tuple[str, Any], ...] | None = None  # last challenge's dl fields
    last_gen: str | None = None  # its KAKMA fingerprint (None: not a valid challenge)
    sent: tuple[tuple[tuple[str, Any], ...], ...] = ()  # distinct dl records sent

    def key(self, gen: Any, attacker: str) -> tuple[Any, ...]:
        return (self.next_ngksi, self.last is not None and dict(self.last)["ngksi"],
                gen(self.last_gen), len(self.sent) if attacker == "drop+replay" else None)


@dataclass(frozen=True)
class Move:
    """One input: the record it writes (None for a dropped downlink) and its note."""

    name: str
    record: dict[str, Any] | None
    note: str
    net: NetView = field(default_factory=NetView)


def _rand(n: int) -> bytes:
    return hashlib.sha256(b"ue-stack explore rand %d" % n).digest()[:16]


def _challenge(net: NetView, *, sqn: int, bad_mac: bool = False) -> tuple[dict[str, Any], NetView,
                                                                          str | None]:
    rand = _rand(net.challenges)
    chain = aka.aka_chain(K, OPC, rand, sqn.to_bytes(6, "big"), b"\x80\x00", SNN)
    autn = chain.autn
    if bad_mac:
        autn = autn[:-1] + bytes((autn[-1] ^ 0x01,))
    fields = {"msg": "authentication_request", "ngksi": net.next_ngksi, "abba": "0000",
              "rand": rand.hex(), "autn": autn.hex()}
    after = replace(net, challenges=net.challenges + 1,
                    next_ngksi=(net.next_ngksi + 1) % NGKSI_VALUES)
    return fields, after, None if bad_mac else kakma_fp(chain.k_ausf)


def _dl(fields: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "dl", **fields}


def network_moves(net: NetView) -> Iterator[tuple[str, dict[str, Any], str, NetView]]:
    """(name, dl fields or a net record, note, network after) for every network move."""
    fields, after, gen = _challenge(net, sqn=net.sqn + 1)
    yield ("challenge", _dl(fields), "network: fresh 5G AKA challenge",
           replace(after, sqn=net.sqn + 1, last=tuple(fields.items()), last_gen=gen))
    if net.last is not None:
        yield ("challenge-again", _dl(dict(net.last)),
               "network: the last challenge retransmitted (same RAND, AUTN, ngKSI)", net)
    fields, after, _ = _challenge(net, sqn=0)
    yield ("challenge-stale-sqn", _dl(fields),
           "network: challenge with a stale SQN (valid MAC)", after)
    fields, after, _ = _challenge(net, sqn=net.sqn + 1, bad_mac=True)
    yield ("challenge-bad-mac", _dl(fields), "network: challenge whose MAC fails", after)
    ngksi = dict(net.last)["ngksi"] if net.last is not None else 0
    for nia in (2, 0):
        yield (f"smc-nia{nia}", _dl({"msg": "security_mode_command", "ngksi": ngksi,
                                      "nea": 2 if nia else 0, "nia": nia}),
               f"network: SECURITY MODE COMMAND for ngKSI {ngksi} selecting "
               f"{'128-NIA2' if nia else '5G-IA0'}", net)
    yield ("authentication-reject", _dl({"msg": "authentication_reject"}),
           "network: AUTHENTICATION REJECT", net)
    yield ("authentication-result-eap-failure",
           _dl({"msg": "authentication_result", "ngksi": ngksi, "eap": "failure"}),
           "network: AUTHENTICATION RESULT with EAP-Failure", net)
    yield ("identity-request", _dl({"msg": "identity_request", "identity_type": 1}),
           "network: IDENTITY REQUEST for the SUCI", net)
    yield ("deregistration-accept", _dl({"msg": "deregistration_accept"}),
           "network: DEREGISTRATION ACCEPT", net)
    yield ("registration-accept", _dl({"msg": "registration_accept", "guti": GUTI}),
           "network: REGISTRATION ACCEPT with a 5G-GUTI", net)
    for cause in REGISTRATION_REJECT_CAUSES:
        yield (f"registration-reject-{cause}",
               _dl({"msg": "registration_reject", "cause": cause}),
               f"network: REGISTRATION REJECT #{cause}", net)
    for again, dereg_cause in NETWORK_DEREGISTRATION:
        dereg: dict[str, Any] = {"msg": "deregistration_request", "switch_off": False,
                                 "re_registration_required": again}
        if dereg_cause is not None:
            dereg["cause"] = dereg_cause
        yield (f"network-deregistration-{'again' if again else dereg_cause}", _dl(dereg),
               "network: DEREGISTRATION REQUEST, re-registration "
               f"{'required' if again else f'not required, #{dereg_cause}'}", net)
    yield ("service-accept", _dl({"msg": "service_accept"}), "network: SERVICE ACCEPT", net)
    for cause in SERVICE_REJECT_CAUSES:
        reject: dict[str, Any] = {"msg": "service_reject", "cause": cause}
        if cause == 22:
            reject["t3346"] = T3346_VALUE
        yield (f"service-reject-{cause}", _dl(reject),
               f"network: SERVICE REJECT #{cause}", net)
    yield ("configuration-update", _dl({"msg": "configuration_update_command", "guti": GUTI}),
           "network: CONFIGURATION UPDATE COMMAND with a 5G-GUTI", net)
    yield ("aanf-context-remove", {"kind": "net", "op": "aanf_context_remove"},
           "network: the AAnF removes the UE's AKMA context (Naanf_AKMA_Context_Remove)", net)


# The attacker's forgeries (``--attacker forge``): the network moves worth sending without
# keys — what 4.4.4.2 lets through before secure exchange and what it must stop after it
# (5GBaseChecker's NAS inputs: plain AUTHENTICATION/IDENTITY REQUEST, REGISTRATION ACCEPT,
# DEREGISTRATION REQUEST; the SMC without integrity or replayed).
FORGED_PLAIN = ("challenge", "identity-request", "registration-accept", "authentication-reject",
                "registration-reject-3", "network-deregistration-3", "smc-nia2")
FORGED_BAD_MAC = ("smc-nia2", "registration-accept", "network-deregistration-3")
REPLAYED_PROTECTED = ("smc-nia2", "registration-accept")


def forged_moves(net: NetView) -> Iterator[tuple[Move, float | None]]:
    """The attacker's injected downlinks; the network never learns of them (``net``)."""
    by_name = {name: record for name, record, _, _ in network_moves(net)}
    for name in (n for n in FORGED_PLAIN if n in by_name):
        yield Move(f"inject-plain-{name}", {**by_name[name], "sht": 0},
                   f"attacker: injects {by_name[name]['msg']} plain", net), None
    for name in (n for n in FORGED_BAD_MAC if n in by_name):
        smc = by_name[name]["msg"] == "security_mode_command"
        yield Move(f"inject-bad-mac-{name}",
                   {**by_name[name], "sht": 3 if smc else 2, "mac": "failed"},
                   f"attacker: injects {by_name[name]['msg']} with a MAC that fails", net), None
    for name in (n for n in REPLAYED_PROTECTED if n in by_name):
        smc = by_name[name]["msg"] == "security_mode_command"
        yield Move(f"replay-protected-{name}",
                   {**by_name[name], "sht": 3 if smc else 2, "mac": "verified",
                    "count": 0 if smc else 1},
                   f"attacker: replays the context's protected {by_name[name]['msg']} "
                   f"(NAS COUNT {0 if smc else 1})", net), None


UE_OPS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("power_on", "power_on", {}, "UE: switched on"),
    ("power_off", "power_off", {}, "UE: switched off without signalling"),
    ("usim_removed", "usim_removed", {}, "UE: USIM removed"),
    ("usim_inserted", "usim_inserted", {}, "UE: the USIM put back (read anew)"),
    ("register", "register", {}, "UE: starts initial registration"),
    ("register-mobility", "mobility_update", {},
     "UE: enters a TA outside its list: mobility registration update"),
    ("register-periodic", "periodic_update", {}, "UE: periodic registration update"),
    ("release", "release", {}, "UE: the N1 signalling connection is released (5GMM-IDLE)"),
    ("service-request", "service_request", {}, "UE: uplink data pending: SERVICE REQUEST"),
    ("deregister", "deregister", {}, "UE: starts deregistration"),
    ("deregister-switch-off", "deregister", {"switch_off": True},
     "UE: switch-off deregistration"),
    ("lower_layer_failure", "lower_layer_failure", {},
     "UE: the N1 connection is released (lower-layer failure)"),
)

# Moves a UE or a conforming network makes only where the 5GMM table has the trigger
# they fire (``nas.states.TRANSITIONS``): elsewhere the input is illegal, the NAS answers
# it as TS 24.501 says and nothing changes, so the move is not explored. The attacker's
# replays are never filtered.
LEGAL_IN: dict[str, tuple[str, ...]] = {
    "power_off": ("switch_off",),
    "register": ("initial_registration_started",),
    "register-mobility": ("registration_update_started",),
    "register-periodic": ("registration_update_started",),
    "release": ("n1_released",),
    "service-request": ("service_request_started",),
    "service-accept": ("service_request_completed",),
    **{f"service-reject-{c}": ("service_rejected_no_supi",) for c in SERVICE_REJECT_CAUSES},
    "configuration-update": ("configuration_update_command",),
    "deregister": ("deregistration_started",),
    "deregister-switch-off": ("switch_off_deregistration",),
    "lower_layer_failure": ("n1_released",),
    "registration-accept": ("registration_accepted",),
    "deregistration-accept": ("deregistration_accepted",),
    **{f"registration-reject-{c}": ("registration_rejected_no_supi",)
       for c in REGISTRATION_REJECT_CAUSES},
    **{f"network-deregistration-{'again' if again else c}": ("network_deregistration",)
       for again, c in NETWORK_DEREGISTRATION},
}
_SOURCES: dict[str, set[str]] = {}
for _trigger, _source, _dest in TRANSITIONS:
    for _state in (_source if isinstance(_source, list | tuple | frozenset) else (_source,)):
        _SOURCES.setdefault(_trigger, set()).add(_state.value)


def legal(name: str, state: str) -> bool:
    return any(state in _SOURCES[t] for t in LEGAL_IN.get(name, ())) or name not in LEGAL_IN


def moves(net: NetView, attacker: str, state: str,
          timers: tuple[tuple[str, float], ...]) -> Iterator[tuple[Move, float | None]]:
    """Every move from a state (``state``: the 5GMM state's TS 24.501 name), with the
    time it needs (None: the next ``STEP``)."""
    powered = state != "5GMM-NULL"
    for name, op, fields, note in UE_OPS:
        if legal(name, state):
            yield Move(name, {"kind": "ue", "op": op, **fields}, note, net), None
    if timers:  # time passes to the next expiry; a later timer is reached by repeating
        name, deadline = min(timers, key=lambda nd: (nd[1], nd[0]))
        yield Move(f"expire-{name}", {"kind": "ue", "op": "advance"},
                   f"UE: time runs to {name}'s expiry", net), deadline
    for app in APPS:
        yield Move(f"kaf-{app}", {"kind": "app", "op": "kaf_request", "app": app,
                                  "af_fqdn": "af.example.com", "ua_id": UA_TLS},
                   f"app {app}: needs a KAF", net), None
    if not powered:
        return  # docs/trace-format.md: no dl before power-on, and the network waits for the UE
    for name, record, note, after in network_moves(net):
        if not legal(name, state):
            continue
        is_dl = record["kind"] == "dl"
        sent = after.sent
        if is_dl and tuple(record.items()) not in sent:
            sent = (*sent, tuple(record.items()))
        yield Move(name, record, note, replace(after, sent=sent)), None
        if is_dl and attacker != "none":
            yield Move(f"drop-{name}", None, f"attacker: drops it on N1 ({note})",
                       replace(after, sent=after.sent)), None
    if attacker == "forge":
        yield from forged_moves(net)
    if attacker in ("drop+replay", "forge"):
        for i, sent_record in enumerate(net.sent):
            record = dict(sent_record)
            yield Move(f"replay-{i}", record,
                       f"attacker: replays an earlier downlink ({record['msg']})", net), None
