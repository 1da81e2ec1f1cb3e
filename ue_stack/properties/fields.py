"""What kind of value each known exchange-log field holds (docs/exchange-log.md,
docs/schema/xlog.schema.json), for the type check of property formulas.

A field not listed here may hold anything (logs may carry extra fields): comparisons with
it are not type-checked. ``cause`` is a number in an N1 message (a 5GMM cause) and a
string in an AKMA reject, so it is both.
"""

from __future__ import annotations

STR, NUM, BOOL = "string", "number", "boolean"
Kinds = frozenset[str]

_S, _N = frozenset({STR}), frozenset({NUM})

FIELD_KINDS: dict[str, Kinds] = {
    # every line
    **dict.fromkeys(("seq", "t", "line", "frame"), _N),
    **dict.fromkeys(("event", "ue"), _S),
    # primitive, kaf_derived, af_session, aanf
    **dict.fromkeys(("src", "dst", "name", "corr", "a_kid", "app", "af_id", "result", "supi",
                     "k_akma_fp", "k_ausf_fp", "k_af_fp", "k_af_fp_ue", "k_af_fp_net"), _S),
    # state, usim, kausf, input, note
    **dict.fromkeys(("layer", "from", "to", "action", "kind", "text", "af_fqdn", "ua_id",
                     "expect", "reason", "clause"), _S),
    # n1 (the trace format's message fields)
    **dict.fromkeys(("dir", "msg", "registration_type", "guti", "abba", "rand", "autn",
                     "res_star", "auts", "eap_code", "eap_subtype", "at_rand", "at_autn",
                     "at_res", "at_auts", "at_mac", "at_kdf_input", "at_identity", "at_id_req",
                     "eap", "mac", "pdu"), _S),
    **dict.fromkeys(("ngksi", "nea", "nia", "eap_id", "at_kdf", "at_client_error_code",
                     "at_notification", "sht", "count", "t3346", "t3512"), _N),
    "service_type": _S,
    "cause": frozenset({STR, NUM}),
}


def kinds_of(field: str) -> Kinds | None:
    """The kinds ``field`` can hold, or None when the field is not a known one."""
    return FIELD_KINDS.get(field)
