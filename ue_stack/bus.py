"""The asyncio message bus: the only code in ue_stack that awaits, and the only code that
logs (design/ARCHITECTURE.md).

- One consumer task per layer (a UE's NAS, each of its applications, the network): inputs
  to one sans-I/O core are handled strictly one at a time, in order.
- After every input the layer's outbox is drained and each output is routed to its
  destination layer and written as **one** exchange-log line (FORMATS.md section 2).
- Timers of the cores fire through ``loop.call_at`` in model time: ``VirtualClockLoop``
  for replay and simulation (time jumps to the next deadline when nothing is runnable), a
  normal loop for real time.
- A layer that fails (anything but a protocol error, which is answered and logged) stops
  the run: ``settle()`` re-raises it, ``close()`` leaves no task pending.
"""

from __future__ import annotations

import asyncio
import contextvars
import selectors
from collections.abc import Callable
from typing import Any

import structlog

from .app.akma_client import PER_KAF, AkmaClient
from .crypto.secret import fp
from .errors import ProtocolError
from .events import (
    AanfChanged,
    AfSessionRequest,
    AfSessionResult,
    KafDerived,
    KausfChanged,
    Note,
    SendN1,
    StateChanged,
    UsimChanged,
)
from .nas.messages import NasMessage, render_fields
from .primitives import (
    KausfChangedIndication,
    ObtainAkmaKeyConfirm,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)

Input = Callable[[float], None]  # one input to a core, given the model time `now`


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock is model time: whenever nothing is runnable, time jumps
    straight to the next scheduled callback, so a 30-minute timer costs nothing and replay
    is deterministic. A wait with nothing scheduled can never end: that is a bug in the
    driver, reported as ``RuntimeError`` instead of hanging."""

    def __init__(self, start: float = 0.0) -> None:
        super().__init__(selectors.DefaultSelector())
        self._model_time = start

        def select(timeout: float | None = None) -> list:
            # A model-time run does no I/O, so there is never anything to poll: skipping
            # the system call saves a microsecond on every loop iteration. (Wake-ups from
            # other threads still land in the ready queue; only their byte in the
            # self-pipe goes unread, and nothing here ever blocks on it.)
            if timeout is None:
                raise RuntimeError("virtual clock: waiting with nothing scheduled (deadlock)")
            if timeout > 0:
                # Jump exactly to the earliest deadline (adding `timeout` could fall a
                # rounding error short of it).
                nxt = self._scheduled[0]._when if self._scheduled else self._model_time + timeout
                self._model_time = max(self._model_time, nxt)
            return []

        self._selector.select = select  # type: ignore[method-assign]

    def time(self) -> float:
        return self._model_time


def run_virtual(coro: Any, start: float = 0.0) -> Any:
    """Run ``coro`` to completion on a fresh ``VirtualClockLoop``; like ``asyncio.run``,
    any task still pending afterwards is cancelled, so none is left behind."""
    with asyncio.Runner(loop_factory=lambda: VirtualClockLoop(start)) as runner:
        return runner.run(coro)


class Layer:
    """One sans-I/O core, its input queue, its consumer task and its timer."""

    __slots__ = ("core", "has_timers", "name", "queue", "route", "task", "timer", "timer_at")

    def __init__(self, name: str, core: Any, route: Callable[[Layer, object], None]) -> None:
        self.name = name
        self.core = core
        self.route = route
        self.has_timers = hasattr(core, "next_deadline")
        self.queue: asyncio.Queue[Input | None] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at: float | None = None


class Bus:
    """Moves inputs into layers, outputs between them, and logs every exchange."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        # Resolve the configured logger once (the application configured it before
        # creating the bus), instead of through the lazy proxy on every line.
        self._log = structlog.get_logger("ue_stack.xlog").bind()
        self._seq = 0
        self._layers: list[Layer] = []
        self._pending = 0
        self._settled = asyncio.Event()
        self._settled.set()
        self._error: BaseException | None = None

    @property
    def now(self) -> float:
        return self.loop.time()

    @property
    def seq(self) -> int:
        """``seq`` of the last line logged."""
        return self._seq

    # -- logging: the single place ------------------------------------------------------

    def log(self, event: str, **fields: Any) -> None:
        """Write one exchange-log line: ``seq``, model time ``t``, ``event``, fields."""
        self._seq += 1
        self._log.info(event, seq=self._seq, t=self.loop.time(), **fields)

    # -- layers -------------------------------------------------------------------------

    def add_layer(self, name: str, core: Any, route: Callable[[Layer, object], None]) -> Layer:
        """Start a consumer task for ``core``. Bind per-UE log context (contextvars)
        before calling this: the task inherits the context current now."""
        layer = Layer(name, core, route)
        layer.task = self.loop.create_task(self._consume(layer), name=f"layer {name}")
        self._layers.append(layer)
        return layer

    def submit(self, layer: Layer, fn: Input) -> None:
        """Queue one input for ``layer``; ``fn(now)`` runs in the layer's task."""
        if self._error is not None:
            return
        self._pending += 1
        self._settled.clear()
        layer.queue.put_nowait(fn)

    async def _consume(self, layer: Layer) -> None:
        while True:
            fn = await layer.queue.get()
            if fn is None:
                return
            try:
                try:
                    fn(self.loop.time())
                except ProtocolError as exc:
                    # Illegal for the state: the core has answered what the spec says;
                    # the run goes on and the log shows it (FORMATS.md section 3).
                    self.log("note", layer=layer.name, text=str(exc),
                             error=type(exc).__name__)
                # Routing may queue more outputs on the same core (e.g. a link fault's
                # note): drain until the outbox stays empty.
                while events := layer.core.outbox.drain():
                    for event in events:
                        layer.route(layer, event)
                if layer.has_timers:
                    self._rearm(layer)
            except BaseException as exc:  # surface, never swallow: the run stops
                self._fail(exc)
            finally:
                self._pending -= 1
                if self._pending == 0:
                    self._settled.set()

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self._settled.set()

    def _rearm(self, layer: Layer) -> None:
        deadline = layer.core.next_deadline()
        if deadline == layer.timer_at:
            return
        if layer.timer is not None:
            layer.timer.cancel()
            layer.timer = None
        layer.timer_at = deadline
        if deadline is not None:
            layer.timer = self.loop.call_at(deadline, self._fire_timer, layer)

    def _fire_timer(self, layer: Layer) -> None:
        layer.timer = None
        layer.timer_at = None
        self.submit(layer, layer.core.handle_timer)

    async def settle(self) -> None:
        """Wait until every queued input and all it caused has been handled."""
        await self._settled.wait()
        if self._error is not None:
            raise self._error

    async def sleep_until(self, t: float) -> None:
        """Let model time run to ``t``; timers due before then fire on the way."""
        while True:
            await self.settle()
            delay = t - self.loop.time()
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    async def close(self) -> None:
        """Stop every layer task and timer; re-raise a layer's failure if there was one."""
        for layer in self._layers:
            if layer.timer is not None:
                layer.timer.cancel()
            layer.queue.put_nowait(None)
        await asyncio.gather(*(layer.task for layer in self._layers if layer.task))
        self._layers.clear()
        if self._error is not None:
            raise self._error


