"""NEF: how an AF outside the home network reaches the home AAnF (TS 33.535 6.3 for an
external AF; TR 33.737 solution #2 for an AF in the visited PLMN of a roaming UE).

The AF gives the NEF what it would give the AAnF — A-KID, AF_ID, optionally a Service
Disable URI — and the NEF relays ``Naanf_AKMA_ApplicationKey_Get`` to the AAnF of the
A-KID's realm. The realm is the home network's (the UE derives the A-KID with its home
PLMN, ``crypto.akma.a_kid``), so a UE roaming in a visited network is still found; an
A-KID whose realm names no AAnF the NEF knows gets the failure indication. The Rel-18
procedure text was not available (``ue_stack.rel18`` choice 4).

Sans-I/O: its only output is a note per relayed request, saying where it went.
"""

from __future__ import annotations

from ..crypto.akma import realm_of
from ..events import Note, Outbox
from ..rel18 import ROAMING_CLAUSE
from .aanf import Aanf, ApplicationKey


class Nef:
    def __init__(self, outbox: Outbox | None = None) -> None:
        self.outbox = outbox if outbox is not None else Outbox()
        self._aanfs: dict[str, Aanf] = {}

    def add_home(self, realm: str, aanf: Aanf) -> None:
        """The AAnF serving A-KIDs of ``realm`` (a home network's, ``crypto.akma.realm``)."""
        self._aanfs[realm] = aanf

    def application_key_get(self, a_kid: str, af_id: bytes, now: float,
                            disable_uri: str | None = None) -> ApplicationKey | None:
        """Relay ``Naanf_AKMA_ApplicationKey_Get`` to the A-KID's home AAnF."""
        realm = realm_of(a_kid)
        aanf = self._aanfs.get(realm)
        self.outbox.put(Note("nef", "Naanf_AKMA_ApplicationKey_Get relayed to the home AAnF"
                             if aanf is not None else
                             "no AAnF for the A-KID's realm: failure indication",
                             {"a_kid": a_kid, "realm": realm, "clause": ROAMING_CLAUSE}))
        if aanf is None:
            return None
        return aanf.application_key_get(a_kid, af_id, now, disable_uri)
