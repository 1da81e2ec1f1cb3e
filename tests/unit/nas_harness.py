"""Helpers for the NAS core tests: a UE on a fake clock and a home network that builds
5G AKA challenges with the crypto package (the network side of TS 33.501 6.1.3.2)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ue_stack.crypto import aka_chain
from ue_stack.crypto.aka import AkaChain
from ue_stack.events import KausfChanged, Note, SendN1, StateChanged
from ue_stack.nas.messages import NasMessage, nas
from ue_stack.nas.mm import Nas, NasConfig
from ue_stack.nas.usim import Usim

# The pycrate AuC chain of tests/data/vectors/5g-aka-akma-chains.json (SQN 2, AMF 8000).
K = bytes.fromhex("0123456789abcdef0123456789abcdef")
OPC = bytes.fromhex("e61f7be621ff52a5e55de40eb8711adc")
SUPI = "001010000000001"
SNN = "5G:mnc001.mcc001.3gppnetwork.org"
AMF_5G = b"\x80\x00"  # separation bit set


def make_usim(supi: str = SUPI, sqn_ms: int = 0, **kw) -> Usim:
    return Usim(supi, K, OPC, sqn_ms.to_bytes(6, "big"), **kw)


def make_nas(usim: Usim | None = None, **config) -> Nas:
    return Nas(NasConfig(snn=SNN, home_mcc="001", home_mnc="01", **config), usim)


@dataclass
class HomeNetwork:
    """Builds challenges with an increasing SQN, like a UDM/ARPF (TS 33.102 C.1.1)."""

    sqn: int = 0
    counter: int = field(default=0)

    def challenge(self, *, sqn: int | None = None, amf: bytes = AMF_5G) -> AkaChain:
        if sqn is None:
            self.sqn += 32  # next SEQ, IND 0
            sqn = self.sqn
        self.counter += 1
        rand = self.counter.to_bytes(16, "big")
        return aka_chain(K, OPC, rand, sqn.to_bytes(6, "big"), amf, SNN)


def auth_request(chain: AkaChain, ngksi: int = 0, autn: bytes | None = None) -> NasMessage:
    return nas(
        "authentication_request",
        ngksi=ngksi,
        abba=b"\x00\x00",
        rand=chain.rand,
        autn=chain.autn if autn is None else autn,
    )


def smc(ngksi: int = 0, **fields) -> NasMessage:
    return nas("security_mode_command", ngksi=ngksi, nea=2, nia=2, **fields)


def uplink(events: list) -> list[NasMessage]:
    return [e.message for e in events if isinstance(e, SendN1)]


def uplink_names(events: list) -> list[str]:
    return [m.msg for m in uplink(events)]


def kausf_events(events: list) -> list[tuple[str, str]]:
    return [(e.action, e.k_ausf_fp) for e in events if isinstance(e, KausfChanged)]


def states(events: list) -> list[tuple[str, str]]:
    return [(e.from_, e.to) for e in events if isinstance(e, StateChanged)]


def notes(events: list) -> list[str]:
    return [e.text for e in events if isinstance(e, Note)]


def of_type(events: list, cls: type) -> list:
    return [e for e in events if isinstance(e, cls)]


class Ue:
    """A NAS core, a home network and a fake clock (aioquic-style: ``now`` advances by
    hand; timers fire only through ``advance``)."""

    def __init__(self, usim: Usim | None = None, **config) -> None:
        self.usim = usim if usim is not None else make_usim()
        self.nas = make_nas(self.usim, **config)
        self.net = HomeNetwork()
        self.now = 0.0

    def tick(self, dt: float = 0.01) -> float:
        self.now += dt
        return self.now

    def advance(self, dt: float) -> list:
        """Let ``dt`` seconds of model time pass, firing due timers in order."""
        end = self.now + dt
        while (deadline := self.nas.next_deadline()) is not None and deadline <= end:
            self.now = deadline
            self.nas.handle_timer(self.now)
        self.now = end
        return self.drain()

    def drain(self) -> list:
        return self.nas.outbox.drain()

    def dl(self, message: NasMessage) -> list:
        self.nas.handle_n1(message, self.tick())
        return self.drain()

    def authenticate(self, ngksi: int = 0, **kw) -> AkaChain:
        chain = self.net.challenge(**kw)
        self.nas.handle_n1(auth_request(chain, ngksi), self.tick())
        return chain

    def registered(self, ngksi: int = 0, guti: bytes | None = bytes(10)) -> AkaChain:
        """Power on, register, authenticate, accept the SMC and the registration."""
        self.nas.power_on(self.tick())
        self.nas.register(self.tick())
        chain = self.authenticate(ngksi)
        self.nas.handle_n1(smc(ngksi), self.tick())
        self.nas.handle_n1(nas("registration_accept", guti=guti), self.tick())
        self.drain()
        return chain
