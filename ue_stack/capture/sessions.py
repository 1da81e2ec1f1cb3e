"""A captured UE's messages as sessions (docs/trace-format.md): where each session starts,
the USIM's SQN state and stored NAS context the evidence implies, the places where the
recorded UE broke a rule (so replay reports NAS-3 there), and the gaps the capture shows
— half-exchanges whose records get ``skip`` so that no false NAS-3 follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..crypto import aka
from ..nas import codec
from ..nas.codec import DecodedPdu, decode_pdu
from ..nas.core import DEFAULT_TIMERS
from ..nas.messages import NGKSI_NO_KEY, is_modelled
from ..trace.schema import UE_OPS
from .security import Protection


@dataclass(slots=True)
class Event:
    """One NAS PDU of a UE, after security."""

    frame: int
    time: float
    direction: str
    pdu: bytes
    procedure: str
    conn: int
    plain: DecodedPdu | None
    protection: Protection
    name: str | None = None
    auth: Any = None  # security.AuthEvidence for an AUTHENTICATION REQUEST
    resync: Any = None  # aka.Resync for an AUTHENTICATION FAILURE #21



@dataclass(slots=True)
class SessionPlan:
    """Where sessions start, and the USIM state each one declares."""

    starts: dict[int, str]  # event index -> "first" | "next"
    new_usim: dict[int, int]  # event index of a session start -> sqn_ms of a new USIM
    initial_sqn_ms: int | None = None
    # event index of a session start -> the ngKSI (0..6) its REGISTRATION REQUEST names:
    # the UE holds a native 5G NAS security context from before (TS 24.501 5.5.1.2.2)
    stored_ngksi: dict[int, int] = field(default_factory=dict)
    # (event index, why): where the recorded UE breaks a rule the model keeps, so replay
    # reports NAS-3 there (docs/invariants.md) instead of the trace copying the breach
    deviations: list[tuple[int, str]] = field(default_factory=list)


def expectation(plan: SessionPlan) -> dict[str, Any]:
    """The header's ``expect`` (docs/trace-format.md) for a conforming model: the recorded UE's
    behaviour reproduced (``pass``), except at the rule breaches the importer found."""
    if plan.deviations:
        return {"verdict": "fail", "violations": ["NAS-3"]}
    return {"verdict": "pass", "violations": []}


def answer_of(events: list[Event], i: int) -> Event | None:
    """The UE's answer to the AUTHENTICATION REQUEST at ``events[i]``."""
    for ev in events[i + 1 :]:
        if ev.direction == "dl" and ev.name == "authentication_request":
            return None
        if ev.direction == "ul" and ev.name in (
            "authentication_response",
            "authentication_failure",
        ):
            return ev
    return None


def forbidden_causes(events: list[Event]) -> list[tuple[int, str]]:
    """AUTHENTICATION FAILUREs whose cause the AUTN, checked with the UE's keys, rules out
    (no entry of nas/alternatives.py permits them): #20 for an AUTN whose MAC-A verifies,
    #21 for one whose MAC-A fails (TS 33.102 6.3.3: MAC-A first, the SQN only after it).
    Replay reports NAS-3 there, so the expectation says so."""
    out = []
    for i, ev in enumerate(events):
        if ev.auth is None or ev.auth.mac_ok is None:
            continue
        answer = answer_of(events, i)
        if answer is None or answer.name != "authentication_failure" or answer.plain is None:
            continue
        cause = answer.plain.fields.get("cause")
        if cause == 20 and ev.auth.mac_ok:
            why = "MAC failure (#20) for an AUTN whose MAC-A verifies with the UE's keys"
        elif cause == 21 and not ev.auth.mac_ok:
            why = ("synch failure (#21) for an AUTN whose MAC-A fails: the USIM checks MAC-A "
                   "first (TS 33.102 6.3.3), so the answer is #20")
        else:
            continue
        out.append((events.index(answer), f"frame {answer.frame}: {why}"))
    return out


# (uplink, its registration type) -> the `ue` op that makes the model start that
# UE-initiated procedure (docs/trace-format.md; `register` and `deregister` are written elsewhere)
UE_INITIATED = {
    ("registration_request", "mobility"): "mobility_update",
    ("registration_request", "periodic"): "periodic_update",
    ("service_request", None): "service_request",
}


def ue_initiated_op(ev: Event) -> str | None:
    """The `ue` op that starts the UE-initiated procedure ``ev`` begins, if it begins one."""
    if ev.direction != "ul" or ev.plain is None or ev.name is None:
        return None
    return UE_INITIATED.get((ev.name, ev.plain.fields.get("registration_type")))


