"""What each invariant means, for people: the one source of ``ue-stack explain`` and of
``docs/invariants.md`` (which ``ue-stack explain --markdown`` regenerates; a test keeps
them equal, and another runs every example below through the checker or replay).

Each entry: a statement, the clauses behind it, how to read a violation, and a minimal
passing and failing example. Examples are exchange-log lines (``example_kind = "log"``) or,
for the invariants only replay decides (APP-1, NAS-3), trace records that follow the
trace header of ``EXAMPLE_TRACE_HEADER``. Fingerprints in the examples are placeholders of
the right shape, not fingerprints of real keys.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import orjson

FP_1, FP_2, FP_3, FP_4 = (d * 16 for d in "1234")  # placeholder fingerprints
A_KID = "rid0.atidAAAA@5gc.mnc001.mcc001.3gppnetwork.org"
AF_ID = "af.example.com:0100000007"

# The header the trace examples (APP-1, NAS-3) follow: TS 35.208 set 1 credentials.
EXAMPLE_TRACE_HEADER: dict[str, Any] = {
    "kind": "header", "format": "ue-stack/trace", "version": 1,
    "ue": {"supi": "001010000000001", "k": "465b5ce8b199b49faa5f0a2ee238a6bc",
           "opc": "cd63cb71954a9f4e48a5994e37a02baf"},
    "serving_plmn": {"mcc": "001", "mnc": "01"},
}


@dataclass(frozen=True)
class Explanation:
    id: str
    title: str
    statement: str
    clauses: str
    reading: str
    example_kind: str  # "log" or "trace"
    passing: tuple[dict[str, Any], ...]
    failing: tuple[dict[str, Any], ...]
    failing_why: str


def _log(*lines: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Exchange-log lines with seq and t filled in order."""
    return tuple({"seq": n, "t": n / 10, **line} for n, line in enumerate(lines, 1))


def _request(corr: str = "c1") -> dict[str, Any]:
    return {"event": "primitive", "src": "app:mail", "dst": "nas",
            "name": "ObtainAkmaKeyRequest", "corr": corr}


def _confirm(corr: str = "c1", k_akma_fp: str = FP_2, k_ausf_fp: str = FP_1) -> dict[str, Any]:
    return {"event": "primitive", "src": "nas", "dst": "app:mail",
            "name": "ObtainAkmaKeyConfirm", "corr": corr, "a_kid": A_KID,
            "k_akma_fp": k_akma_fp, "k_ausf_fp": k_ausf_fp}


def _reject(corr: str = "c1") -> dict[str, Any]:
    return {"event": "primitive", "src": "nas", "dst": "app:mail",
            "name": "ObtainAkmaKeyReject", "corr": corr, "cause": "kausf_unavailable"}


def _kaf(corr: str | None = "c1", k_akma_fp: str = FP_2) -> dict[str, Any]:
    return {"event": "kaf_derived", "app": "mail", "corr": corr, "af_id": AF_ID,
            "a_kid": A_KID, "k_akma_fp": k_akma_fp, "k_af_fp": FP_3}


def _kausf(action: str, fp: str = FP_1) -> dict[str, Any]:
    return {"event": "kausf", "action": action, "k_ausf_fp": fp}


def _n1(direction: str, msg: str, **fields: Any) -> dict[str, Any]:
    return {"event": "n1", "dir": direction, "msg": msg, **fields}


def _smc_kausf(fp: str = FP_1) -> tuple[dict[str, Any], ...]:
    """The UE accepts an SMC and its KAUSF becomes valid (what NAS-1 wants to see)."""
    return (_n1("dl", "security_mode_command", ngksi=1, nea=0, nia=2), _kausf("valid", fp))


def _af(result: str) -> dict[str, Any]:
    return {"event": "af_session", "app": "mail", "af_id": AF_ID, "a_kid": A_KID,
            "result": result, "k_af_fp_ue": FP_3,
            "k_af_fp_net": FP_3 if result == "ok" else FP_4}


_START = ({"t": 0, "kind": "ue", "op": "power_on"}, {"t": 0.1, "kind": "ue", "op": "register"})
_REGISTRATION_REQUEST = {"t": 0.2, "kind": "ul", "msg": "registration_request",
                         "registration_type": "initial", "ngksi": 7}

