"""The network twin: UDM/ARPF, AUSF, AAnF, AF and one AMF/SEAF per UE behind one facade,
so the bus treats the whole network as a single layer (one consumer task, one outbox).

Every part shares the twin's ``outbox``, so events come out in the order they happened
(an AUTHENTICATION RESPONSE yields ``AanfChanged`` before the ``SendN1`` of the SECURITY
MODE COMMAND). Downlink ``SendN1`` carries the SUPI of the UE it is for. N1 link faults
live in one ``LinkFaults`` per UE (``link(supi)``), which the bus applies to both
directions of that UE's link.

After Release 17 (``ue_stack.rel18``): the home network may re-authenticate each UE on a
timer of its own (``hn_reauth_period``, ``hn_reauth.py``), AKMA service can be disabled
and enabled per UE (the UDM withdraws the subscription, the AAnF notifies the AFs), and
the AFs whose FQDN is in ``visited_afs`` sit in the visited network and reach the home
AAnF through the NEF (``nef.py``); with ``af_failure_indication`` the AFs answer an unknown
A-KID with a failure indication the UE's application can recover from.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Mapping
from typing import Any

from ..crypto.aka import serving_network_name
from ..crypto.akma import realm
from ..errors import LocalProtocolError
from ..events import (
    AfFailureIndication,
    AfSessionRequest,
    AfSessionResult,
    Note,
    Outbox,
    SendN1,
)
from ..nas.messages import NasMessage
from ..rel18 import HN_REAUTH_CLAUSE
from .aanf import KAF_LIFETIME, Aanf
from .af import Af
from .amf import Amf, AmfConfig
from .ausf import Ausf
from .faults import LinkFaults
from .hn_reauth import HomeNetworkReauth
from .nef import Nef
from .udm import Subscriber, Udm

# Network ops the twin executes (scenario ``net`` steps). The first three are trace ops
# (docs/trace-format.md); the rest exist in simulation only.
NET_OPS = (
    "aanf_context_remove",
    "reauthenticate",
    "drop_next",
    "duplicate_next",
    "delay_next",
    "plain_next",
    "bad_mac_next",
    "replay_protected",
    "deregister",
    "reuse_ngksi_next",
    "sec_cap_mismatch_next",
    "nia0_next",
    "reject_next_registration",
    "corrupt_next_av",
    "aanf_service_disable",
    "aanf_service_enable",
)


class NetworkTwin:
    def __init__(
        self,
        mcc: str = "001",
        mnc: str = "01",
        *,
        snn: str | None = None,
        seed: int = 0,
        amf_config: AmfConfig | None = None,
        kaf_lifetime: float = KAF_LIFETIME,
        n1_latency: float = 0.0,
        hn_reauth_period: float | None = None,
        visited_afs: tuple[str, ...] = (),
        af_failure_indication: bool = False,
    ) -> None:
        self.outbox = Outbox()
        self.n1_latency = n1_latency  # one-way delay of every N1 message (LinkFaults)
        self.snn = snn if snn is not None else serving_network_name(mcc, mnc)
        self.udm = Udm(random.Random(seed))
        self.aanf = Aanf(self.outbox, kaf_lifetime)
        self.ausf = Ausf(self.udm, self.aanf)
        self.af = Af(self.aanf, self.outbox, failure_indication=af_failure_indication)
        self.nef = Nef(self.outbox)
        self.visited_af = Af(self.nef, self.outbox, name="visited-af",
                             failure_indication=af_failure_indication)
        self.visited_afs = frozenset(visited_afs)  # FQDNs of AFs in the visited network
        self._af_by_uri = {af.disable_uri: af for af in (self.af, self.visited_af)}
        self.hn_reauth = HomeNetworkReauth(hn_reauth_period)
        self._kausf_seen: dict[str, object] = {}  # the AUSF's KAUSF last seen, per UE
        self.amf_config = amf_config if amf_config is not None else AmfConfig()
        self.amfs: dict[str, Amf] = {}
        self.links: dict[str, LinkFaults] = {}
        # (deadline, supi) of every AMF with a timer running; entries go stale when a
        # timer stops and are dropped lazily, so many UEs cost O(log n) per input.
        self._deadlines: list[tuple[float, str]] = []

    # -- provisioning --------------------------------------------------------------------

    def add_subscriber(self, subscriber: Subscriber) -> None:
        self.udm.add(subscriber)
        self.nef.add_home(realm(subscriber.home_mcc, subscriber.home_mnc), self.aanf)

    def attach(self, supi: str, config: AmfConfig | None = None) -> Amf:
        """Give the UE ``supi`` an AMF context (it can now register); idempotent."""
        amf = self.amfs.get(supi)
        if amf is None:
            self.udm.subscriber(supi)  # a UE the UDM does not know cannot attach
            amf = Amf(supi, self.ausf, self.snn, config or self.amf_config, self.outbox)
            self.amfs[supi] = amf
        return amf

    def amf(self, supi: str) -> Amf:
        try:
            return self.amfs[supi]
        except KeyError:
            raise LocalProtocolError(f"UE {supi} is not attached to the twin") from None

    def link(self, supi: str) -> LinkFaults:
        """The N1 link faults of one UE (created on first use)."""
        faults = self.links.get(supi)
        if faults is None:
            faults = self.links[supi] = LinkFaults(self.outbox, self.n1_latency, supi)
        return faults

    # -- inputs -------------------------------------------------------------------------

    def handle_n1(self, supi: str, message: NasMessage, now: float) -> None:
        amf = self.amf(supi)
        amf.handle_n1(message, now)
        self._track(amf)
        kausf = self.ausf.k_ausf(supi)
        if kausf is not None and kausf is not self._kausf_seen.get(supi):
            self._kausf_seen[supi] = kausf
            self.hn_reauth.kausf_stored(supi, now)

    def handle_af_session(
        self, req: AfSessionRequest, now: float, supi: str | None = None
    ) -> AfSessionResult | AfFailureIndication:
        af = self.visited_af if req.af_fqdn in self.visited_afs else self.af
        return af.session_request(req, now, supi)

    def handle_op(
        self, op: str, fields: Mapping[str, Any], now: float, supi: str | None = None
    ) -> None:
        """A scenario ``net`` step. Without ``supi`` it applies to every attached UE."""
        if op not in NET_OPS:
            raise LocalProtocolError(f"unknown network op {op!r}")
        for target in [supi] if supi is not None else list(self.amfs):
            self._op(op, fields, now, target)

    def _op(self, op: str, fields: Mapping[str, Any], now: float, supi: str) -> None:
        count = int(fields.get("count", 1))
        match op:
            case "aanf_context_remove":
                self.aanf.context_remove(supi, now)
            case "reauthenticate":
                self.amf(supi).reauthenticate(now)
                self._track(self.amf(supi))
            case "deregister":
                self.amf(supi).deregister(
                    now, fields.get("cause"), bool(fields.get("re_registration_required", False))
                )
                self._track(self.amf(supi))
            case "drop_next":
                self.link(supi).drop_next(fields["msg"], count)
            case "duplicate_next":
                self.link(supi).duplicate_next(fields["msg"], count)
            case "delay_next":
                self.link(supi).delay_next(fields["msg"], float(fields["seconds"]), count)
            case "plain_next":
                self.link(supi).plain_next(fields["msg"], count)
            case "bad_mac_next":
                self.link(supi).bad_mac_next(fields["msg"], count)
            case "replay_protected":
                # an attacker sends the last protected downlink of that name again
                # (TS 24.501 4.4.3.1: the UE must not take the same NAS COUNT twice)
                old = self.link(supi).last_protected(fields["msg"])
                if old is None:
                    self.outbox.put(Note("n1-link", "nothing to replay",
                                         {"msg": fields["msg"], "ue": supi}))
                else:
                    self.outbox.put(Note("n1-link", f"replay {fields['msg']}",
                                         {"msg": fields["msg"], "fault": "replay",
                                          "ue": supi}))
                    self.outbox.put(SendN1(old, supi=supi))
            case "reuse_ngksi_next":
                self.amf(supi).reuse_ngksi_next()
            case "sec_cap_mismatch_next":
                self.amf(supi).sec_cap_mismatch_next()
            case "nia0_next":
                self.amf(supi).nia0_next()
            case "reject_next_registration":
                self.amf(supi).reject_next_registration(int(fields["cause"]))
            case "corrupt_next_av":
                self.udm.corrupt_next(supi, fields["fault"], count)
            case "aanf_service_disable":
                # the UDM withdraws the AKMA subscription; the AAnF deletes the context
                # and notifies the AFs that asked to be told (ue_stack.rel18 choice 2)
                self.udm.subscriber(supi).akma = False
                for uri, a_kid in self.aanf.service_disable(supi, now):
                    self._af_by_uri[uri].service_disabled(a_kid, now)
            case "aanf_service_enable":
                self.udm.subscriber(supi).akma = True

    # -- timers -------------------------------------------------------------------------

    def _track(self, amf: Amf) -> None:
        deadline = amf.next_deadline()
        if deadline is not None:
            heapq.heappush(self._deadlines, (deadline, amf.supi))

    def next_deadline(self) -> float | None:
        amf = self._next_amf_deadline()
        hn = self.hn_reauth.next_deadline()
        return amf if hn is None else hn if amf is None else min(amf, hn)

    def _next_amf_deadline(self) -> float | None:
        heap = self._deadlines
        while heap:
            deadline, supi = heap[0]
            actual = self.amfs[supi].next_deadline()
            if actual == deadline:
                return deadline
            heapq.heappop(heap)  # stale: that timer stopped or moved
            if actual is not None:
                heapq.heappush(heap, (actual, supi))
        return None

    def handle_timer(self, now: float) -> None:
        due: dict[str, None] = {}
        while self._deadlines and self._deadlines[0][0] <= now:
            due[heapq.heappop(self._deadlines)[1]] = None
        for supi in due:
            amf = self.amfs[supi]
            deadline = amf.next_deadline()
            if deadline is not None and deadline <= now:
                amf.handle_timer(now)
            self._track(amf)
        for supi in self.hn_reauth.due(now):
            self.outbox.put(Note("udm", "home network triggers primary re-authentication",
                                 {"supi": supi, "clause": HN_REAUTH_CLAUSE}))
            amf = self.amfs[supi]
            amf.reauthenticate(now)
            self._track(amf)
