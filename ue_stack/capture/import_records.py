"""A captured UE's events as trace records (docs/trace-format.md): the `ue` operations a
replay needs around them, each message with its frame and protection, notes, AKMA probes,
and the deviations of a replayed NAS COUNT."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from ..limits import MAX_SPAN
from ..nas import codec
from ..nas.messages import MESSAGES, is_modelled
from ..trace.schema import UE_OPS
from .sessions import (
    QUESTION_OF,
    Event,
    SessionPlan,
    ue_initiated_op,
)

PROBE_PLACES = {  # --akma-probe WHERE -> the uplinks a probe follows (docs/README.md)
    "after-smc": frozenset({"security_mode_complete"}),
    "in-w1": frozenset({"authentication_response"}),
    "all": frozenset({"security_mode_complete", "authentication_response"}),
}
# NGAP procedures that end a UE's N1 signalling connection (TS 38.413 8.3.2, 8.3.3): the
# first of them on a connection is written as `ue release` (docs/trace-format.md)
RELEASE_PROCEDURES = frozenset({"UEContextReleaseCommand", "UEContextReleaseComplete"})
PROBE = {"app": "probe", "af_fqdn": "akma-probe.example.org", "ua_id": "0100000007",
         "note": "akma probe"}


def trace_records(
    events: list[Event], plan: SessionPlan, supi: str | None, ue_obj: dict[str, Any],
    *, skips: dict[int, str] | None = None, probes: frozenset[str] = frozenset(),
    releases: list[tuple[float, int]] | None = None,
) -> list[dict[str, Any]]:
    """The trace's records after the header: strict JSON objects, annotations as `note`
    (docs/trace-format.md); every imported message carries its `frame`, synthetic records none."""
    skips = skips or {}
    t0 = events[0].time
    out: list[dict[str, Any]] = []
    deviations: dict[int, list[str]] = {}
    for index, text in plan.deviations:
        deviations.setdefault(index, []).append(text)
    state = "off"  # off | on (deregistered) | registered
    who = {"supi": supi} if supi is not None else {}
    probes_due = 0
    pending_releases = list(releases or ())

    def release_until(time: float) -> None:
        # NGAP UE context releases up to ``time``: the N1 connection ends (5GMM-IDLE)
        while pending_releases and pending_releases[0][0] <= time:
            at, _frame = pending_releases.pop(0)
            if state != "off" and "release" in UE_OPS:
                t_rel = round(max(at - t0, 0.0), 6)
                if t_rel > MAX_SPAN:  # as for messages: the record before's time
                    t_rel = out[-1]["t"] if out else 0.0
                out.append({"t": t_rel, "kind": "ue", "op": "release"})

    for i, ev in enumerate(events):
        release_until(ev.time)
        t = round(max(ev.time - t0, 0.0), 6)
        if t > MAX_SPAN:  # reported by the caller; the trace format allows no more
            t = out[-1]["t"] if out else 0.0
        elif out and t < out[-1]["t"]:
            # a time stamp earlier than the frame before (clocks of two capture points):
            # a trace's t never decreases, so it keeps the time of the record before
            t = out[-1]["t"]
        if i in plan.starts:
            if i in plan.new_usim:
                if state != "off":
                    out.append({"t": t, "kind": "ue", "op": "power_off"})
                    state = "off"
                new_ue = {**who, **ue_obj, "sqn_ms": f"{plan.new_usim[i]:012x}"}
                if i in plan.stored_ngksi:
                    new_ue["ngksi"] = plan.stored_ngksi[i]
                out.append({"t": t, "kind": "ue", "op": "usim_inserted", "ue": new_ue,
                            "note": "the capture restarts this UE with a new USIM state"})
            elif state == "registered":
                out.append({"t": t, "kind": "ue", "op": "power_off"})
                state = "off"
            if state == "off":
                out.append({"t": t, "kind": "ue", "op": "power_on"})
            register: dict[str, Any] = {"t": t, "kind": "ue", "op": "register"}
            if i in plan.stored_ngksi and (i == min(plan.starts) or i in plan.new_usim):
                register["note"] = (
                    f"the UE names ngKSI {plan.stored_ngksi[i]}: it holds a native 5G NAS "
                    "security context from before the capture (ue.ngksi; its keys are not "
                    "in the capture)")
            out.append(register)
            state = "registered"
        elif state == "off" and not (ev.direction == "ul" and skips.get(i)):
            out.append({"t": t, "kind": "ue", "op": "power_on",
                        "note": "the capture starts inside a session: no registration seen "
                        "before this message"})
            state = "on"
        skip = skips.get(i)
        if ev.direction == "ul" and ev.name == "deregistration_request" and ev.plain and not skip:
            switch_off = bool(ev.plain.fields.get("switch_off"))
            op: dict[str, Any] = {"t": t, "kind": "ue", "op": "deregister"}
            if switch_off:
                op["switch_off"] = True
            out.append(op)
            state = "off" if switch_off else "on"
        rec = _message_record(t, ev)
        op_name = ue_initiated_op(ev)
        if op_name is not None and not skip and state == "registered":
            # the UE starts a procedure of its own: the model is told to start it too
            start_op: dict[str, Any] = {"t": t, "kind": "ue", "op": op_name}
            if "service_type" in rec and "service_type" in UE_OPS[op_name]:
                start_op["service_type"] = rec["service_type"]
            out.append(start_op)
        notes = [rec["note"]] if "note" in rec else []
        notes.append(_note(ev))
        notes.extend(f"the recorded UE breaks a rule here: {x}" for x in deviations.get(i, ()))
        rec["note"] = "; ".join(notes)
        if skip:
            rec["skip"] = skip
        out.append(rec)
        if ev.direction == "ul" and ev.name in probes and not skip:
            probes_due += 1
        if probes_due and (i + 1 == len(events) or events[i + 1].direction != "ul"):
            # after the run of uplinks it follows: a probe between two answers would be an
            # input that the second answer's question must precede (docs/invariants.md)
            out.extend({"t": t, "kind": "app", "op": "kaf_request", **PROBE}
                       for _ in range(probes_due))
            probes_due = 0
    release_until(float("inf"))
    return out


def _note(ev: Event) -> str:
    text = f"NGAP {ev.procedure}"
    p = ev.protection
    if p.integrity == "verified":
        text += f"; {p.nia} MAC {ev.pdu[2:6].hex()} verified (COUNT {p.count})"
    elif p.integrity == "failed":
        text += f"; {p.nia} MAC {ev.pdu[2:6].hex()} does NOT verify"
    elif p.integrity == "unsupported":
        text += "; MAC not checked (the integrity identifier names no algorithm)"
    if p.cipher not in (None, "nea0"):
        text += f"; deciphered (128-{p.cipher.upper()})"
    return text


def _message_record(t: float, ev: Event) -> dict[str, Any]:
    rec: dict[str, Any] = {"t": t, "kind": ev.direction, "frame": ev.frame}
    plain = ev.plain
    if plain is None:
        if ev.protection.note and ev.pdu[:1] == b"\x7e" and ev.pdu[1] & 0x0F in (2, 4):
            rec["msg"] = "ciphered"
            rec["note"] = ev.protection.note
        else:
            rec["msg"] = "undecoded"
            rec["note"] = ev.protection.note or "not a NAS-5GS message this importer reads"
        rec["pdu"] = ev.pdu.hex()
        return rec
    name = ev.name or plain.msg
    rec["msg"] = name
    if name is not None and is_modelled(name) and ev.direction in MESSAGES[name][0]:
        for key in MESSAGES[name][1]:
            value = plain.fields.get(key)
            if value is not None:
                rec[key] = value.hex() if isinstance(value, bytes | bytearray) else value
    rec.update(_protection_fields(ev))
    rec["pdu"] = ev.pdu.hex()
    return rec


def replayed_count_deviations(events: list[Event],
                               skipped: Container[int] = ()) -> list[tuple[int, str]]:
    """Where the recorded UE answered a protected downlink whose NAS COUNT is not above
    the last one of its context — a copy of a message already taken, which TS 24.501
    4.4.3.1 says the UE discards. The model does (NAS-5), so replay reports NAS-3 at the
    answer. A SECURITY MODE COMMAND naming another ngKSI starts a new context. A copy
    ``skipped`` (the UE's answer to it is not in the capture, sessions.find_gaps) is not
    fed to the model, so nothing is reported for it."""
    out: list[tuple[int, str]] = []
    last, ngksi = -1, None
    for i, ev in enumerate(events):
        count = ev.protection.count
        if ev.direction != "dl" or count is None or len(ev.pdu) < 2 or not ev.pdu[1] & 0x0F:
            continue
        if i in skipped:
            continue
        if ev.name == "security_mode_command" and ev.plain is not None:
            named = ev.plain.fields.get("ngksi")
            if named != ngksi:
                last, ngksi = -1, named
        if count > last:
            last = count
            continue
        answers = [j for j, a in enumerate(events) if a.direction == "ul"
                   and QUESTION_OF.get(("ul", a.name or "")) == ("dl", ev.name)]
        # the copy's answer comes after those of the same questions still open before it
        open_before = sum(1 for j, e in enumerate(events[:i])
                          if e.direction == "dl" and e.name == ev.name and j not in skipped)
        open_before -= sum(1 for j in answers if j < i)
        later = [j for j in answers if j > i]
        if 0 <= open_before < len(later):
            out.append((later[open_before], f"the UE answered frame {ev.frame}, a {ev.name} "
                        f"with NAS COUNT {count} it had taken already (TS 24.501 4.4.3.1: a "
                        "replay is discarded); replay will report it"))
    return out


# What the importer found of a MAC -> the trace's `mac` (docs/trace-format.md): a MAC it
# could not check — no keys, an identifier naming no algorithm, 5G-IA0 — is `unchecked`.
MAC_OF_INTEGRITY = {"verified": "verified", "failed": "failed"}


def _protection_fields(ev: Event) -> dict[str, Any]:
    """``sht``/``mac``/``count`` of a 5GMM message as captured and verified (TS 24.501
    9.3.1, 4.4.3): the header type from the octets, the MAC as ``UeSecurity`` checked it,
    the COUNT it verified with (or estimated)."""
    pdu = ev.pdu
    if len(pdu) < 3 or pdu[0] != codec.EPD_5GMM:
        return {}
    sht = pdu[1] & 0x0F
    if sht == codec.SHT_PLAIN:
        return {"sht": sht}
    out: dict[str, Any] = {"sht": sht,
                           "mac": MAC_OF_INTEGRITY.get(ev.protection.integrity, "unchecked")}
    if ev.protection.count is not None:
        out["count"] = ev.protection.count
    return out