CATALOG: dict[str, Explanation] = {e.id: e for e in (
    Explanation(
        "AKMA-1", "every KAF comes from a fresh KAKMA",
        "Every kaf_derived line is preceded by an ObtainAkmaKeyConfirm to the same "
        "application with the same corr; each confirm feeds at most one derivation, and "
        "the KAKMA fingerprint of the derivation is the confirm's.",
        "TS 24.501 4.21 (upper layers request KAKMA and A-KID from NAS before each KAF "
        "derivation); TS 33.535 6.1",
        "The application derived a KAF without asking NAS first, reused a confirm, or used "
        "another KAKMA than NAS gave it: the upper layers cache KAKMA (the pre-change "
        "behaviour, `--app-mode legacy-cache`). The violation names the application and "
        "the KAKMA fingerprint it used; look for the last ObtainAkmaKeyConfirm to that "
        "application before it.",
        "log",
        _log(*_smc_kausf(), _request(), _confirm(), _kaf()),
        _log(*_smc_kausf(), _request(), _confirm(), _kaf(), _kaf()),
        "the second kaf_derived reuses confirm c1",
    ),
    Explanation(
        "AKMA-2", "KAKMA comes from the KAUSF valid now",
        "Every ObtainAkmaKeyConfirm is derived from the KAUSF valid at that moment: its "
        "k_ausf_fp equals the fingerprint of the latest `kausf valid`.",
        "TS 24.501 4.21 and 5.4.2.1; TS 33.501 6.2.2.2 (the new KAUSF is taken into use "
        "at the security mode command); TS 33.535 A.2",
        "NAS answered from a KAUSF that is pending (RES* sent, SMC not yet accepted) or "
        "deleted. The violation gives the confirm's KAUSF fingerprint and the valid one; "
        "find the `kausf` lines before it.",
        "log",
        _log(*_smc_kausf(), _request(), _confirm()),
        _log(*_smc_kausf(), _kausf("pending", FP_4), _request(), _confirm(k_ausf_fp=FP_4)),
        "the confirm used the pending KAUSF 4444…, not the valid 1111…",
    ),
    Explanation(
        "AKMA-3", "no KAUSF, no KAKMA",
        "When no KAUSF is valid (none yet, deleted, or the USIM is invalid or removed), "
        "NAS answers ObtainAkmaKeyReject, never a confirm.",
        "TS 24.501 4.21 (\"derive KAKMA ... from KAUSF if available\"), 5.4.1.3.5 "
        "(AUTHENTICATION REJECT: USIM invalid), 5.5.1.2.5",
        "NAS gave keys it cannot have: after USIM removal, an AUTHENTICATION REJECT, a "
        "reject cause #3/#6/#7, or before the first authentication. The violation says "
        "which of these held.",
        "log",
        _log(*_smc_kausf(), _kausf("deleted"), _request(), _reject()),
        _log(*_smc_kausf(), _kausf("deleted"), _request(), _confirm()),
        "a confirm after the KAUSF was deleted",
    ),
    Explanation(
        "AKMA-4", "UE and AF agree on KAF",
        "Every af_session has result `ok`: the AAnF knows the A-KID and the UE's KAF "
        "equals the network's.",
        "TS 33.535 6.1 and 6.2 (the AAnF keeps only the latest context; "
        "Naanf_AKMA_ApplicationKey_Get); TS 33.501 6.2.2.2",
        "The session failed at the AF. `unknown_a_kid`: the UE used an A-KID the AAnF has "
        "replaced or removed — window W1 (a request answered between RES* and the SMC "
        "without deferral), window W2 (the SMC was lost or rejected after the network "
        "accepted RES*), a cached KAKMA, or a removed AAnF context. `key_mismatch`: same "
        "A-KID, different KAF.",
        "log",
        _log(_af("ok")),
        _log(_af("unknown_a_kid")),
        "the AF could not find the A-KID",
    ),
    Explanation(
        "APP-1", "each KAF request gets the outcome its author expected",
        "(replay) Every kaf_request record with `expect` gets that outcome: `ok` (a "
        "confirm, a KAF and an AF session with result ok) or `rejected` "
        "(ObtainAkmaKeyReject).",
        "the trace's own expectation; TS 24.501 4.21",
        "The model did something else than the trace's author expected for that request. "
        "The violation names the trace line of the request and what happened instead.",
        "trace",
        (*_START, _REGISTRATION_REQUEST,
         {"t": 1, "kind": "app", "op": "kaf_request", "app": "mail",
          "af_fqdn": "af.example.com", "ua_id": "0100000007", "expect": "rejected"}),
        (*_START, _REGISTRATION_REQUEST,
         {"t": 1, "kind": "app", "op": "kaf_request", "app": "mail",
          "af_fqdn": "af.example.com", "ua_id": "0100000007", "expect": "ok"}),
        "no authentication has run, so NAS rejects the request that expects ok",
    ),
    Explanation(
        "XL-1", "every request gets exactly one answer",
        "Every request primitive gets exactly one confirm or reject with its corr; no "
        "answer arrives without a request.",
        "TS 24.501 4.21 (NAS provides KAKMA and A-KID, or the request fails); the "
        "primitive pattern of the exchange-log format",
        "A request was never answered (a deferred AKMA request lost), answered twice, or "
        "an answer appeared with a corr nobody used. The violation gives the corr.",
        "log",
        _log(_request(), _reject()),
        _log(_request(), _reject(), _reject()),
        "corr c1 answered twice",
    ),
    Explanation(
        "NAS-1", "a new KAUSF is valid only from the SMC (or EAP-Success)",
        "A new KAUSF becomes valid only when the UE accepts the SECURITY MODE COMMAND "
        "that takes the new context into use (5G AKA) or on EAP-Success (EAP-AKA'); "
        "never at AUTHENTICATION RESPONSE.",
        "TS 24.501 5.4.2.1, 5.4.1.2; TS 33.501 6.2.2.2 (\"the UE does not store the new "
        "KAUSF until receiving the NAS SMC\")",
        "The UE switched to the new KAUSF too early: right after it sent AUTHENTICATION "
        "RESPONSE, or after rejecting the SMC. The violation gives the KAUSF fingerprint "
        "and the N1 message it followed.",
        "log",
        _log(_n1("dl", "security_mode_command", ngksi=1, nea=0, nia=2),
             _kausf("valid"), _n1("ul", "security_mode_complete")),
        _log(_n1("ul", "authentication_response", res_star="00" * 16), _kausf("valid")),
        "KAUSF valid straight after AUTHENTICATION RESPONSE",
    ),
    Explanation(
        "NAS-2", "5GMM moves only as TS 24.501 allows",
        "5GMM state changes follow TS 24.501's state machine: each change of layer 5gmm "
        "is an allowed (from, to) pair, and starts where the previous one ended.",
        "TS 24.501 5.1.3.2 (figures 5.1.3.2.1.1.1, 5.1.3.2.2.1.1)",
        "The log shows a state change the UE state machine does not have, or a jump that "
        "skipped a logged change. The violation names both states.",
        "log",
        _log({"event": "state", "layer": "5gmm", "from": "5GMM-NULL",
              "to": "5GMM-DEREGISTERED.PLMN-SEARCH"}),
        _log({"event": "state", "layer": "5gmm", "from": "5GMM-NULL",
              "to": "5GMM-REGISTERED.NORMAL-SERVICE"}),
        "5GMM-NULL cannot go straight to 5GMM-REGISTERED",
    ),
    Explanation(
        "NAS-3", "the model sends what the recorded UE sent",
        "(replay) The model's uplink messages match the trace's ul records, in order: "
        "same message, and the same value for every field the record gives.",
        "TS 24.501 clause 5 (the procedures that decide each answer); the trace's "
        "recorded uplink",
        "The model and the recorded UE disagree: a different message (\"unexpected\"), "
        "a field that differs (both values are given), or an expected uplink the model "
        "never sent (\"missing\"). After a divergence the model keeps its own state, so "
        "look at the first NAS-3 violation of a trace.",
        "trace",
        (*_START, _REGISTRATION_REQUEST),
        (*_START, {"t": 0.2, "kind": "ul", "msg": "registration_request",
                   "registration_type": "initial", "ngksi": 1}),
        "a UE without a security context names ngKSI 7 (no key), not 1",
    ),
    Explanation(
        "NAS-4", "the UE acts on no message it must not process",
        "No downlink that TS 24.501 4.4.4.2 says must not be processed is acted on: before "
        "secure exchange of NAS messages only IDENTITY REQUEST for the SUCI, "
        "AUTHENTICATION REQUEST/RESULT/REJECT, REGISTRATION and SERVICE REJECT not "
        "carrying #76 and DEREGISTRATION ACCEPT not for switch-off may be plain (or fail "
        "their integrity check); after it, nothing plain and nothing whose integrity check "
        "failed. A SECURITY MODE COMMAND must have security header type 3 and a good MAC. "
        "Acting on = any uplink, 5GMM state change, KAUSF/USIM change or primitive from "
        "NAS that the message caused. Only n1 lines that carry sht are checked.",
        "TS 24.501 4.4.4.2, 5.4.2.2; TS 33.501 6.4.6",
        "The UE took a message an attacker can send without keys: a plain one after "
        "security was set up, a forged MAC, a plain request for the IMEI. Anyone on the air "
        "can then, for instance, deregister it or switch AKMA off. The violation names the "
        "message and why it should have been discarded.",
        "log",
        _log(_n1("ul", "security_mode_complete"),
             _n1("dl", "deregistration_request", sht=0, switch_off=False, cause=3),
             {"event": "discarded", "msg": "deregistration_request",
              "reason": "not integrity protected, after secure exchange of NAS messages",
              "clause": "TS 24.501 4.4.4.2"}),
        _log(_n1("ul", "security_mode_complete"),
             _n1("dl", "deregistration_request", sht=0, switch_off=False, cause=3),
             _n1("ul", "deregistration_accept")),
        "a plain DEREGISTRATION REQUEST answered after SECURITY MODE COMPLETE",
    ),
    Explanation(
        "NAS-5", "no protected message is acted on twice",
        "No protected downlink is acted on twice: a NAS COUNT at or below one already "
        "accepted in the same 5G NAS security context is discarded. A SECURITY MODE "
        "COMMAND naming a new ngKSI starts a new context. Only n1 lines that carry count "
        "are checked.",
        "TS 24.501 4.4.3.1; TS 33.501 6.4.3.1 (replay protection)",
        "The UE took a replayed message: an attacker who recorded a protected message can "
        "make it act again (answer, change state). The violation gives the COUNT and the "
        "last one the UE acted on.",
        "log",
        _log(_n1("dl", "registration_accept", sht=2, mac="verified", count=1),
             _n1("ul", "registration_complete"),
             _n1("dl", "registration_accept", sht=2, mac="verified", count=1),
             {"event": "discarded", "msg": "registration_accept",
              "reason": "NAS COUNT 1 is not above 1, the last accepted in this context "
                        "(replay)", "clause": "TS 24.501 4.4.3.1"}),
        _log(_n1("dl", "registration_accept", sht=2, mac="verified", count=1),
             _n1("ul", "registration_complete"),
             _n1("dl", "registration_accept", sht=2, mac="verified", count=1),
             _n1("ul", "registration_complete")),
        "the same protected REGISTRATION ACCEPT (COUNT 1) answered twice",
    ),
    Explanation(
        "SEC-1", "no secret in any log",
        "No log line holds a secret: no field is named for a key (k, opc, kausf, k_akma, "
        "...; see the exchange-log format), and in replay no value equals the trace's "
        "K or OPc.",
        "TS 33.501 5.2 and 6.2 (keys never leave the UE and the network functions); "
        "the project's logging rule: keys appear only as fingerprints",
        "A key, or a field named like one, reached the log. The violation names the field, "
        "never its value.",
        "log",
        _log(*_smc_kausf()),
        _log({"event": "note", "text": "debug", "kausf": "00" * 32}),
        "a field named kausf",
    ),
)}


