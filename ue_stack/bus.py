"""The message bus: the only code in ue_stack that awaits, and the only code that logs
(README.md, "How it is built"). It knows cores, layers and time; it knows no UE (``ue.py``
assembles one on it).

- **Synchronous dispatch.** The cores are sans-I/O, so the bus delivers an input and then
  runs every output it caused to completion — layer by layer, inputs to one layer strictly
  in FIFO order — without yielding to the event loop. Layers take turns in the order they
  were given work, each handling all its queued inputs in its turn: exactly the order one
  consumer task per layer gave, at no task switches.
- **One exchange sink.** Every cross-layer exchange becomes one record
  (docs/exchange-log.md): ``seq``, model time ``t``, ``event``, the fields, then the
  layer's context (the UE it belongs to). Key material is removed (``sink.redact``) and
  the record handed to ``Bus(sink=...)`` — the checker, the diagram and the file
  renderer, fanned out.
- **asyncio at the edge.** Timers of the cores fire through ``loop.call_at``: in model time
  on a ``VirtualClockLoop`` (replay, simulation), in real time on a normal loop. Callers
  ``await settle()`` and ``sleep_until(t)``; both cost nothing when nothing is due, and
  idle model time is jumped over, never stepped through.
- A layer that fails (anything but a protocol error, which is answered and logged) stops
  the run: ``settle()`` and ``close()`` re-raise it.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import selectors
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .errors import ProtocolError
from .events import Outbox
from .sink import ExchangeSink, redact

Input = Callable[[float], None]  # one input to a core, given the model time `now`
Route = Callable[["Layer", object], None]  # where a layer's outputs go


class Core(Protocol):
    """A sans-I/O core as the bus drives it (aioquic's seam): inputs are plain method
    calls taking ``now``; outputs are queued in ``outbox``."""

    outbox: Outbox


class TimedCore(Core, Protocol):
    """A core with protocol timers: the bus arms ``next_deadline()`` and calls
    ``handle_timer(now)`` when it is reached."""

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock is model time: whenever nothing is runnable, time jumps
    straight to the next scheduled callback, so a 30-minute timer costs nothing and replay
    is deterministic. A wait with nothing scheduled can never end: that is a bug in the
    driver, reported as ``RuntimeError`` instead of hanging."""

    # asyncio.BaseEventLoop's own queues, which typeshed does not declare: the heap of
    # timer handles, the FIFO of runnable ones, the count of cancelled timers in the heap
    _scheduled: list[asyncio.TimerHandle]
    _ready: deque[asyncio.Handle]
    _timer_cancelled_count: int
    _selector: selectors.BaseSelector

    def __init__(self, start: float = 0.0) -> None:
        self._model_time = start
        super().__init__(selectors.DefaultSelector())

        def select(timeout: float | None = None) -> list[Any]:
            # A model-time run does no I/O, so there is never anything to poll: skipping
            # the system call saves a microsecond on every loop iteration. (Wake-ups from
            # other threads still land in the ready queue; only their byte in the
            # self-pipe goes unread, and nothing here ever blocks on it.)
            if timeout is None:
                raise RuntimeError("virtual clock: waiting with nothing scheduled (deadlock)")
            if timeout > 0:
                # Jump exactly to the earliest deadline (adding `timeout` could fall a
                # rounding error short of it, and asyncio caps `timeout` at a day).
                nxt = self._scheduled[0].when() if self._scheduled else self._model_time + timeout
                self._model_time = max(self._model_time, nxt)
            self._fresh = 0
            return []

        self._selector.select = select  # type: ignore[method-assign]
        # Handles queued by `call_soon` since this iteration's poll: `_run_once` counted
        # its batch after the poll, so these lie beyond it, at the right end of `_ready`.
        self._fresh = 0

    def call_soon(  # type: ignore[override]  # typeshed spells it with TypeVarTuple
        self, callback: Any, *args: Any, context: Any = None,
    ) -> asyncio.Handle:
        self._fresh += 1
        return super().call_soon(callback, *args, context=context)

    def time(self) -> float:
        return self._model_time

    # asyncio runs the timers due before ``time() + _clock_resolution``. With the host
    # clock's 1 ns that sum equals ``time()`` once model time passes about 1.7e7 s (a
    # double's spacing there exceeds 1 ns): a timer due now would never run and the loop
    # would spin. So "now" is as wide as the spacing of doubles at the model time.
    @property
    def _clock_resolution(self) -> float:
        return max(self._host_resolution, math.ulp(self._model_time))

    @_clock_resolution.setter
    def _clock_resolution(self, value: float) -> None:
        self._host_resolution = value  # what asyncio's __init__ measured

    def jump_to(self, t: float) -> bool:
        """Move model time to ``t`` at once if nothing could happen before: nothing
        runnable and no callback scheduled at or before ``t``. False if something could."""
        scheduled = self._scheduled
        # Cancelled timers stay in the heap until the loop sweeps them: drop those that
        # hide the real next deadline (as the loop itself would).
        while scheduled and scheduled[0]._cancelled:
            heapq.heappop(scheduled)
            self._timer_cancelled_count -= 1
        # The bus's own dispatch, done synchronously, leaves a cancelled handle in the
        # ready queue per input from outside. This runs inside a handle, while the loop's
        # `_run_once` still counts on the length of its batch (popping from the left broke
        # it with "pop from an empty deque"; found by `ue-stack explore`), so only the
        # fresh ones, beyond the batch, are dropped — from the right. Left there, a replay
        # that never yields would keep one per record and scan them all per record.
        ready = self._ready
        while self._fresh and ready and ready[-1]._cancelled:
            ready.pop()
            self._fresh -= 1
        runnable = any(not handle._cancelled for handle in ready)
        if runnable or (scheduled and scheduled[0].when() <= t):
            return False
        self._model_time = max(self._model_time, t)
        return True


def run_virtual(coro: Any, start: float = 0.0) -> Any:
    """Run ``coro`` to completion on a fresh ``VirtualClockLoop``; like ``asyncio.run``,
    any task still pending afterwards is cancelled, so none is left behind."""
    with asyncio.Runner(loop_factory=lambda: VirtualClockLoop(start)) as runner:
        return runner.run(coro)


class Layer:
    """One sans-I/O core on the bus: its FIFO of inputs, its router, its timer, and the
    context its log lines carry (e.g. ``{"ue": supi}``)."""

    __slots__ = ("context", "core", "has_timers", "inbox", "name", "route", "timer",
                 "timer_at", "waiting")

    def __init__(self, name: str, core: Core, route: Route, context: Mapping[str, Any]) -> None:
        self.name = name
        self.core: Any = core  # callers reach their own core type back through it
        self.route = route
        self.context = tuple(context.items())
        self.has_timers = hasattr(core, "next_deadline")
        self.inbox: deque[Input] = deque()
        self.waiting = False  # has inputs and awaits its turn
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at: float | None = None


class Bus:
    """Moves inputs into layers, outputs between them, and hands every exchange to the
    sink. ``context``: fields every record of this bus carries unless a layer's own
    context or the record says otherwise (replay: the UE of the trace).

    ``driver_settles``: the driver awaits ``settle()`` (or ``sleep_until``) after its
    inputs before it awaits anything else, as replay does, so an input it submits needs no
    loop wake-up: the settle dispatches it, in the same order the wake-up would have. That
    saves creating and cancelling a loop handle per input. A core's timer still wakes the
    loop (it fires inside a loop turn, with no driver to settle it)."""

    def __init__(self, sink: ExchangeSink | None = None,
                 context: Mapping[str, Any] | None = None, *,
                 driver_settles: bool = False, epoch: float = 0.0) -> None:
        self.loop = asyncio.get_running_loop()
        self.epoch = epoch  # logged t = epoch + model time (limits.model_epoch)
        self._sink = sink
        self._seq = 0
        self.context: tuple[tuple[str, Any], ...] = tuple((context or {}).items())
        self._ctx = self.context  # the context of the layer now running
        self._layers: list[Layer] = []
        self._turns: deque[Layer] = deque()  # layers with inputs, in the order they got them
        self._dispatching = False
        self._kick: asyncio.Handle | None = None
        self._wake_on_submit = not driver_settles
        self._error: BaseException | None = None

    @property
    def now(self) -> float:
        return self.loop.time()

    @property
    def t(self) -> float:
        """The time as logged and reported: ``epoch`` plus model time."""
        return self.epoch + self.loop.time()

    @property
    def seq(self) -> int:
        """``seq`` of the last line logged."""
        return self._seq

    # -- the exchange log: the single place -------------------------------------------

    def log(self, event: str, **fields: Any) -> None:
        """One exchange-log record: ``seq``, model time ``t``, ``event``, the fields, then
        the running layer's context (a field of the same name wins)."""
        self.log_fields(event, fields)

    def log_fields(self, event: str, fields: Mapping[str, Any]) -> None:
        """``log`` with the fields as one mapping (the routers' hot path: no repacking)."""
        self._seq += 1
        record = {"seq": self._seq, "t": self.epoch + self.loop.time(), "event": event}
        record.update(fields)
        for name, value in self._ctx:
            record.setdefault(name, value)
        if self._sink is not None:
            self._sink(redact(record))

    # -- layers -------------------------------------------------------------------------

    def add_layer(self, name: str, core: Core, route: Route,
                  context: Mapping[str, Any] | None = None) -> Layer:
        """Put ``core`` on the bus. Its log lines carry ``context`` (default: the bus's)."""
        layer = Layer(name, core, route, dict(self.context) if context is None else context)
        self._layers.append(layer)
        return layer

    def submit(self, layer: Layer, fn: Input) -> None:
        """Queue one input for ``layer``; ``fn(now)`` runs in the layer's turn: at once
        when the bus is dispatching, else at the next ``settle()`` or loop iteration
        (with ``driver_settles``: at the next ``settle()``)."""
        if self._error is not None:
            return
        layer.inbox.append(fn)
        if not layer.waiting:
            layer.waiting = True
            self._turns.append(layer)
            if self._wake_on_submit:
                self._wake()

    def _wake(self) -> None:
        """Dispatch at the loop's next iteration, unless dispatching or due already."""
        if not self._dispatching and self._kick is None and self._turns:
            self._kick = self.loop.call_soon(self._dispatch)

    def _dispatch(self) -> None:
        """Run every queued input and all it causes, to completion, without yielding."""
        if self._kick is not None:
            self._kick.cancel()
            self._kick = None
        if self._dispatching:
            return
        self._dispatching = True
        turns = self._turns
        try:
            while turns:
                self._turn(turns.popleft())
        except BaseException as exc:  # surface, never swallow: the run stops
            self._fail(exc)
        finally:
            self._dispatching = False
            self._ctx = self.context

    def _turn(self, layer: Layer) -> None:
        self._ctx = layer.context
        inbox, outbox, route, loop = layer.inbox, layer.core.outbox, layer.route, self.loop
        while inbox:
            fn = inbox.popleft()
            try:
                fn(loop.time())
            except ProtocolError as exc:
                # Illegal for the state: the core has answered what the spec says; the run
                # goes on and the log shows it (docs/invariants.md).
                self.log("note", layer=layer.name, text=str(exc), error=type(exc).__name__)
            # Routing may queue more outputs on the same core (e.g. a link fault's note):
            # drain until the outbox stays empty.
            while events := outbox.drain():
                for event in events:
                    route(layer, event)
            if layer.has_timers:
                self._rearm(layer)
        layer.waiting = False

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        for layer in self._layers:
            layer.inbox.clear()
            layer.waiting = False
        self._turns.clear()

    def _rearm(self, layer: Layer) -> None:
        core: TimedCore = layer.core
        deadline = core.next_deadline()
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
        self._wake()

    # -- the asyncio edge ---------------------------------------------------------------

    async def settle(self) -> None:
        """Handle every queued input and all it caused (at once, without yielding)."""
        if self._turns:
            self._dispatch()
        if self._error is not None:
            raise self._error

    async def sleep_until(self, t: float) -> None:
        """Let model time run to ``t``; timers due before then fire on the way. On a
        virtual clock, time with nothing due in it is jumped over without a loop turn."""
        loop = self.loop
        if not self._turns and self._error is None and t <= loop.time():
            return  # the usual case in replay: records at the same or a past time
        while True:
            await self.settle()
            delay = t - loop.time()
            if delay <= 0:
                return
            if isinstance(loop, VirtualClockLoop) and loop.jump_to(t):
                return
            await asyncio.sleep(delay)

    async def close(self) -> None:
        """Cancel every timer and pending dispatch; re-raise a layer's failure if any.
        The sink is the caller's to close (it may outlive the bus)."""
        for layer in self._layers:
            if layer.timer is not None:
                layer.timer.cancel()
        if self._kick is not None:
            self._kick.cancel()
            self._kick = None
        self._layers.clear()
        if self._error is not None:
            raise self._error
