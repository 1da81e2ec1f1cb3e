"""The published schemas know the EAP-AKA' fields of docs/trace-format.md ("EAP-AKA' fields"):
the packet as hex or the v1 shorthand, and the decoded fields typed as the loader reads
them."""

from __future__ import annotations

import pytest
from test_schemas import TRACE, XLOG, problems

RESULT = {"t": 1, "kind": "dl", "msg": "authentication_result", "ngksi": 0}


@pytest.mark.parametrize("fields", [
    {"eap": "success"},
    {"eap": "03070004", "eap_code": "success", "eap_id": 7},
])
def test_trace_schema_accepts_eap_as_packet_or_shorthand(fields):
    assert not problems(TRACE, {**RESULT, **fields})


@pytest.mark.parametrize(("fields", "why"), [
    ({"eap": "maybe"}, "eap is hex or success/failure"),
    ({"eap_code": "ok"}, "eap_code is an EAP code"),
    ({"at_mac": "00" * 8}, "AT_MAC is 16 octets"),
    ({"at_auts": "00" * 16}, "AT_AUTS is 14 octets"),
    ({"eap_id": 256}, "the EAP identifier is one octet"),
])
def test_trace_schema_rejects_malformed_eap_fields(fields, why):
    assert problems(TRACE, {**RESULT, **fields}), why


def test_xlog_schema_types_the_eap_fields_of_n1_lines():
    line = {"seq": 1, "t": 0.1, "event": "n1", "dir": "ul", "msg": "authentication_response",
            "eap": "02010008", "eap_code": "response", "eap_subtype": "authentication-reject"}
    assert not problems(XLOG, line)
    assert problems(XLOG, {**line, "at_mac": "xyz"})
