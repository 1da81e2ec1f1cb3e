"""A minimal UE for driving the network cores in tests: the USIM/ME checks of 5G AKA and
the happy answers to SMC, REGISTRATION ACCEPT and DEREGISTRATION REQUEST. It is not the
NAS model (that is ``ue_stack.nas``); it only answers so the network side can be pinned.
"""

from __future__ import annotations

from ue_stack.crypto.aka import k_ausf, res_star, verify_autn
from ue_stack.events import SendN1
from ue_stack.nas.messages import NasMessage, nas
from ue_stack.network.faults import LinkFaults

SUPI = "001010000000001"
K = bytes.fromhex("465b5ce8b199b49faa5f0a2ee238a6bc")  # TS 35.208 test set 1
OPC = bytes.fromhex("cd63cb71954a9f4e48a5994e37a02baf")
SNN = "5G:mnc001.mcc001.3gppnetwork.org"


class FakeUe:
    def __init__(self, k: bytes = K, opc: bytes = OPC, snn: str = SNN,
                 sqn_ms: bytes = bytes(6), sec_cap: bytes | None = None) -> None:
        self.k, self.opc, self.snn, self.sqn_ms, self.sec_cap = k, opc, snn, sqn_ms, sec_cap
        self.ngksi: int | None = None
        self.k_ausf: bytes | None = None
        self._partial: tuple[int, bytes] | None = None

    def on_dl(self, m: NasMessage) -> list[NasMessage]:
        if m.msg == "authentication_request":
            if m["ngksi"] == self.ngksi:
                return [nas("authentication_failure", cause=71)]
            v = verify_autn(self.k, self.opc, m["rand"], m["autn"], self.sqn_ms)
            self.sqn_ms = v.sqn_ms
            if v.cause is not None:
                return [nas("authentication_failure", cause=v.cause, auts=v.auts)]
            self._partial = (m["ngksi"], k_ausf(v.ck, v.ik, self.snn, m["autn"][:6]))
            return [nas("authentication_response",
                        res_star=res_star(v.ck, v.ik, self.snn, m["rand"], v.res))]
        if m.msg == "security_mode_command":
            replayed = m.get("replayed_ue_sec_cap")
            if self.sec_cap is not None and replayed is not None and replayed != self.sec_cap:
                self._partial = None
                return [nas("security_mode_reject", cause=23)]
            if self._partial is not None and self._partial[0] == m["ngksi"]:
                self.ngksi, self.k_ausf = self._partial
                self._partial = None
            return [nas("security_mode_complete")]
        if m.msg == "registration_accept":
            return [nas("registration_complete")] if m.get("guti") is not None else []
        if m.msg == "deregistration_request":
            return [nas("deregistration_accept")]
        return []


def pump(net, ue: FakeUe, first: NasMessage | None, now: float, supi: str = SUPI,
         link: LinkFaults | None = None) -> list[tuple[str, object]]:
    """Exchange messages between a network core (an ``Amf`` or a ``NetworkTwin``) and a
    fake UE until neither has more to say. Returns the transcript: ``("dl"|"ul", message)``
    for what crossed N1 and ``("ev", event)`` for the network's other outputs, in order
    (delays are ignored: delayed messages are delivered in order)."""
    transcript: list[tuple[str, NasMessage]] = []
    uplink = [first] if first is not None else []
    handle = (lambda m: net.handle_n1(supi, m, now)) if hasattr(net, "amfs") else (
        lambda m: net.handle_n1(m, now))
    while True:
        for m in uplink:
            for _, m2 in (link.apply(m) if link else [(0.0, m)]):
                transcript.append(("ul", m2))
                handle(m2)
        uplink = []
        downlink = []
        for e in net.outbox.drain():
            if isinstance(e, SendN1):
                downlink.append(e.message)
            else:
                transcript.append(("ev", e))
        if not downlink:
            return transcript
        for m in downlink:
            for _, m2 in (link.apply(m) if link else [(0.0, m)]):
                transcript.append(("dl", m2))
                uplink.extend(ue.on_dl(m2))


def msgs(transcript: list[tuple[str, object]], direction: str | None = None) -> list[str]:
    """Message names of a transcript, as ``dl:name``/``ul:name`` (or bare names for one
    direction)."""
    if direction is not None:
        return [m.msg for d, m in transcript if d == direction]
    return [f"{d}:{m.msg}" for d, m in transcript if d in ("dl", "ul")]


def events(transcript: list[tuple[str, object]], kind: type) -> list:
    return [e for d, e in transcript if d == "ev" and isinstance(e, kind)]


def register(net, ue: FakeUe, now: float = 0.0, supi: str = SUPI):
    """An initial registration from a UE without a key (ngKSI 7)."""
    return pump(net, ue, nas("registration_request", registration_type="initial",
                             ngksi=7 if ue.ngksi is None else ue.ngksi), now, supi)


def n1(transcript: list[tuple[str, object]]) -> list[tuple[str, NasMessage]]:
    """Only what crossed N1."""
    return [(d, m) for d, m in transcript if d in ("dl", "ul")]
