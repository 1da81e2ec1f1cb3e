"""5GBaseChecker's published NAS properties (USENIX Security 2024; repository
SyNSec-den/5GBaseChecker, ``DevLyzer/attack_trace_checker/ltl_properties.txt``, commit
245f277; AGPL, so restated in our words and cited by line), checked on **every reachable
transition** of a Mealy machine over the 5gbasechecker alphabet. docs/protection.md lists
the same lines and tests each on traces; docs/fsm.md says how each is read here.

Each property is an LTL formula over a path of (input, output) steps. Its phases ("after
the SMC", "before REGISTRATION COMPLETE") are monitors along the path, and the product of
machine and monitors is finite, so a breadth-first search visits every reachable
(state, monitors) pair and checks each input there. "No answer" is ``null_action`` (the
file's ``output_null_action`` is read the same, as docs/protection.md does).

A phase begins on the output named and ends when the UE accepts a network DEREGISTRATION
REQUEST: the N1 connection and its secure exchange end there (TS 24.501 4.4.4.2), and a
later registration starts anew — the formulas' ``G`` would otherwise carry one
registration's SMC into the next.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .alphabet import NULL_ACTION
from .machine import Mealy

SOURCE = "5GBaseChecker ltl_properties.txt (SyNSec-den/5GBaseChecker@245f277)"
N = NULL_ACTION
# (input, output) of the registration a UE must be able to complete
HAPPY_PATH = (("enable_s1", "registration_request"),
              ("auth_request_plain_text", "auth_response"),
              ("nas_sm_cmd", "nas_sm_complete"),
              ("registration_accept_protected", "registration_complete"))


@dataclass(frozen=True)
class Phase:
    """Where a path is: the outputs so far since the last DEREGISTRATION ACCEPT."""

    connected: bool = False  # REGISTRATION REQUEST sent
    awaiting_smc: bool = False  # AUTHENTICATION RESPONSE sent, the SMC not yet answered
    secure: bool = False  # SECURITY MODE COMPLETE sent
    registered: bool = False  # REGISTRATION COMPLETE sent

    def after(self, output: str) -> Phase:
        if output == "deregistration_accept":
            return Phase()
        return Phase(
            connected=self.connected or output == "registration_request",
            # a new REGISTRATION REQUEST starts the registration, and its challenge, anew
            awaiting_smc=(self.awaiting_smc or output == "auth_response")
            and output not in ("nas_sm_complete", "nas_sm_reject", "registration_request"),
            secure=self.secure or output == "nas_sm_complete",
            registered=self.registered or output == "registration_complete")


@dataclass(frozen=True)
class Property:
    line: int  # in ltl_properties.txt
    text: str
    # (phase before the input, input, output) -> holds
    holds: Callable[[Phase, str, str], bool]


def _only(input_: str, allowed: tuple[str, ...],
          when: Callable[[Phase], bool] = lambda p: True) -> Callable[[Phase, str, str], bool]:
    return lambda p, a, o: a != input_ or not when(p) or o in allowed


PROPERTIES: tuple[Property, ...] = (
    Property(2, "once registered, a protected DEREGISTRATION REQUEST is accepted or "
             "ignored", _only("deregistration_req_protected", ("deregistration_accept", N),
                              lambda p: p.registered)),
    Property(3, "before the SMC, a plain IDENTITY REQUEST is answered or ignored",
             _only("id_request_plain_text", ("id_response", N),
                   lambda p: p.connected and not p.secure)),
    Property(4, "after the SMC, a plain IDENTITY REQUEST gets no answer",
             _only("id_request_plain_text", (N,), lambda p: p.secure)),
    Property(5, "before the SMC, a plain AUTHENTICATION REQUEST is answered or ignored",
             _only("auth_request_plain_text", ("auth_response", N),
                   lambda p: p.connected and not p.secure)),
    Property(6, "after the SMC, a plain AUTHENTICATION REQUEST gets no answer",
             _only("auth_request_plain_text", (N,), lambda p: p.secure)),
    Property(7, "after the SMC, a plain REGISTRATION ACCEPT gets no answer",
             _only("registration_accept_plain_text", (N,), lambda p: p.secure)),
    Property(8, "a replayed SMC gets nothing but a SECURITY MODE REJECT",
             _only("nas_sm_cmd_replay", ("nas_sm_reject", N))),
    Property(9, "a replayed SMC gets no answer", _only("nas_sm_cmd_replay", (N,))),
    Property(10, "an SMC with null security gets nothing but a SECURITY MODE REJECT",
             _only("nas_sm_cmd_ns", ("nas_sm_reject", N))),
    Property(12, "a plain SMC with null security gets nothing but a SECURITY MODE REJECT",
             _only("nas_sm_cmd_ns_plain_text", ("nas_sm_reject", N))),
    Property(13, "a plain SMC with null security gets no answer",
             _only("nas_sm_cmd_ns_plain_text", (N,))),
    Property(14, "a plain REGISTRATION ACCEPT never gets an answer",
             _only("registration_accept_plain_text", (N,))),
    Property(29, "after AUTHENTICATION RESPONSE, the SMC is completed or ignored",
             _only("nas_sm_cmd", ("nas_sm_complete", N), lambda p: p.awaiting_smc)),
    Property(30, "after AUTHENTICATION RESPONSE, the SMC is not ignored",
             lambda p, a, o: a != "nas_sm_cmd" or not p.awaiting_smc or o != N),
    Property(31, "after the SMC, an SMC sent as an ordinary protected message is not "
             "completed", lambda p, a, o: a != "nas_sm_cmd_protected" or not p.secure
             or o != "nas_sm_complete"),
    Property(33, "after the SMC and before REGISTRATION COMPLETE, a protected "
             "REGISTRATION ACCEPT is completed or ignored",
             _only("registration_accept_protected", ("registration_complete", N),
                   lambda p: p.secure and not p.registered)),
    Property(43, "a protected CONFIGURATION UPDATE COMMAND (no acknowledgement asked) gets "
             "no answer", _only("config_update_cmd_protected", (N,))),
    Property(44, "a plain CONFIGURATION UPDATE COMMAND gets no answer",
             _only("config_update_cmd_plain_text", (N,))),
)


@dataclass(frozen=True)
class Violation:
    line: int
    inputs: tuple[str, ...]
    output: str


def check(machine: Mealy) -> list[Violation]:
    """Every property on every reachable transition: the shortest input sequence of each
    (property, state, phase, input) that breaks it."""
    found: list[Violation] = []
    start = (0, Phase())
    seen = {start}
    queue: deque[tuple[tuple[int, Phase], tuple[str, ...]]] = deque([(start, ())])
    while queue:
        (s, phase), path = queue.popleft()
        for a in machine.inputs:
            t, o = machine.delta[s][a]
            for prop in PROPERTIES:
                if not prop.holds(phase, a, o):
                    found.append(Violation(prop.line, (*path, a), o))
            nxt = (t, phase.after(o))
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, (*path, a)))
    return found


def follows_happy_path(machine: Mealy) -> bool:
    """Registration -> authentication -> security mode -> accept, from the start."""
    return machine.run(a for a, _ in HAPPY_PATH) == [o for _, o in HAPPY_PATH]