def _is_registration_start(ev: Event) -> bool:
    return (
        ev.direction == "ul"
        and ev.name == "registration_request"
        and ev.plain is not None
        and ev.plain.extra.get("registration_type_value") in (1, 4)  # initial, emergency
    )


def plan_sessions(
    events: list[Event], *, with_sqn: bool, notes: list[str], where: str
) -> SessionPlan:
    """Split a UE's messages into sessions and infer the USIM's SQN state.

    A session starts at an initial REGISTRATION REQUEST on a new NGAP connection. The SQN
    state follows the delta rule of docs/trace-format.md, as replay will: the first SQN the UE
    accepted (state SQN-1), or the SQN_MS an AUTS reveals, fixes the state; a session
    whose first evidence contradicts the state carried over is a restarted UE (new USIM
    object); a contradiction inside a session is the recorded UE breaking the rules and
    is left for replay to report (NAS-3), not copied.
    """
    plan = SessionPlan({}, {})

    def deviation(answer: Event, text: str) -> None:
        """The recorded UE broke the delta rule: say so, and let replay show it."""
        notes.append(f"{where}: {text}")
        plan.deviations.append((events.index(answer), text))

    last_conn = None
    for i, ev in enumerate(events):
        if _is_registration_start(ev) and ev.conn != last_conn:
            plan.starts[i] = "first" if not plan.starts else "next"
            last_conn = ev.conn
            ngksi = ev.plain.fields.get("ngksi") if ev.plain is not None else None
            if isinstance(ngksi, int) and 0 <= ngksi < NGKSI_NO_KEY:
                plan.stored_ngksi[i] = ngksi
    if not with_sqn:
        return plan
    model: int | None = None
    retransmitted: tuple[bytes, float] | None = None  # the last accepted RAND, and when
    session_start: int | None = None
    first_in_session = True
    for i, ev in enumerate(events):
        if i in plan.starts:
            session_start, first_in_session = i, True
            retransmitted = None  # a new session: T3516 does not run on
        if ev.auth is None or ev.auth.sqn is None:
            continue
        if retransmitted is not None and ev.auth.rand == retransmitted[0] and (
                ev.time - retransmitted[1] < T3516):
            continue  # the same RAND again: answered from the stored RES*, no USIM check
        answer = answer_of(events, i)
        sqn = int.from_bytes(ev.auth.sqn, "big")
        evidence: int | None = None  # the USIM's state before this challenge, if known
        accepted = False
        if answer is not None and answer.name == "authentication_response":
            accepted = True
        elif answer is not None and answer.plain is not None:
            cause = answer.plain.fields.get("cause")
            if cause == 21 and answer.resync is not None and answer.resync.mac_s_ok:
                evidence = int.from_bytes(answer.resync.sqn_ms, "big")
            elif cause == 26:
                accepted = True  # the USIM accepted the SQN before the ME saw the AMF
        if answer is None or (not accepted and evidence is None):
            continue
        restart_ok = (
            first_in_session
            and session_start is not None
            and plan.starts.get(session_start) == "next"
        )
        first_in_session = False
        if model is None:
            model = evidence if evidence is not None else max(sqn - 1, 0)
            plan.initial_sqn_ms = model
        elif evidence is not None and evidence != model:
            if restart_ok and session_start is not None:
                plan.new_usim[session_start] = model = evidence
            else:
                deviation(
                    answer,
                    f"the AUTS of frame {answer.frame} shows SQN_MS {evidence:012x}, the "
                    f"delta rule gives {model:012x}; replay will show the difference",
                )
        elif accepted and not aka.sqn_is_fresh(sqn.to_bytes(6, "big"), model.to_bytes(6, "big")):
            if restart_ok and session_start is not None:
                plan.new_usim[session_start] = max(sqn - 1, 0)
            else:
                deviation(
                    answer,
                    f"the UE accepted SQN {sqn:012x} at frame {ev.frame} although its USIM "
                    f"had accepted {model:012x}: a replayed SQN; replay will report it (NAS-3)",
                )
                continue
        if accepted:
            model = sqn
            retransmitted = (ev.auth.rand, ev.time)
    return plan


# --- gaps: answers without their question (docs/trace-format.md, `skip`) ---------------------

