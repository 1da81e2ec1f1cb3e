"""Choices the specifications leave open to a UE: the one table of them (docs/behaviour.md,
"Permitted alternatives").

Where the spec lets a conforming UE answer one input in more than one way, the model has
its own choice (the first option) and the other options are permitted too. The model asks
``choose`` at each such point; by default it keeps its own choice. Replay passes a
chooser that takes the option the recorded UE took, so a real phone's permitted choice is
neither reported as NAS-3 nor leaves the model out of step with the capture, and counts it
in the report (``alternatives``, with the clause). An answer that no entry permits stays
what it was: a NAS-3 violation.

Not alternatives (the spec orders them, so a phone that differs is wrong):
- #21 (synch failure) where the MAC fails: TS 33.102 6.3.3 has the USIM verify MAC-A
  first, and the SQN only once MAC-A is right, so such an AUTN is answered with #20.
- A retransmitted RAND while T3516 runs answered through the USIM (#21): TS 24.501
  5.4.1.3.7 has the UE send the stored RES* without passing RAND to the USIM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .messages import NasMessage


@dataclass(frozen=True, slots=True)
class Alternative:
    """One open choice: a stable ``id``, the ``clause`` that leaves it open, and what it
    is about, for people."""

    id: str
    clause: str
    text: str


# -- the table ------------------------------------------------------------------------

NGKSI_OR_AUTN_FIRST = Alternative(
    "ngksi-or-autn-first",
    "TS 24.501 5.4.1.3.5, 5.4.1.3.7",
    "an AUTHENTICATION REQUEST whose ngKSI is already in use and whose AUTN also fails "
    "the USIM's or the ME's check: #71 (ngKSI already in use) or that check's cause (#20, "
    "#21, #26); neither clause says which check comes first. The model checks the ngKSI "
    "first (#71)")
SEPARATION_BIT_OR_USIM_FIRST = Alternative(
    "separation-bit-or-usim-first",
    "TS 33.501 6.1.3.2; TS 24.501 5.4.1.3.5",
    "an AUTN whose AMF separation bit is 0 and that also fails the USIM's check: the ME's "
    "#26 or the USIM's #20/#21. The ME reads the separation bit from AUTN without the USIM; "
    "no text we hold orders the two checks (TS 33.501 6.1.3.2 names the ME's check after "
    "the USIM's, without saying the ME must wait for it). The model lets the USIM go "
    "first (#20/#21)")

TABLE: tuple[Alternative, ...] = (NGKSI_OR_AUTN_FIRST, SEPARATION_BIT_OR_USIM_FIRST)


@dataclass(frozen=True, slots=True)
class Choice:
    """A point where ``alternative`` applies: the uplinks the UE may send, the model's own
    choice first."""

    alternative: Alternative
    options: tuple[NasMessage, ...]


Chooser = Callable[[Choice], int]  # the index of the option to take


def model_choice(_choice: Choice) -> int:
    """The model's own choice: the first option."""
    return 0


def recorded_option(choice: Choice, recorded: NasMessage | None) -> int:
    """The option the recorded uplink took (its ``msg`` and every field it gives agree);
    0, the model's own, when none did — the recorded answer is then not permitted here."""
    if recorded is None:
        return 0
    for index, option in enumerate(choice.options):
        if option.msg == recorded.msg and all(
                recorded.get(name) == value for name, value in option.fields.items()):
            return index
    return 0