def ids() -> list[str]:
    return list(CATALOG)


def _json_lines(records: tuple[dict[str, Any], ...]) -> str:
    return "\n".join(orjson.dumps(r).decode() for r in records)


def explain_text(invariant: str) -> str:
    """What ``ue-stack explain ID`` prints."""
    e = CATALOG[invariant]
    kind = "exchange-log lines" if e.example_kind == "log" else "trace records (after a header)"
    fill = textwrap.fill
    return "\n".join([
        f"{e.id}: {e.title}", "", fill(e.statement), "", fill(f"Clause: {e.clauses}"), "",
        fill(f"Reading a violation: {e.reading}"), "", f"Passes ({kind}):",
        _json_lines(e.passing), "", f"Fails — {e.failing_why}:", _json_lines(e.failing), "",
    ])


def markdown() -> str:
    """The invariants section of the docs (docs/invariants.md), from this catalogue."""
    out = [
        "# Invariants",
        "",
        "<!-- generated by `ue-stack explain --markdown`; edit "
        "ue_stack/invariants/catalog.py, not this file -->",
        "",
        "The checker asserts these over every exchange log, online while replay or simulate "
        "runs, or afterwards with `ue-stack check`. Ids are stable: reports, tests and "
        "`ue-stack explain ID` use them. An invariant whose evidence is absent from a log "
        "(a foreign log without `state` lines, a trace without `ul` records) is reported "
        "with `checked: 0`, never as violated. Examples are minimal: exchange-log lines "
        "(see [exchange-log.md](exchange-log.md)) or, for the two invariants only replay "
        "decides, trace records after a header with the TS 35.208 set 1 credentials "
        "(see [trace-format.md](trace-format.md)). The test suite runs every example.",
        "",
        "| id | in short |",
        "|---|---|",
        *(f"| [{e.id}](#{e.id.lower()}) | {e.title} |" for e in CATALOG.values()),
        "",
    ]
    for e in CATALOG.values():
        out += [
            f"## {e.id}", "", f"**{e.title}.** {e.statement}", "",
            f"*Clauses:* {e.clauses}", "", f"*Reading a violation:* {e.reading}", "",
            "Passes:", "", "```json", _json_lines(e.passing), "```", "",
            f"Fails ({e.failing_why}):", "", "```json", _json_lines(e.failing), "```", "",
        ]
    return "\n".join(out)
