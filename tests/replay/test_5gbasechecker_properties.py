"""The published NAS properties of 5GBaseChecker (Tu et al., "Logic Gone Astray: A Security
Analysis Framework for the Control Plane Protocols of 5G Basebands", USENIX Security 2024;
repository SyNSec-den/5GBaseChecker, file DevLyzer/attack_trace_checker/ltl_properties.txt,
commit 245f277), each as a named test of the model. The file is AGPL: what each property
says is restated here in our own words, and cited by its line number in that file.

Each property speaks of abstract inputs (downlinks, named by how they are protected) and
outputs (the UE's answer, or `null_action`: none) in some phase of a registration. Here a
phase is a trace prefix (PHASES), an abstract input is one concrete `dl` record (INPUTS,
docs/protection.md has the table), and the output is the model's uplink(s) in reply
(`null` when there is none: a discarded message). The RRC properties are out of scope.
Two NAS properties are not adopted, each for the clause it conflicts with (NOT_ADOPTED);
their tests pin what the model does instead.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.crypto import aka, serving_network_name

K = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")  # TS 35.208 test set 1
OPC = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
SNN = serving_network_name("001", "01")
HEADER = {"kind": "header", "format": "ue-stack/trace", "version": 1,
          "ue": {"supi": "001010000000001", "k": K.hex(), "opc": OPC.hex()},
          "serving_plmn": {"mcc": "001", "mnc": "01"}}
GUTI = "00f110010040000000a1"
SOURCE = ("5GBaseChecker DevLyzer/attack_trace_checker/ltl_properties.txt "
          "(SyNSec-den/5GBaseChecker@245f277)")


def _challenge(sqn: int, rand: bytes, ngksi: int) -> dict:
    chain = aka.aka_chain(K, OPC, rand, sqn.to_bytes(6, "big"), b"\x80\x00", SNN)
    return {"msg": "authentication_request", "ngksi": ngksi, "abba": "0000",
            "rand": rand.hex(), "autn": chain.autn.hex()}


FIRST = _challenge(0x21, bytes(range(16)), 0)
FRESH = _challenge(0x42, bytes(range(16, 32)), 1)  # a later challenge, fresh SQN
SMC = {"msg": "security_mode_command", "ngksi": 0, "nea": 2, "nia": 2}

# The phases of the properties, as trace prefixes (every dl record protected as the spec
# says: the v1 default), each with the NAS COUNT the network's next protected downlink takes.
START = [{"kind": "ue", "op": "power_on"}, {"kind": "ue", "op": "register"}]
PHASES: dict[str, tuple[list[dict], int]] = {
    # REGISTRATION REQUEST sent, no SECURITY MODE COMPLETE yet
    "registration_requested": (START, 0),
    # AUTHENTICATION RESPONSE sent (the SMC to come takes the partial context into use)
    "authenticated": ([*START, {"kind": "dl", **FIRST}], 0),
    # SECURITY MODE COMPLETE sent, REGISTRATION COMPLETE not (yet)
    "security_mode_completed": ([*START, {"kind": "dl", **FIRST}, {"kind": "dl", **SMC}], 1),
    # REGISTRATION COMPLETE sent: registered
    "registered": ([*START, {"kind": "dl", **FIRST}, {"kind": "dl", **SMC},
                    {"kind": "dl", "msg": "registration_accept", "guti": GUTI}], 2),
}


def INPUTS(count: int) -> dict[str, dict]:
    """Each abstract input of the file as the concrete downlink that stands for it, with
    ``count`` the next downlink NAS COUNT of the context in use."""
    protected = {"sht": 2, "mac": "verified", "count": count}
    return {
        "deregistration_req_protected": {"msg": "deregistration_request", "switch_off": False,
                                         **protected},
        "deregistration_req_plain_text": {"msg": "deregistration_request",
                                          "switch_off": False, "sht": 0},
        "id_request_plain_text": {"msg": "identity_request", "identity_type": 1, "sht": 0},
        "auth_request_plain_text": {**FRESH, "sht": 0},
        # the SMC of the run: type 3 with the context it names, COUNT 0 of that context
        "nas_sm_cmd": {**SMC, "sht": 3, "mac": "verified", "count": 0},
        # an SMC sent like any protected message (type 2), not with type 3
        "nas_sm_cmd_protected": {**SMC, **protected},
        # the accepted SMC again: same header, same COUNT
        "nas_sm_cmd_replay": {**SMC, "sht": 3, "mac": "verified", "count": 0},
        # null security: 5G-IA0/5G-EA0 selected (the MAC field carries no MAC)
        "nas_sm_cmd_ns": {**SMC, "nea": 0, "nia": 0, "sht": 3, "mac": "unchecked", "count": 0},
        "nas_sm_cmd_ns_plain_text": {**SMC, "nea": 0, "nia": 0, "sht": 0},
        "registration_accept_protected": {"msg": "registration_accept", "guti": GUTI,
                                          **protected},
        "registration_accept_plain_text": {"msg": "registration_accept", "guti": GUTI,
                                           "sht": 0},
        # header type 4 on a message whose protection does not check out
        "registration_accept_h4_plain_text": {"msg": "registration_accept", "guti": GUTI,
                                              "sht": 4, "mac": "failed", "count": count},
        "config_update_cmd_protected": {"msg": "configuration_update_command", **protected},
        "config_update_cmd_plain_text": {"msg": "configuration_update_command", "sht": 0},
    }


NULL = "null"
# (line in ltl_properties.txt, what it says in our words, phases it applies in, abstract
# input, outputs allowed in reply)
PROPERTIES: list[tuple[int, str, tuple[str, ...], str, frozenset[str]]] = [
    (2, "once registered, a protected DEREGISTRATION REQUEST is accepted or ignored",
     ("registered",), "deregistration_req_protected",
     frozenset({"deregistration_accept", NULL})),
    (3, "before the SMC, a plain IDENTITY REQUEST is answered or ignored",
     ("registration_requested", "authenticated"), "id_request_plain_text",
     frozenset({"identity_response", NULL})),
    (4, "after the SMC, a plain IDENTITY REQUEST gets no answer",
     ("security_mode_completed", "registered"), "id_request_plain_text", frozenset({NULL})),
    (5, "before the SMC, a plain AUTHENTICATION REQUEST is answered or ignored",
     ("registration_requested",), "auth_request_plain_text",
     frozenset({"authentication_response", NULL})),
    (6, "after the SMC, a plain AUTHENTICATION REQUEST gets no answer",
     ("security_mode_completed", "registered"), "auth_request_plain_text", frozenset({NULL})),
    (7, "after the SMC, a plain REGISTRATION ACCEPT gets no answer",
     ("security_mode_completed", "registered"), "registration_accept_plain_text",
     frozenset({NULL})),
    (8, "a replayed SMC gets nothing but a SECURITY MODE REJECT",
     ("security_mode_completed", "registered"), "nas_sm_cmd_replay",
     frozenset({NULL, "security_mode_reject"})),
    (9, "a replayed SMC gets no answer", ("security_mode_completed", "registered"),
     "nas_sm_cmd_replay", frozenset({NULL})),
    (10, "an SMC with null security gets nothing but a SECURITY MODE REJECT",
     ("authenticated",), "nas_sm_cmd_ns", frozenset({"security_mode_reject", NULL})),
    (12, "a plain SMC with null security gets nothing but a SECURITY MODE REJECT",
     tuple(PHASES), "nas_sm_cmd_ns_plain_text", frozenset({"security_mode_reject", NULL})),
    (13, "a plain SMC with null security gets no answer", tuple(PHASES),
     "nas_sm_cmd_ns_plain_text", frozenset({NULL})),
    (14, "a plain REGISTRATION ACCEPT never gets an answer", tuple(PHASES),
     "registration_accept_plain_text", frozenset({NULL})),
    (15, "a REGISTRATION ACCEPT under header type 4 that does not check out never gets an "
     "answer", tuple(PHASES), "registration_accept_h4_plain_text", frozenset({NULL})),
    (29, "after AUTHENTICATION RESPONSE, the SMC is completed",
     ("authenticated",), "nas_sm_cmd", frozenset({"security_mode_complete"})),
    (30, "after AUTHENTICATION RESPONSE, the SMC is not ignored",
     ("authenticated",), "nas_sm_cmd", frozenset({"security_mode_complete"})),
    (31, "after the SMC, an SMC sent as an ordinary protected message is not completed",
     ("security_mode_completed", "registered"), "nas_sm_cmd_protected",
     frozenset({NULL, "security_mode_reject", "status"})),
    (33, "after the SMC (the RRC condition aside: RRC is not modelled), a protected "
     "REGISTRATION ACCEPT is completed or ignored", ("security_mode_completed",),
     "registration_accept_protected", frozenset({"registration_complete", NULL})),
    (43, "a protected CONFIGURATION UPDATE COMMAND (no acknowledgement asked) gets no answer",
     ("registered",), "config_update_cmd_protected", frozenset({NULL})),
    (44, "a plain CONFIGURATION UPDATE COMMAND gets no answer", tuple(PHASES),
     "config_update_cmd_plain_text", frozenset({NULL})),
]
# NAS properties of the file the model does not adopt: line -> (what it asks, why not, and
# the phase, input and answer the test pins instead)
NOT_ADOPTED: dict[int, tuple[str, str, str, str, str]] = {
    1: ("after the SMC and before REGISTRATION COMPLETE, a protected DEREGISTRATION REQUEST "
        "gets no answer",
        "TS 24.501 5.5.1.2.7: a DEREGISTRATION REQUEST received before the registration "
        "completes aborts it and is progressed — the UE answers DEREGISTRATION ACCEPT",
        "security_mode_completed", "deregistration_req_protected", "deregistration_accept"),
    11: ("an SMC with null security gets no answer",
         "TS 24.501 5.4.2.5 (docs/behaviour.md): 5G-IA0 outside an emergency is answered "
         "SECURITY MODE REJECT #24, which line 10 allows",
         "authenticated", "nas_sm_cmd_ns", "security_mode_reject"),
    32: ("after the SMC, an SMC sent as an ordinary protected message is answered",
         "the UE discards an SMC whose header type is not 3 (TS 24.501 9.3.1, 4.4.4.2; the "
         "choice is in ue_stack/nas/protection.py): it has no answer line 31 allows that "
         "is also not null",
         "registered", "nas_sm_cmd_protected", NULL),
}


def answer(tmp_path: Path, phase: str, abstract: str) -> str:
    """The model's reply to ``abstract`` in ``phase``: its uplinks in order, or ``null``."""
    prefix, count = PHASES[phase]
    records = [{"t": round(0.1 * i, 1), **r} for i, r in enumerate(prefix)]
    probe = {"t": 5.0, "kind": "dl", **INPUTS(count)[abstract], "note": SOURCE}
    trace, log = tmp_path / "t.jsonl", tmp_path / "log.jsonl"
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [HEADER, *records, probe]))
    assert main(["replay", str(trace), "--log", str(log)]) in (0, 1)
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    probe_line = 1 + len(records) + 1
    start = next(i for i, x in enumerate(lines)
                 if x["event"] == "n1" and x.get("line") == probe_line)
    ul = [x["msg"] for x in lines[start + 1:] if x["event"] == "n1" and x["dir"] == "ul"]
    return "+".join(ul) or NULL


