"""One UE on the bus: its NAS layer and one AKMA client layer per application, and the
``ue`` operations of a trace or scenario (docs/trace-format.md), shared by replay and
simulation. The UE reaches the network through an ``N1Link``: replay's shadow network
and simulation's network twin are two implementations of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .app.akma_client import PER_KAF, AkmaClient
from .bus import Bus, Layer
from .event_fields import LOG_FIELDS, Mapper, n1_fields
from .events import AfFailureIndication, AfSessionRequest, Discarded, SendN1
from .nas.messages import NasMessage
from .nas.usim import Usim
from .primitives import ObtainAkmaKeyConfirm, ObtainAkmaKeyReject, ObtainAkmaKeyRequest
from .trace.schema import UeConfig


class N1Link(Protocol):
    """The network as a UE sees it: N1 uplink, and the applications' sessions with AFs
    (Ua*). Implementations submit to their network layer on the bus; never call a core."""

    def ul(self, ue: UeStack, message: NasMessage) -> None: ...

    def af_session(self, ue: UeStack, request: AfSessionRequest) -> None: ...


class UeStack:
    """One UE on the bus. Its layers' log lines carry ``ue: supi``. ``network`` receives
    the UE's uplink and AF session requests (None where nothing listens, e.g. a unit
    test); ``on_uplink`` sees every uplink first (replay's NAS-3 matcher)."""

    def __init__(
        self,
        bus: Bus,
        supi: str,
        nas: Any,
        *,
        app_mode: str = PER_KAF,
        network: N1Link | None = None,
        corr_prefix: str = "",
        on_uplink: Callable[[NasMessage], None] | None = None,
    ) -> None:
        self.bus = bus
        self.supi = supi
        self.app_mode = app_mode
        self.network = network
        self.corr_prefix = corr_prefix
        self.on_uplink = on_uplink
        self.recorded = False  # simulation: this UE's N1 goes to --record
        self._evidence: Mapping[str, Any] = {}  # of the downlink NAS is handling
        self.apps: dict[str, Layer] = {}
        self.context: Mapping[str, Any] = {**dict(bus.context), "ue": supi}
        self.nas = bus.add_layer("nas", nas, self._route, self.context)

    # inputs -----------------------------------------------------------------------------

    def nas_input(self, fn: Callable[[float], None]) -> None:
        self.bus.submit(self.nas, fn)

    def downlink(self, message: NasMessage, **evidence: Any) -> None:
        """A NAS message from the network reaches the UE over N1. ``evidence``: where a
        recorded message comes from (``line``, ``frame``, the captured ``pdu``)."""
        fields = n1_fields("dl", message)
        if "pdu" in evidence:
            fields.pop("pdu", None)  # the captured one, logged where it always was
        self.bus.log("n1", ue=self.supi, **fields, **evidence)
        nas = self.nas.core

        def receive(now: float) -> None:
            self._evidence = evidence  # for a `discarded` line: the record that carried it
            nas.handle_n1(message, now)

        self.bus.submit(self.nas, receive)

    def app(self, name: str) -> Layer:
        layer = self.apps.get(name)
        if layer is None:
            client = AkmaClient(name, self.app_mode, corr_prefix=f"{self.corr_prefix}{name}-")
            layer = self.bus.add_layer(f"app:{name}", client, self._route, self.context)
            self.apps[name] = layer
        return layer

    def kaf_request(self, app: str, af_fqdn: str, ua_id: bytes) -> None:
        layer = self.app(app)
        client = layer.core
        self.bus.submit(layer, lambda now: client.kaf_request(af_fqdn, ua_id, now))

    def af_failure(self, indication: AfFailureIndication) -> None:
        """An AF answered one of this UE's applications with a failure indication (Ua*)."""
        layer = self.apps.get(indication.app)
        if layer is not None:
            client = layer.core
            self.bus.submit(layer, lambda now: client.handle_af_failure(indication, now))

    def ue_op(self, op: str | None, fields: Mapping[str, Any],
              usim_for: Callable[[UeConfig | None], Usim]) -> None:
        """A ``ue`` record or step (docs/trace-format.md) as an input to NAS.
        ``usim_for(ue)`` gives the USIM ``usim_inserted`` puts in (``ue``: the record's
        ``ue`` object, None for the one the UE started with)."""
        nas = self.nas.core
        if op == "power_on":
            self.nas_input(nas.power_on)
        elif op == "power_off":
            self.nas_input(nas.power_off)
        elif op == "usim_removed":
            self.nas_input(nas.usim_removed)
        elif op == "usim_inserted":
            usim = usim_for(fields.get("ue"))
            self.nas_input(lambda now: nas.usim_inserted(usim, now))
        elif op == "register":
            rtype = fields.get("registration_type", "initial")
            self.nas_input(lambda now: nas.register(now, registration_type=rtype))
        elif op == "deregister":
            switch_off = bool(fields.get("switch_off", False))
            self.nas_input(lambda now: nas.deregister(now, switch_off=switch_off))
        elif op == "lower_layer_failure":
            self.nas_input(nas.lower_layer_failure)
        elif op in ("mobility_update", "periodic_update"):  # docs/trace-format.md
            rtype = op.removesuffix("_update")
            self.nas_input(lambda now: nas.register(now, registration_type=rtype))
        elif op == "release":
            self.nas_input(nas.release)
        elif op == "service_request":
            stype = fields.get("service_type", "data")
            self.nas_input(lambda now: nas.service_request(now, service_type=stype))
        elif op == "plmn_change":
            mcc, mnc = fields["mcc"], fields["mnc"]
            self.nas_input(lambda now: nas.plmn_change(now, mcc, mnc))
        # "advance": the driver has already let time run to t; nothing else happens

    # outputs: log, then route ------------------------------------------------------------

    def _route(self, layer: Layer, event: object) -> None:
        entry = _OUTPUTS.get(type(event))
        if entry is None:
            raise TypeError(f"{layer.name} emitted an unknown output {type(event).__name__}")
        mapper, action = entry
        if mapper is not None:
            self.bus.log_fields(*mapper(layer.name, event))
        if action is not None:
            action(self, event)

    def _discarded(self, event: Discarded) -> None:
        evidence = {k: v for k, v in self._evidence.items() if k in ("line", "frame")}
        self.bus.log("discarded", msg=event.msg, reason=event.reason, clause=event.clause,
                     **evidence)

    def _uplink(self, event: SendN1) -> None:
        if self.on_uplink is not None:
            self.on_uplink(event.message)
        if self.network is not None:
            self.network.ul(self, event.message)

    def _to_nas(self, event: ObtainAkmaKeyRequest) -> None:
        nas = self.nas.core
        self.bus.submit(self.nas, lambda now: nas.handle_primitive(event, now))

    def _to_app(self, prim: ObtainAkmaKeyConfirm | ObtainAkmaKeyReject) -> None:
        layer = self.apps.get(prim.app)
        if layer is None:  # nobody of that name asked: the log shows it (XL-1)
            return
        client = layer.core
        self.bus.submit(layer, lambda now: client.handle_primitive(prim, now))

    def _af_session(self, event: AfSessionRequest) -> None:
        if self.network is not None:
            self.network.af_session(self, event)


# Each output of the UE's layers: how it is logged (event_fields.LOG_FIELDS, None: not
# logged) and where it goes (None: nowhere, the log line is all).
_ACTIONS: dict[type, Callable[[UeStack, Any], None]] = {
    SendN1: UeStack._uplink,
    Discarded: UeStack._discarded,
    ObtainAkmaKeyRequest: UeStack._to_nas,
    ObtainAkmaKeyConfirm: UeStack._to_app,
    ObtainAkmaKeyReject: UeStack._to_app,
    AfSessionRequest: UeStack._af_session,
}
_OUTPUTS: dict[type, tuple[Mapper | None, Callable[[UeStack, Any], None] | None]] = {
    kind: (LOG_FIELDS.get(kind), _ACTIONS.get(kind)) for kind in (*LOG_FIELDS, *_ACTIONS)
}


def log_network_event(bus: Bus, layer: Layer, event: object,
                      ue_of: Callable[[str | None], UeStack | None] = lambda _supi: None
                      ) -> None:
    """Log an output of a network function (twin or shadow) other than N1; an AF's
    failure indication also goes back over Ua* to the UE ``ue_of(supi)`` gives."""
    mapper = LOG_FIELDS.get(type(event))
    if mapper is None or isinstance(event, SendN1):
        raise TypeError(f"network emitted an unexpected {type(event).__name__}")
    bus.log_fields(*mapper(layer.name, event))
    if isinstance(event, AfFailureIndication):
        stack = ue_of(event.supi)
        if stack is not None:
            stack.af_failure(event)
