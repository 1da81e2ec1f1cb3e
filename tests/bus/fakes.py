"""A stand-in NAS core for bus tests: answers AKMA requests from a KAUSF the test sets."""

from __future__ import annotations

from ue_stack.crypto import akma
from ue_stack.crypto.secret import Key, fp
from ue_stack.events import KausfChanged, Outbox
from ue_stack.primitives import (
    KAUSF_UNAVAILABLE,
    ObtainAkmaKeyConfirm,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)
from ue_stack.timers import Timers

SUPI = "001010000000001"


class FakeNas:
    def __init__(self) -> None:
        self.outbox = Outbox()
        self.timers = Timers()
        self.kausf: Key | None = None
        self.handled: list[str] = []
        self.fired: list[tuple[str, float]] = []

    def set_kausf(self, kausf: bytes, now: float) -> None:
        self.kausf = Key(kausf)
        self.outbox.put(KausfChanged("valid", fp(kausf)))

    def handle_primitive(self, prim: ObtainAkmaKeyRequest, now: float) -> None:
        self.handled.append(prim.corr)
        if self.kausf is None:
            self.outbox.put(ObtainAkmaKeyReject(prim.app, prim.corr, KAUSF_UNAVAILABLE))
            return
        a_kid = akma.a_kid("0", akma.a_tid(self.kausf, SUPI), "001", "01")
        self.outbox.put(ObtainAkmaKeyConfirm(
            prim.app, prim.corr, a_kid, akma.k_akma(self.kausf, SUPI), fp(self.kausf)))

    def start_timer(self, name: str, now: float, duration: float) -> None:
        self.timers.start(name, now, duration)

    def handle_timer(self, now: float) -> None:
        for name in self.timers.expired(now):
            self.fired.append((name, now))

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    def boom(self, now: float) -> None:
        raise ZeroDivisionError("core bug")
