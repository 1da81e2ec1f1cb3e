"""EAP based primary authentication, UE side (TS 24.501 5.4.1.2; TS 33.501 6.1.3.1;
RFC 9048): the EAP-AKA' peer behind AUTHENTICATION REQUEST/RESPONSE/RESULT/REJECT and the
EAP-Success of SECURITY MODE COMMAND. The authentication procedure (``authentication``)
hands these messages here when they carry an EAP message and keeps everything else (ngKSI,
contexts, timers, AKMA deferral). This module sees 5GMM only as ``core.MmCore``, and
keeps its memory between messages in ``context.EapPeer``.

What the peer answers to an EAP-Request/AKA'-Challenge, in this order:

0. The same request again (same packet) -> the stored response, unchanged (RFC 3748 4.1:
   a retransmission is answered with the previous response, not re-processed).
1. ngKSI already in use -> AUTHENTICATION FAILURE #71, as for 5G AKA (docs/behaviour.md; the
   ngKSI check is 5GMM's, not EAP's).
2. Missing AT_RAND/AT_AUTN/AT_KDF_INPUT/AT_MAC -> AKA'-Client-Error "unable to process"
   (RFC 4187 6.3.1). AT_KDF negotiation (RFC 9048 3.2, ``_negotiate_kdf``): the peer
   supports KDF 1 only; offered later in the list it asks for it, not offered (or a list
   that repeats a value, or a renegotiated list that changed) -> Authentication-Reject.
   AKA'-Identity and AKA'-Notification requests are answered (``OTHER_REQUESTS``).
3. AT_KDF_INPUT differs from the UE's serving network name -> AKA'-Authentication-Reject
   (RFC 9048 3.1 leaves the reaction to a wrong name to the peer's policy; this model
   rejects, the strict choice, and keeps it in ``_check_network_name`` only).
4. The USIM checks AUTN (TS 33.501 6.1.3.1 step 5, TS 33.102 6.3.3): MAC failure ->
   AKA'-Authentication-Reject; SQN out of range -> AKA'-Synchronization-Failure with
   AT_AUTS; the ME's separation-bit check fails -> AKA'-Authentication-Reject. TS 33.501
   6.1.3.1 names only the first two; for the separation bit TS 24.501 5.4.1.2 gives no
   AUTHENTICATION FAILURE cause in EAP (the 5GMM causes #20/#21/#26 are 5G AKA's,
   5.4.1.3.6), so the EAP answer to "AUTN not acceptable" is used. The clause text was not
   available to us: this mapping is a choice, kept in ``AUTN_FAILURES``.
5. CK'/IK' and K_aut (RFC 9048 3.3) -> AT_MAC of the request must verify with K_aut, else
   AKA'-Client-Error (RFC 4187 6.3.1). A stand-in USIM (replay without K/OPc) cannot
   verify it: noted and skipped.
6. Success: AKA'-Challenge response with AT_RES and AT_MAC; KAUSF = EMSK[0:32] is
   **pending** (TS 33.501 6.1.3.1), with a partial native context from KSEAF/KAMF named
   by the request's ngKSI. AKMA deferral starts here.

KAUSF becomes valid on EAP-Success: in an accepted SECURITY MODE COMMAND or in
AUTHENTICATION RESULT (TS 24.501 5.4.1.2.2; NAS-1). An SMC carrying EAP-Success that the
UE rejects stores nothing (``security_mode`` drops the pending KAUSF). EAP-Failure in
AUTHENTICATION RESULT deletes the partial context and the pending KAUSF only; in
AUTHENTICATION REJECT ``authentication`` applies the full authentication-reject handling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..crypto.aka import AuthCheck, k_amf, k_seaf, supi_for_kdf
from ..crypto.eap_aka_prime import KDF_VALUE, challenge_keys
from ..events import KausfChanged
from . import eap
from .context import NasSecurityContext
from .messages import CAUSE_NGKSI_ALREADY_IN_USE, NasMessage, nas

if TYPE_CHECKING:
    from .core import MmCore

# TS 33.501 6.1.3.1 step 5 (and the choice for the separation bit, see above).
AUTN_FAILURES = {
    AuthCheck.MAC_FAILURE: "authentication-reject",
    AuthCheck.SYNCH_FAILURE: "synchronization-failure",
    AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE: "authentication-reject",
}
REQUIRED_ATTRIBUTES = ("at_rand", "at_autn", "at_kdf_input", "at_mac")


def carries_eap(message: NasMessage) -> bool:
    return message.get("eap") is not None or message.get("eap_code") is not None


def eap_fields(packet: bytes) -> dict[str, Any]:
    """What a message carrying ``packet`` holds: the octets and their decoded fields."""
    return {"eap": packet, **eap.decode(packet)}


def on_authentication_request(nas_: MmCore, message: NasMessage, ngksi: int, now: float) -> None:
    """AUTHENTICATION REQUEST carrying an EAP-Request (TS 24.501 5.4.1.2.2), in the order
    of the module docstring."""
    peer = nas_.eap
    packet = message.get("eap")
    if packet is not None and packet == peer.last_request and peer.last_response is not None:
        nas_._send(peer.last_response)
        if peer.res_sent:
            nas_._open_akma_deferral()
        return
    if nas_.contexts.ngksi_in_use(ngksi):
        nas_._authentication_failed(now, CAUSE_NGKSI_ALREADY_IN_USE, None)
        return
    fields = dict(message.fields)
    ident = fields.get("eap_id", 0)
    subtype = fields.get("eap_subtype")
    if fields.get("eap_code") == "request" and subtype in OTHER_REQUESTS:
        _respond(nas_, packet, OTHER_REQUESTS[subtype](nas_, ident, fields), res_sent=False)
        return
    if fields.get("eap_code") != "request" or subtype != "challenge":
        nas_._note("EAP request other than AKA'-Challenge/Identity/Notification: not modelled",
                   eap_code=fields.get("eap_code"), eap_subtype=subtype)
        _respond(nas_, packet, _client_error(ident), res_sent=False)
        return
    missing = [name for name in REQUIRED_ATTRIBUTES if fields.get(name) is None]
    if missing:
        nas_._note("AKA'-Challenge without " + ", ".join(missing))
        _respond(nas_, packet, _client_error(ident), res_sent=False)
        return
    answer = _negotiate_kdf(nas_, ident, tuple(eap.kdf_values(packet)) if packet else (
        fields["at_kdf"],))
    if answer is not None:
        _respond(nas_, packet, answer, res_sent=False)
        return
    if not _check_network_name(nas_, fields["at_kdf_input"]):
        _respond(nas_, packet, _reject(ident, "authentication-reject"), res_sent=False)
        return
    usim = nas_.usim
    assert usim is not None  # WITH_N1 excludes NO-SUPI, the only state without one
    rand, autn = fields["at_rand"], fields["at_autn"]
    check = usim.authenticate(rand, autn)
    if check.outcome is not AuthCheck.OK:
        subtype = AUTN_FAILURES[check.outcome]
        nas_._note("AUTN not accepted", check=check.outcome.name, answer=subtype)
        refusal: dict[str, Any] = {"eap_code": "response", "eap_id": ident,
                                   "eap_subtype": subtype}
        if check.outcome is AuthCheck.SYNCH_FAILURE:
            refusal["at_auts"] = check.auts
        _respond(nas_, packet, eap.encode(refusal), res_sent=False)
        return
    identity = supi_for_kdf(usim.supi).decode()
    assert check.ck is not None and check.ik is not None and check.res is not None  # OK
    keys = challenge_keys(check.ck, check.ik, fields["at_kdf_input"], autn[:6], identity)
    if usim.stand_in:
        nas_._note("AT_MAC not verified: the USIM's keys are stand-ins")
    elif not eap.mac_ok(keys.k_aut, packet):
        nas_._note("AT_MAC of the AKA'-Challenge does not verify with K_aut")
        _respond(nas_, packet, _client_error(ident), res_sent=False)
        return
    nas_._valid_challenge_received(now)
    snn = nas_.config.snn
    kausf = keys.k_ausf
    abba = message.get("abba") or b"\x00\x00"
    kamf = k_amf(k_seaf(kausf, snn), usim.supi, abba)
    nas_.contexts.partial = NasSecurityContext(ngksi, kamf, bytes(abba))
    nas_.outbox.put(KausfChanged("pending", nas_.kausf.set_pending(kausf, eap=True)))
    _respond(nas_, packet, eap.challenge_response(ident, check.res, keys.k_aut), res_sent=True)


def _negotiate_kdf(nas_: MmCore, ident: int, offered: tuple[int, ...]) -> bytes | None:
    """AT_KDF negotiation (RFC 9048 3.2; RFC 5448 3.2), kept here only: None to go on with
    the challenge (its first AT_KDF is the one this peer supports), else the answer.

    - A challenge that follows our choice must offer the chosen KDF first, then the list
      of the challenge we answered, unchanged; anything else is Authentication-Reject.
    - A first challenge that repeats a value is malformed: Authentication-Reject.
    - First KDF supported: go on. Another one in the list supported: answer with an
      AKA'-Challenge response carrying only that AT_KDF (the first supported). None
      supported: Authentication-Reject."""
    peer = nas_.eap
    if peer.kdf_offer is not None:
        expected, peer.kdf_offer = (KDF_VALUE, *peer.kdf_offer), None
        if offered == expected:
            return None
        nas_._note("AKA'-Challenge after KDF negotiation does not keep the offered list",
                   at_kdf=list(offered), clause="RFC 9048 3.2")
        return _reject(ident, "authentication-reject")
    if len(set(offered)) != len(offered):
        nas_._note("AKA'-Challenge repeats an AT_KDF value", at_kdf=list(offered),
                   clause="RFC 9048 3.2")
        return _reject(ident, "authentication-reject")
    if offered and offered[0] == KDF_VALUE:
        return None
    if KDF_VALUE in offered:
        peer.kdf_offer = offered
        nas_._note("AT_KDF negotiation: asking for the KDF this peer supports",
                   at_kdf=list(offered), chosen=KDF_VALUE, clause="RFC 9048 3.2")
        return eap.encode({"eap_code": "response", "eap_id": ident,
                           "eap_subtype": "challenge", "at_kdf": KDF_VALUE})
    nas_._note("AKA'-Challenge offers no KDF this peer supports", at_kdf=list(offered))
    return _reject(ident, "authentication-reject")


def _identity(nas_: MmCore, ident: int, fields: dict[str, Any]) -> bytes:
    """AKA'-Identity request (RFC 4187 6.1, 9.1; RFC 9048 3): answered with AT_IDENTITY.
    This UE keeps no pseudonym or fast re-authentication identity, so whatever
    AT_*_ID_REQ asks it gives the SUCI (TS 33.501 6.1.3.1), as a NAI (TS 23.003 28.7.3)."""
    usim = nas_.usim
    assert usim is not None  # WITH_N1 excludes NO-SUPI, the only state without one
    nas_._note("AKA'-Identity answered with the SUCI", at_id_req=fields.get("at_id_req"),
               clause="RFC 4187 6.1")
    return eap.encode({"eap_code": "response", "eap_id": ident, "eap_subtype": "identity",
                       "at_identity": suci_nai(usim.supi, nas_.config.home_mnc, usim.rid)})


def _notification(nas_: MmCore, ident: int, fields: dict[str, Any]) -> bytes:
    """AKA'-Notification request (RFC 4187 6.1, 9.10): acknowledged with an empty
    AKA'-Notification response. A notification after a successful challenge (P bit 0)
    would carry AT_MAC; the peer keeps no K_aut past the challenge, so it sends none —
    a choice, kept here."""
    nas_._note("AKA'-Notification acknowledged", at_notification=fields.get("at_notification"),
               clause="RFC 4187 6.1")
    return eap.encode({"eap_code": "response", "eap_id": ident,
                       "eap_subtype": "notification"})


OTHER_REQUESTS = {"identity": _identity, "notification": _notification}


def suci_nai(supi: str, home_mnc: str, rid: str) -> str:
    """The SUCI of the null scheme as a NAI (TS 23.003 28.7.3):
    ``type0.rid<RID>.schid0.userid<MSIN>@nai.5gc.mnc<MNC>.mcc<MCC>.3gppnetwork.org``."""
    mcc, mnc = supi[:3], supi[3 : 3 + len(home_mnc)]
    return (f"type0.rid{rid}.schid0.userid{supi[3 + len(mnc):]}"
            f"@nai.5gc.mnc{int(mnc):03d}.mcc{mcc}.3gppnetwork.org")


def _check_network_name(nas_: MmCore, name: str) -> bool:
    """AT_KDF_INPUT must name the serving network the UE is in (RFC 9048 3.1; TS 33.501
    6.1.3.1: the network name is the serving network name)."""
    if name == nas_.config.snn:
        return True
    nas_._note("AT_KDF_INPUT is not the serving network name", at_kdf_input=name,
               snn=nas_.config.snn)
    return False


def _client_error(ident: int) -> bytes:
    return eap.encode({"eap_code": "response", "eap_id": ident, "eap_subtype": "client-error",
                       "at_client_error_code": eap.CLIENT_ERROR_UNABLE_TO_PROCESS})


def _reject(ident: int, subtype: str) -> bytes:
    return eap.encode({"eap_code": "response", "eap_id": ident, "eap_subtype": subtype})


def _respond(nas_: MmCore, request: bytes, response: bytes, *, res_sent: bool) -> None:
    """AUTHENTICATION RESPONSE carrying the EAP-Response (TS 24.501 5.4.1.2.2). A challenge
    answered with AT_RES opens the AKMA deferral (docs/behaviour.md)."""
    reply = nas("authentication_response", **eap_fields(response))
    peer = nas_.eap
    peer.last_request, peer.last_response, peer.res_sent = request, reply, res_sent
    nas_._send(reply)
    if res_sent:
        nas_._open_akma_deferral()


def eap_success(nas_: MmCore, where: str) -> None:
    """EAP-Success (in an accepted SMC or in AUTHENTICATION RESULT): the pending KAUSF of
    the EAP-AKA' run becomes valid, replacing the old one (TS 24.501 5.4.1.2.2; TS 33.501
    6.1.3.1). Without one there is nothing to take into use."""
    if not nas_.kausf.pending_eap:
        nas_._note("EAP-Success without a pending EAP-AKA' KAUSF", where=where)
        return
    valid_fp = nas_.kausf.promote_pending()
    nas_._announced_kausf_fp = valid_fp
    nas_.outbox.put(KausfChanged("valid", valid_fp))
    nas_.eap.forget()


def on_authentication_result(nas_: MmCore, message: NasMessage, now: float) -> None:
    """AUTHENTICATION RESULT (TS 24.501 5.4.1.2.2): EAP-Success -> the new KAUSF is valid
    and the partial context takes the message's ngKSI; EAP-Failure -> the partial context
    and the pending KAUSF are deleted, nothing else (5.4.1.2.2; the full reject handling
    belongs to AUTHENTICATION REJECT). Either ends the AKMA deferral: the trigger
    ``authentication_result`` is in ``states.ENDS_AKMA_DEFERRAL``, answered by
    ``core.nas_input`` once this input is complete."""
    code = message.get("eap_code")
    if code == "success":
        partial = nas_.contexts.partial
        if partial is not None and message.get("ngksi") is not None:
            partial.ngksi = message["ngksi"]
        eap_success(nas_, "authentication_result")
    elif code == "failure":
        nas_._drop_partial("EAP-Failure in AUTHENTICATION RESULT")
    else:
        nas_._note("AUTHENTICATION RESULT without EAP-Success or EAP-Failure", eap_code=code)