UL, DL = "ul", "dl"
# answer (direction, msg) -> the question it answers (sent the other way)
QUESTION_OF = {
    (UL, "authentication_response"): (DL, "authentication_request"),
    (UL, "authentication_failure"): (DL, "authentication_request"),
    (UL, "security_mode_complete"): (DL, "security_mode_command"),
    (UL, "security_mode_reject"): (DL, "security_mode_command"),
    (UL, "registration_complete"): (DL, "registration_accept"),
    (UL, "identity_response"): (DL, "identity_request"),
    (DL, "registration_accept"): (UL, "registration_request"),
    (DL, "registration_reject"): (UL, "registration_request"),
    (DL, "deregistration_accept"): (UL, "deregistration_request"),
    (UL, "deregistration_accept"): (DL, "deregistration_request"),
}
QUESTIONS = frozenset(QUESTION_OF.values())
# a question -> the questions whose answer the network needs before it sends this one
# (TS 24.501 5.5.1.2: the AMF sends the SMC after the RES*, the accept after the SMC
# COMPLETE): one of those still open means the UE's answer is missing from the capture
NEEDS_ANSWER = {
    (DL, "security_mode_command"): ((DL, "authentication_request"),),
    (DL, "registration_accept"): ((DL, "security_mode_command"), (DL, "authentication_request")),
}
# an uplink seen again within this many seconds is a duplicate in the capture, not the UE
# retransmitting: the shortest NAS retransmission timer (T3517, TS 24.501 10.2) is 5 s
DUPLICATE_WITHIN = 1.0
# TS 24.501 10.2: while T3516 runs the UE answers the same RAND with the stored RES*
T3516 = DEFAULT_TIMERS["T3516"]
UNREADABLE = (DL, "?")  # a downlink that does not decode or decipher: any question
# uplinks that never answer a downlink question (so they prove no answer lost)
_NOT_ANSWERS = frozenset({"registration_request", "deregistration_request", "status"})


@dataclass(slots=True)
class Gaps:
    reasons: dict[int, str] = field(default_factory=dict)  # event index -> skip reason
    # (start, end, what, severity): "error" for a gap, "note" for an unanswered question
    gaps: list[tuple[int, int, str, str]] = field(default_factory=list)


def _gap_key(ev: Event) -> tuple[str, str] | None:
    """What a message is, for gap detection: its name, or for a message whose security
    context is not in the capture the NEA0 reading of it when that parses completely."""
    if ev.plain is not None:
        return (ev.direction, ev.name) if ev.name else None
    guess = decode_pdu(ev.pdu)
    name = codec.transport_name(guess) if guess is not None and guess.msg else None
    return (ev.direction, name) if name else None


def _asks(key: tuple[str, str], ev: Event) -> bool:
    """A downlink question the UE must answer (a REGISTRATION ACCEPT only with a 5G-GUTI,
    TS 24.501 5.5.1.2.4)."""
    if key == (DL, "registration_accept"):
        return ev.plain is not None and "guti" in ev.plain.extra
    return key[0] == DL and key in QUESTIONS


def _answered_71(events: list[Event], i: int) -> bool:
    """The UE answered the challenge at ``i`` with #71 (ngKSI already in use): that answer
    depends on which context the UE holds, which a skipped span may have changed (an SMC
    the model never got), so the challenge is no point of resynchronisation."""
    answer = answer_of(events, i)
    return (answer is not None and answer.name == "authentication_failure"
            and answer.plain is not None and answer.plain.fields.get("cause") == 71)


def _same_question(a: Event, b: Event) -> bool:
    """The same downlink sent again: the same decoded fields (an AUTHENTICATION REQUEST
    with the same RAND and AUTN, an SMC naming the same algorithms and ngKSI), whatever its
    NAS COUNT; or the same octets where it could not be read."""
    if a.plain is not None and b.plain is not None:
        return a.name == b.name and a.plain.fields == b.plain.fields
    return a.pdu == b.pdu