CASES = [pytest.param(line, phase, abstract, allowed,
                      id=f"line{line}-{abstract}-in-{phase}")
         for line, _, phases, abstract, allowed in PROPERTIES for phase in phases]


@pytest.mark.parametrize(("line", "phase", "abstract", "allowed"), CASES)
def test_5gbasechecker_nas_property(tmp_path, line, phase, abstract, allowed):
    got = answer(tmp_path, phase, abstract)
    what = next(text for n, text, *_ in PROPERTIES if n == line)
    assert got in allowed, f"ltl_properties.txt line {line} ({what}): got {got}"


@pytest.mark.parametrize("line", sorted(NOT_ADOPTED))
def test_5gbasechecker_property_not_adopted_and_why(tmp_path, line):
    _, why, phase, abstract, expected = NOT_ADOPTED[line]
    assert answer(tmp_path, phase, abstract) == expected, why


def test_every_nas_property_of_the_file_is_covered_or_explained():
    """The file's NAS properties (lines 1-15, 29-33, 43-44; the rest speak of RRC inputs
    or need RRC security first) are each a test above or a documented exception, and
    docs/protection.md lists them all."""
    nas_lines = {*range(1, 16), *range(29, 34), 43, 44}
    covered = {line for line, *_ in PROPERTIES} | set(NOT_ADOPTED)
    assert covered == nas_lines
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protection.md").read_text()
    for line in nas_lines:
        assert f"| {line} |" in doc, line