# -- the UE: NAS and the upper layers, joined on the bus ---------------------------------


class UeStack:
    """One UE on the bus: its NAS layer and one AKMA client layer per application.

    ``network`` receives the UE's uplink and AF session requests:
    ``network.ul(ue, message)`` and ``network.af_session(ue, request)``; either may be
    None where nothing listens (e.g. a unit test).
    """

    def __init__(
        self,
        bus: Bus,
        supi: str,
        nas: Any,
        *,
        app_mode: str = PER_KAF,
        network: Any = None,
        corr_prefix: str = "",
        on_uplink: Callable[[NasMessage], None] | None = None,
    ) -> None:
        self.bus = bus
        self.supi = supi
        self.app_mode = app_mode
        self.network = network
        self.corr_prefix = corr_prefix
        self.on_uplink = on_uplink
        self.apps: dict[str, Layer] = {}
        self._handlers = self._handler_table()
        self._context = contextvars.copy_context()
        self._context.run(structlog.contextvars.bind_contextvars, ue=supi)
        self.nas = self._context.run(bus.add_layer, "nas", nas, self._route)

    # inputs -----------------------------------------------------------------------------

    def add_peer_layer(
        self, name: str, core: Any, route: Callable[[Layer, object], None]
    ) -> Layer:
        """A layer outside the UE (e.g. replay's shadow network) whose log lines carry
        this UE's context."""
        return self._context.run(self.bus.add_layer, name, core, route)

    def nas_input(self, fn: Input) -> None:
        self.bus.submit(self.nas, fn)

    def downlink(self, message: NasMessage, **evidence: Any) -> None:
        """A NAS message from the network reaches the UE over N1. ``evidence``: where a
        recorded message comes from (``line``, ``frame``, the captured ``pdu``)."""
        self.bus.log("n1", ue=self.supi, dir="dl", msg=message.msg, **render_fields(message),
                     **evidence)
        nas = self.nas.core
        self.bus.submit(self.nas, lambda now: nas.handle_n1(message, now))

    def app(self, name: str) -> Layer:
        layer = self.apps.get(name)
        if layer is None:
            client = AkmaClient(name, self.app_mode, corr_prefix=f"{self.corr_prefix}{name}-")
            layer = self._context.run(self.bus.add_layer, f"app:{name}", client, self._route)
            self.apps[name] = layer
        return layer

    def kaf_request(self, app: str, af_fqdn: str, ua_id: bytes) -> None:
        layer = self.app(app)
        client = layer.core
        self.bus.submit(layer, lambda now: client.kaf_request(af_fqdn, ua_id, now))

    # outputs: route and log --------------------------------------------------------------

    def _route(self, layer: Layer, event: object) -> None:
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"{layer.name} emitted an unknown output {type(event).__name__}")
        handler(layer.name, event)

    def _send_n1(self, src: str, event: SendN1) -> None:
        message = event.message
        self.bus.log("n1", dir="ul", msg=message.msg, **render_fields(message))
        if self.on_uplink is not None:
            self.on_uplink(message)
        if self.network is not None:
            self.network.ul(self, message)

    def _request(self, src: str, event: ObtainAkmaKeyRequest) -> None:
        self.bus.log("primitive", src=src, dst="nas", name="ObtainAkmaKeyRequest",
                     corr=event.corr)
        nas = self.nas.core
        self.bus.submit(self.nas, lambda now: nas.handle_primitive(event, now))

    def _confirm(self, src: str, event: ObtainAkmaKeyConfirm) -> None:
        self.bus.log("primitive", src=src, dst=f"app:{event.app}", name="ObtainAkmaKeyConfirm",
                     corr=event.corr, a_kid=event.a_kid, k_akma_fp=fp(event.k_akma),
                     k_ausf_fp=event.k_ausf_fp)
        self._to_app(event.app, event)

    def _reject(self, src: str, event: ObtainAkmaKeyReject) -> None:
        self.bus.log("primitive", src=src, dst=f"app:{event.app}", name="ObtainAkmaKeyReject",
                     corr=event.corr, cause=event.cause)
        self._to_app(event.app, event)

    def _indication(self, src: str, event: KausfChangedIndication) -> None:
        self.bus.log("primitive", src=src, dst=f"app:{event.app}",
                     name="KausfChangedIndication", corr=event.corr, k_ausf_fp=event.k_ausf_fp)

    def _kaf_derived(self, src: str, event: KafDerived) -> None:
        self.bus.log("kaf_derived", app=event.app, corr=event.corr, af_id=event.af_id,
                     a_kid=event.a_kid, k_akma_fp=event.k_akma_fp, k_af_fp=event.k_af_fp)

    def _af_session(self, src: str, event: AfSessionRequest) -> None:
        if self.network is not None:
            self.network.af_session(self, event)

    def _state(self, src: str, event: StateChanged) -> None:
        self.bus.log("state", layer=event.layer, **{"from": event.from_, "to": event.to})

    def _kausf(self, src: str, event: KausfChanged) -> None:
        self.bus.log("kausf", action=event.action, k_ausf_fp=event.k_ausf_fp)

    def _usim(self, src: str, event: UsimChanged) -> None:
        self.bus.log("usim", action=event.action)

    def _note(self, src: str, event: Note) -> None:
        self.bus.log("note", layer=event.layer, text=event.text, **event.fields)

    def _handler_table(self) -> dict[type, Callable[[str, Any], None]]:
        return {
            SendN1: self._send_n1,
            ObtainAkmaKeyRequest: self._request,
            ObtainAkmaKeyConfirm: self._confirm,
            ObtainAkmaKeyReject: self._reject,
            KausfChangedIndication: self._indication,
            KafDerived: self._kaf_derived,
            AfSessionRequest: self._af_session,
            StateChanged: self._state,
            KausfChanged: self._kausf,
            UsimChanged: self._usim,
            Note: self._note,
        }

    def _to_app(self, app: str, prim: ObtainAkmaKeyConfirm | ObtainAkmaKeyReject) -> None:
        layer = self.apps.get(app)
        if layer is None:  # nobody of that name asked: the log shows it (XL-1)
            return
        client = layer.core
        self.bus.submit(layer, lambda now: client.handle_primitive(prim, now))


def log_network_event(bus: Bus, event: object) -> None:
    """Log an output of a network function (twin or shadow) that needs no routing."""
    ue = {} if getattr(event, "supi", None) is None else {"ue": event.supi}
    match event:
        case AfSessionResult():
            bus.log("af_session", **ue, app=event.app, af_id=event.af_id,
                    a_kid=event.a_kid, result=event.result, k_af_fp_ue=event.k_af_fp_ue,
                    k_af_fp_net=event.k_af_fp_net)
        case AanfChanged():
            bus.log("aanf", **ue, action=event.action, supi=event.supi,
                    a_kid=event.a_kid, k_akma_fp=event.k_akma_fp)
        case Note(layer=lname, text=text, fields=fields):
            bus.log("note", layer=lname, text=text, **fields)
        case _:
            raise TypeError(f"network emitted an unexpected {type(event).__name__}")
