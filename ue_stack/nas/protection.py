"""NAS message protection at the UE's N1 boundary (TS 24.501 4.4.3.1, 4.4.4.2, 4.4.5,
9.1.1, 9.3.1; TS 33.501 6.4, 6.7.2).

One table, ``UNPROTECTED``, says which downlink messages the UE may process before the
network has established secure exchange of NAS messages, and on which condition; one
function, ``Boundary.admit``, applies it — and after secure exchange the rules for every
message: nothing plain, nothing whose integrity check failed, no NAS COUNT at or below
the last one accepted in that context. Every downlink passes ``admit`` before any
handler sees it (``Nas.handle_n1``); what it refuses is discarded, and the caller logs
it with the reason and clause returned here.

The same module protects: ``protect`` builds the security protected message (integrity
with the selected 128-NIA, ciphering with the selected 128-NEA; 5G-EA0 leaves it
readable) for the UE's uplink and for the twin AMF's downlink, and ``mac_ok`` checks
one. No logging, no I/O.

Where the 3GPP text was not at hand, the choice is made here and said so: a message
whose MAC the recorder could not check (``mac: unchecked``) is treated like a verified
one (the recorder lacked the keys, the UE did not), and a hand-written message without
``sht`` means what the spec says a network sends (docs/trace-format.md), so it is
admitted (docs/protection.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..crypto.aka import k_nas_enc, k_nas_int
from ..crypto.nas_security import CIPHERING, DOWNLINK, INTEGRITY, NAS_BEARER, UPLINK
from .messages import (
    SHT_CIPHERED,
    SHT_CIPHERED_NEW_CONTEXT,
    SHT_INTEGRITY,
    SHT_NEW_CONTEXT,
    SHT_PLAIN,
    NasMessage,
    Protection,
)

if TYPE_CHECKING:
    from .context import NasSecurityContext, SecurityContexts

CLAUSE_UNPROTECTED = "TS 24.501 4.4.4.2"
CLAUSE_REPLAY = "TS 24.501 4.4.3.1"
CLAUSE_SMC = "TS 24.501 4.4.4.2, 5.4.2.2"
CAUSE_ILLEGAL_UE_MAY_BE_UNPROTECTED = 76  # "not authorized for this CAG or ..." (#76)
IDENTITY_SUCI = 1  # 5GS identity type SUCI (9.11.3.3)
DEREGISTERED_INITIATED = "5GMM-DEREGISTERED-INITIATED"
MAX_COUNT = 0xFFFFFF
# Initial NAS messages the UE sends integrity protected only (TS 24.501 4.4.6)
INITIAL_NAS_MESSAGES = frozenset({"registration_request", "service_request"})


@dataclass(frozen=True, slots=True)
class Unprotected:
    """One row of the 4.4.4.2 list: the condition on which the UE processes the message
    without integrity protection (None: always), in words for the ``discarded`` line."""

    # (the message — anything with ``get(field)``: a NasMessage, a log line —, 5GMM state)
    condition: Callable[[Any, str], bool] | None = None
    unless: str = ""


def _not_cause_76(message: Any, state: str) -> bool:
    return bool(message.get("cause") != CAUSE_ILLEGAL_UE_MAY_BE_UNPROTECTED)


# TS 24.501 4.4.4.2: before secure exchange of NAS messages is established for the NAS
# signalling connection, these — and only these — are processed when not (successfully)
# integrity protected. The condition receives the message and the UE's 5GMM state.
UNPROTECTED: dict[str, Unprotected] = {
    "identity_request": Unprotected(
        lambda m, state: m.get("identity_type") == IDENTITY_SUCI,
        "it asks for an identity other than the SUCI"),
    "authentication_request": Unprotected(),
    "authentication_result": Unprotected(),
    "authentication_reject": Unprotected(),
    "registration_reject": Unprotected(_not_cause_76, "it carries cause #76"),
    "service_reject": Unprotected(_not_cause_76, "it carries cause #76"),
    # The UE's own DEREGISTRATION REQUEST was not for switch-off: only then does it
    # await an ACCEPT (5.5.2.2.2), in 5GMM-DEREGISTERED-INITIATED.
    "deregistration_accept": Unprotected(
        lambda m, state: state == DEREGISTERED_INITIATED,
        "no DEREGISTRATION REQUEST other than for switch-off awaits it"),
}


@dataclass(frozen=True, slots=True)
class Discard:
    """Why a downlink is not acted on (logged as ``discarded``)."""

    reason: str
    clause: str


class Boundary:
    """The UE's protection state for N1: whether the network has established secure
    exchange of NAS messages on this NAS signalling connection (4.4.4.2). The NAS COUNTs
    live in each ``NasSecurityContext`` (a context's counts outlive the connection)."""

    __slots__ = ("build_pdus", "secure")

    def __init__(self, *, build_pdus: bool = False) -> None:
        self.secure = False
        # Build the protected octets of every uplink (simulation: --pcap and the twin's
        # own MAC check); replay keeps only the counts.
        self.build_pdus = build_pdus

    def released(self) -> None:
        """The NAS signalling connection is gone (or its context deleted): the next one
        starts without secure exchange."""
        self.secure = False

    def established(self) -> None:
        """The UE accepted a SECURITY MODE COMMAND (5.4.2.3)."""
        self.secure = True

    # -- downlink ------------------------------------------------------------------------

    def admit(self, message: NasMessage, state: str,
              contexts: SecurityContexts) -> Discard | None:
        """None when the UE may act on ``message``; else why it is discarded."""
        protection = message.protection
        smc = message.msg == "security_mode_command"
        if protection is None:  # a hand-written v1 record: what the spec says was sent,
            # with the next downlink COUNT of its context (an SMC: of the one it names)
            ctx = _named(contexts, message.get("ngksi")) if smc else contexts.current
            if ctx is not None and (smc or ctx.nia is not None):
                ctx.dl_count += 1
            return None
        if smc:
            return self._admit_smc(message, protection, contexts)
        ctx = contexts.current
        if protection.sht == SHT_PLAIN:
            verified = False
        else:
            verified = _mac_result(protection, ctx, None, DOWNLINK) != "failed"
        if not verified:
            what = "not integrity protected" if protection.sht == SHT_PLAIN else (
                "its integrity check failed")
            if self.secure:
                return Discard(f"{what}, after secure exchange of NAS messages",
                               CLAUSE_UNPROTECTED)
            rule = UNPROTECTED.get(message.msg)
            if rule is None:
                return Discard(f"{what}, and not one of the messages processed before "
                               "secure exchange", CLAUSE_UNPROTECTED)
            if rule.condition is not None and not rule.condition(message, state):
                return Discard(f"{what}, and {rule.unless}", CLAUSE_UNPROTECTED)
            return None
        if ctx is not None and ctx.nia is not None:
            replay = _replayed(protection, ctx)
            if replay is not None:
                return replay
            self.secure = True  # a message that passes the check establishes it
        return None

    def _admit_smc(self, message: NasMessage, protection: Protection,
                   contexts: SecurityContexts) -> Discard | None:
        """The SECURITY MODE COMMAND: integrity protected with the context of the ngKSI
        it names (security header type 3) and checked with that context's keys and the
        NIA it selects (5.4.2.2, 4.4.4.2)."""
        if protection.sht != SHT_NEW_CONTEXT:
            return Discard(f"SECURITY MODE COMMAND with security header type "
                           f"{protection.sht}, not 3 (new 5G NAS security context)", CLAUSE_SMC)
        ctx = _named(contexts, message.get("ngksi"))
        if _mac_result(protection, ctx, message.get("nia"), DOWNLINK) == "failed":
            return Discard("SECURITY MODE COMMAND: integrity check with the named "
                           "context failed", CLAUSE_SMC)
        if ctx is not None:
            return _replayed(protection, ctx)
        return None

    # -- uplink --------------------------------------------------------------------------

    def protect_ul(self, message: NasMessage, contexts: SecurityContexts) -> NasMessage:
        """The UE's uplink, protected with the current context once one is in use
        (4.4.5): SECURITY MODE COMPLETE with security header type 4, REGISTRATION
        REQUEST and SERVICE REQUEST integrity only (type 1: initial NAS messages, whose
        cleartext IEs the AMF must read, 4.4.6), the rest type 2.
        The uplink NAS COUNT advances either way; the octets are built only with
        ``build_pdus`` (the log then carries them)."""
        ctx = contexts.current
        if ctx is None or ctx.nia is None:
            return message
        if ctx.resumed and message.msg in INITIAL_NAS_MESSAGES:
            # A context resumed from before the run (``ue.stored``): the UE protects its
            # initial NAS message with it and from then on takes secure exchange as
            # established on this connection — a plain downlink is discarded, a protected
            # one checked with the context's keys. Where the network instead starts a new
            # authentication in clear, the UE follows the 4.4.4.2 list only before this
            # point; our choice, said in docs/protection.md.
            self.secure = True
        count = ctx.ul_count
        ctx.ul_count = (count + 1) & MAX_COUNT
        if not self.build_pdus:
            return message
        if message.msg == "security_mode_complete":
            sht = SHT_CIPHERED_NEW_CONTEXT
        elif message.msg in INITIAL_NAS_MESSAGES:
            sht = SHT_INTEGRITY
        else:
            sht = SHT_CIPHERED
        return protect(message, ctx, sht, count, UPLINK)


def _named(contexts: SecurityContexts, ngksi: int | None) -> NasSecurityContext | None:
    for ctx in (contexts.partial, contexts.current):
        if ctx is not None and ctx.ngksi == ngksi:
            return ctx
    return None


def _replayed(protection: Protection, ctx: NasSecurityContext) -> Discard | None:
    """4.4.3.1: a NAS COUNT at or below the last one accepted in the context is a replay;
    otherwise it becomes the last accepted."""
    count = protection.count
    if count is None:
        ctx.dl_count += 1
        return None
    if count <= ctx.dl_count:
        return Discard(f"NAS COUNT {count} is not above {ctx.dl_count}, the last accepted "
                       "in this context (replay)", CLAUSE_REPLAY)
    ctx.dl_count = count
    return None


def _mac_result(protection: Protection, ctx: NasSecurityContext | None, nia: int | None,
                direction: int) -> str:
    """The MAC as this receiver finds it: checked here when the sender's octets and the
    context's keys are at hand, else as recorded (``unchecked`` when not said)."""
    pdu = protection.pdu
    if pdu is not None and ctx is not None and ctx.keys_known:
        alg = nia if nia is not None else ctx.nia
        if alg is not None and alg in INTEGRITY and protection.count is not None:
            key = k_nas_int(ctx.k_amf, alg)  # type: ignore[arg-type]  # keys_known
            return "verified" if mac_ok(key, alg, protection.count, direction, pdu) else "failed"
    return protection.mac or "unchecked"


# -- building and checking protected messages (TS 24.501 9.1.1; TS 33.501 6.4) -------------

def mac_ok(key: bytes, nia: int, count: int, direction: int, pdu: bytes) -> bool:
    """Does the MAC of the security protected message ``pdu`` check out? The MAC covers
    the sequence number octet and the (ciphered) inner message (TS 24.501 4.4.3.3)."""
    if len(pdu) < 7 or nia not in INTEGRITY:
        return False
    expected = INTEGRITY[nia](key, count, NAS_BEARER, direction, pdu[6:])
    return hmac.compare_digest(expected, pdu[2:6])


def protect(message: NasMessage, ctx: NasSecurityContext, sht: int, count: int,
            direction: int) -> NasMessage:
    """``message`` protected with ``ctx`` at NAS ``count``: the plain message encoded,
    ciphered with the context's NEA for types 2/4 (NEA0 leaves it readable), the MAC of
    its NIA over sequence number and payload (TS 24.501 9.1.1, 4.4.3.3, 4.4.4, 4.4.5).
    A context whose keys the model does not know gives the header without octets."""
    from .codec import encode_pdu, protected_pdu  # the codec is only needed here

    if not ctx.keys_known or ctx.nia is None:
        return NasMessage(message.msg, message.fields, Protection(sht, None, count))
    inner = encode_pdu(message)
    nea = ctx.nea or 0
    if sht in (SHT_CIPHERED, SHT_CIPHERED_NEW_CONTEXT) and nea in CIPHERING:
        inner = CIPHERING[nea](k_nas_enc(ctx.k_amf, nea),  # type: ignore[arg-type]
                               count, NAS_BEARER, direction, inner)
    seq = count & 0xFF
    if ctx.nia in INTEGRITY:
        mac = INTEGRITY[ctx.nia](k_nas_int(ctx.k_amf, ctx.nia),  # type: ignore[arg-type]
                                 count, NAS_BEARER, direction, bytes((seq,)) + inner)
    else:
        mac = bytes(4)  # 5G-IA0: the MAC field is all zero (TS 33.501 D.1)
    return NasMessage(message.msg, message.fields,
                      Protection(sht, "verified", count, protected_pdu(sht, mac, seq, inner)))
