"""How each output of a core becomes an exchange-log line (docs/exchange-log.md): one
table, ``LOG_FIELDS``, from event type to ``(log event, fields)``; field order is the
order of the line. Outputs absent from the table are routed but not logged (an AF session
request is logged by the AF's answer; a network's ``SendN1`` when the UE receives it,
with ``n1_fields("dl", ...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .events import (
    AanfChanged,
    AfFailureIndication,
    AfSessionResult,
    KafDerived,
    KausfChanged,
    Note,
    SendN1,
    StateChanged,
    UsimChanged,
)
from .nas.messages import NasMessage, render_fields
from .primitives import (
    KausfChangedIndication,
    ObtainAkmaKeyConfirm,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)
from .rel18 import FAILURE_INDICATION_CLAUSE

Fields = dict[str, Any]
# (layer that emitted the output, the output) -> (log event, fields)
Mapper = Callable[[str, Any], tuple[str, Fields]]


def n1_fields(direction: str, message: NasMessage) -> Fields:
    """An ``n1`` line's fields: the message's, then its protection (``sht``, ``mac``,
    ``count``, and the protected ``pdu`` where the sender built it) — only when it says
    more than the default of docs/trace-format.md, so v1 logs stay as they were."""
    fields = {"dir": direction, "msg": message.msg, **render_fields(message)}
    protection = message.protection
    if protection is not None:
        fields.update(protection.log_fields())
        if protection.pdu is not None:
            fields["pdu"] = protection.pdu.hex()
    return fields


def _ue_of(event: Any) -> Fields:
    return {} if event.supi is None else {"ue": event.supi}


LOG_FIELDS: dict[type, Mapper] = {
    SendN1: lambda src, e: ("n1", n1_fields("ul", e.message)),
    ObtainAkmaKeyRequest: lambda src, e: ("primitive", {
        "src": src, "dst": "nas", "name": "ObtainAkmaKeyRequest", "corr": e.corr}),
    ObtainAkmaKeyConfirm: lambda src, e: ("primitive", {
        "src": src, "dst": f"app:{e.app}", "name": "ObtainAkmaKeyConfirm", "corr": e.corr,
        "a_kid": e.a_kid, "k_akma_fp": e.k_akma_fp, "k_ausf_fp": e.k_ausf_fp}),
    ObtainAkmaKeyReject: lambda src, e: ("primitive", {
        "src": src, "dst": f"app:{e.app}", "name": "ObtainAkmaKeyReject", "corr": e.corr,
        "cause": e.cause}),
    KausfChangedIndication: lambda src, e: ("primitive", {
        "src": src, "dst": f"app:{e.app}", "name": "KausfChangedIndication",
        "corr": e.corr, "k_ausf_fp": e.k_ausf_fp}),
    KafDerived: lambda src, e: ("kaf_derived", {
        "app": e.app, "corr": e.corr, "af_id": e.af_id, "a_kid": e.a_kid,
        "k_akma_fp": e.k_akma_fp, "k_af_fp": e.k_af_fp}),
    StateChanged: lambda src, e: ("state", {
        **_ue_of(e), "layer": e.layer, "from": e.from_, "to": e.to}),
    KausfChanged: lambda src, e: ("kausf", {"action": e.action, "k_ausf_fp": e.k_ausf_fp}),
    UsimChanged: lambda src, e: ("usim", {"action": e.action}),
    Note: lambda src, e: ("note", {"layer": e.layer, "text": e.text, **e.fields}),
    AfSessionResult: lambda src, e: ("af_session", {
        **_ue_of(e), "app": e.app, "af_id": e.af_id, "a_kid": e.a_kid, "result": e.result,
        "k_af_fp_ue": e.k_af_fp_ue, "k_af_fp_net": e.k_af_fp_net}),
    AfFailureIndication: lambda src, e: ("note", {
        **_ue_of(e), "layer": "af", "text": "failure indication: the AAnF does not know the "
        "A-KID; the application may obtain a new one and retry", "app": e.app,
        "af_id": e.af_id, "a_kid": e.a_kid, "attempt": e.attempt,
        "clause": FAILURE_INDICATION_CLAUSE}),
    AanfChanged: lambda src, e: ("aanf", {
        **_ue_of(e), "action": e.action, "supi": e.supi, "a_kid": e.a_kid,
        "k_akma_fp": e.k_akma_fp}),
}