def find_gaps(events: list[Event], plan: SessionPlan) -> Gaps:
    """Half-exchanges the capture shows (docs/trace-format.md ``skip``), so replay reports no
    false NAS-3:

    - an answer whose question is not in the capture, or a SECURITY MODE COMMAND for a
      context whose authentication is not in it (error: a gap);
    - a question whose answer must have been sent but is not in the capture: the network
      went on as if answered, or the UE's next 5GMM uplink is something else (error);
    - a question the network repeats before an answer (note: the earlier copy is
      skipped), or one still unanswered when the session ends (note: a timer expired or
      the capture ended; skipped, or the model's answer would have nothing to match).

    A gap skips its first record and every later one of the session up to the next
    point where the model can re-synchronise: a new AUTHENTICATION REQUEST with a fresh
    challenge, or a new initial REGISTRATION REQUEST."""
    out = Gaps()
    open_q: dict[tuple[str, str], int] = {}  # question -> event index
    skipping: str | None = None
    severity, label = "error", "gap: "  # of the span being skipped
    skipped_rand: bytes | None = None
    fed_rand: bytes | None = None
    last_ul: int | None = None  # the last uplink compared (not skipped)
    prev_conn: int | None = None
    start = 0
    authenticated = False
    started = False  # a session start (initial registration) seen: the UE is registered
    stored: int | None = None

    def gap(first: int, why: str, kind: str = "error") -> None:
        nonlocal skipping, start, severity, label
        skipping, start = why, first
        severity, label = kind, "gap: " if kind == "error" else ""
        copies.clear()
        answered.clear()
        for j in range(first, i):
            out.reasons[j] = f"{label}{why}"

    def end_session(end: int) -> None:
        nonlocal skipping
        if skipping is not None:
            out.gaps.append((start, end, skipping, severity))
            skipping = None
        asked = sorted(j for q, j in open_q.items() if q != UNREADABLE and _asks(q, events[j]))
        if asked:
            j = asked[0]
            why = f"{events[j].name} unanswered in the capture"
            for k in range(j, end):
                out.reasons.setdefault(k, why)
            out.gaps.append((j, end, why, "note"))
        open_q.clear()

    # a question the network sent again, identical, before the UE answered (a RAN-level
    # duplicate or a retransmission): its pending copies, in order, and how many of them the
    # UE answered. Each answer is paired with one copy (TS 24.501 5.4.1.3.7: the same
    # RAND while T3516 runs is answered again, with the stored RES*), so neither answer is
    # a gap; copies left without an answer are skipped with a note once the burst is over.
    copies: dict[tuple[str, str], list[int]] = {}
    answered: dict[tuple[str, str], int] = {}

    def end_bursts(key: tuple[str, str] | None) -> None:
        answers = QUESTION_OF.get(key) if key is not None else None
        for q in [q for q in copies if key != q and answers != q]:
            pending = copies.pop(q)
            if answered.pop(q, 0):
                unanswered = pending  # the UE answered some copies, not these
                open_q.pop(q, None)
            else:
                unanswered = pending[:-1]  # the last copy is the question still open
            for j in unanswered:
                out.reasons[j] = f"{q[1]} repeated; the UE's answer to this copy is not " \
                    "in the capture"
                out.gaps.append((j, j + 1, out.reasons[j], "note"))

    for i, ev in enumerate(events):
        key = _gap_key(ev)
        if copies and skipping is None:
            end_bursts(key)
        if i in plan.starts and i > 0:
            copies.clear()
            answered.clear()
            end_session(i)
        if i in plan.starts:
            authenticated, stored, started = False, plan.stored_ngksi.get(i), True
            fed_rand = None
        if (skipping is None and i not in plan.starts and prev_conn is not None
                and ev.conn != prev_conn):
            # a new NGAP connection: what the network asked on the last one and the UE did
            # not answer is over, and later records may depend on it (an accepted
            # registration the model never completed)
            if copies:
                end_bursts(None)
            left = sorted(j for q, j in open_q.items()
                          if q != UNREADABLE and _asks(q, events[j]))
            if left:
                gap(left[0], f"{events[left[0]].name} unanswered before its NGAP "
                    "connection ended", "note")
            open_q.clear()
        prev_conn = ev.conn
        if skipping is not None and (i in plan.starts or (
                key == (DL, "authentication_request") and ev.plain is not None
                and ev.plain.fields.get("rand") not in (skipped_rand, fed_rand)
                and not _answered_71(events, i))):
            out.gaps.append((start, i, skipping, severity))
            skipping = None
        if skipping is None:
            if key is None:  # unreadable: it may answer anything open, or ask anything
                if ev.direction == UL:
                    open_q.clear()
                else:
                    open_q[UNREADABLE] = i
                continue
            question = QUESTION_OF.get(key)
            if (key[0] == UL and last_ul is not None and events[last_ul].pdu == ev.pdu
                    and ev.time - events[last_ul].time < DUPLICATE_WITHIN
                    and (question is None or question not in open_q)):
                # the same uplink octets again at once, answering nothing open: the
                # capture shows one message twice (no NAS timer retransmits this fast).
                # Not a gap: skipped with a note.
                out.reasons[i] = f"{key[1]} repeated: the same uplink as frame " \
                    f"{events[last_ul].frame}"
                out.gaps.append((i, i + 1, out.reasons[i], "note"))
                continue
            if key[0] == UL:
                last_ul = i
            op = ue_initiated_op(ev)
            if op is not None and (op not in UE_OPS or not started):
                # replay has no way to make the model start it: an honest expectation
                # skips it up to the next point of re-synchronisation (a note, no gap)
                why = (f"`ue {op}` is not an operation of this version's traces"
                       if op not in UE_OPS else "the UE is not registered in the trace")
                gap(i, f"{key[1]} starts a UE-initiated procedure replay cannot start: {why}",
                    "note")
                out.reasons[i] = f"{label}{skipping}"
                continue
            lost = [q for q in NEEDS_ANSWER.get(key, ()) if q in open_q]
            asked = sorted((j, q) for q, j in open_q.items()
                           if q != UNREADABLE and _asks(q, events[j]))
            if key == (DL, "authentication_request"):
                # the model has this RAND (and may answer it again from T3516's RES*):
                # a challenge repeating it after a gap is no point of resynchronisation
                authenticated = True
                fed_rand = ev.plain.fields.get("rand") if ev.plain is not None else None
            if lost:
                gap(open_q[lost[0]], f"the answer to {lost[0][1]} is not in the capture")
            elif (key == (DL, "security_mode_command") and not authenticated
                  and ev.plain is not None and ev.plain.fields.get("ngksi") != stored):
                gap(i, "security_mode_command for a context whose authentication is not "
                    "in the capture")
            elif (key[0] == UL and asked and question not in open_q
                  and key[1] not in _NOT_ANSWERS and is_modelled(key[1])):
                j, q = asked[0]
                gap(j, f"the answer to {q[1]} is not in the capture")
            elif question is not None and question not in open_q and UNREADABLE in open_q:
                # the downlink it answers may be in the capture, but replay cannot feed
                # an unreadable one to the model, which then never sends this answer
                gap(i, f"{key[1]} answers a downlink that could not be read (frame "
                    f"{events[open_q[UNREADABLE]].frame}), so the model never gets its "
                    f"{question[1]}")
            elif question is not None and question not in open_q:
                gap(i, f"{key[1]} without its {question[1]}: that is not in the capture")
            elif question is not None and events[open_q[question]].plain is None:
                # its question reads as NEA0 but is written `ciphered` (its context is not
                # in the capture): replay cannot feed it, so the model never answers it.
                # Why it is unreadable is reported on its own; this skip is a note
                gap(i, f"{key[1]} answers a downlink replay cannot feed (frame "
                    f"{events[open_q[question]].frame}, not deciphered)", "note")
            elif question is not None:
                pending = copies.get(question)
                if pending:  # one copy of a repeated question answered
                    pending.pop(0)
                    answered[question] = answered.get(question, 0) + 1
                    if not pending:
                        del copies[question], answered[question]
                if not pending:
                    open_q.pop(question, None)
                open_q.pop(UNREADABLE, None)
            elif key in open_q and key[0] == DL and _asks(key, events[open_q[key]]):
                earlier = open_q[key]
                if _same_question(events[earlier], ev):
                    if answered.pop(key, 0):
                        # sent again after answers to earlier copies: those still pending
                        # were not answered, and this copy starts a burst of its own
                        # (replay pairs each answer with the copies just before it)
                        for j in copies.pop(key, []):
                            out.reasons[j] = f"{key[1]} repeated; the UE's answer to this " \
                                "copy is not in the capture"
                            out.gaps.append((j, j + 1, out.reasons[j], "note"))
                    else:
                        copies.setdefault(key, [earlier]).append(i)
                    open_q[key] = i
                    continue
                # asked again, differently, before any answer: the earlier copy is lost
                for j in copies.pop(key, [earlier]):
                    out.reasons[j] = f"{key[1]} repeated before an answer"
                    out.gaps.append((j, j + 1, out.reasons[j], "note"))
                answered.pop(key, None)
            if skipping is None:
                if key in QUESTIONS:
                    open_q[key] = i
                continue
        if key == (DL, "authentication_request"):
            skipped_rand = ev.plain.fields.get("rand") if ev.plain is not None else None
        out.reasons[i] = f"{label}{skipping}"
    if copies and skipping is None:
        end_bursts(None)
    end_session(len(events))
    return out
