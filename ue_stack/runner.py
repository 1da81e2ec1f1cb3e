"""One checked run: the harness that ``replay`` and ``simulate`` share.

It builds the run's exchange sink — the outputs (diagram, pcap...), the online invariant
checker, APP-1 and the exchange-log file, fanned out — runs the model on a virtual clock
with it, and builds the report (docs/report.md). Files are closed on every exit
path, so what was written before an error stays on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence, Set
from dataclasses import replace
from typing import Any, Protocol

from .bus import run_virtual
from .invariants import Checker, Violation
from .invariants.app1 import App1Tracker
from .outputs import finish, open_output
from .report import build_report
from .sink import CallbackSink, ExchangeSink, FanOut, JsonLinesSink


class Output(Protocol):
    """A consumer of exchange-log records that also draws violations: the Mermaid
    diagram, the pcap, the HTML timeline (an exchange sink, ``ue_stack.sink``, whose
    ``feed`` is the call)."""

    def feed(self, record: dict[str, Any]) -> None: ...

    def violation(self, v: Violation) -> None: ...

    def close(self) -> None: ...


class Evidence:
    """The trace line (and capture frame) behind the records being logged: replay logs
    each trace record with its ``line`` and everything it causes after it, so a
    violation points back to the last record that carried one (docs/report.md).

    It also collects the UEs the log names (``ues``) and names the UE of a violation that
    an invariant could not tie to a log line of its own (NAS-3, decided by replay): the
    UE of the input when the log so far names exactly one — never a guess among several.
    ``names`` renames UEs for people: a stand-in SUPI becomes the SUCI it stands for."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self.line: int | None = None
        self.frame: int | None = None
        self.ues: set[str] = set()
        self.names = dict(names or {})

    def feed(self, record: dict[str, Any]) -> None:
        if record.get("line") is not None:
            self.line, self.frame = record["line"], record.get("frame")
        ue = record.get("ue")
        if isinstance(ue, str):
            self.ues.add(ue)

    def attach(self, v: Violation) -> Violation:
        if v.ue is None and len(self.ues) == 1:
            v = replace(v, ue=next(iter(self.ues)))
        if v.ue in self.names:
            v = replace(v, ue=self.names[v.ue])
        if self.line is None or v.line is not None:
            return v
        return replace(v, line=self.line, frame=self.frame)

    def named_ues(self) -> list[str]:
        """The UEs the log named, as people know them."""
        return sorted({self.names.get(ue, ue) for ue in self.ues})


def selected(ue: Any, only: Set[str] | None) -> bool:
    """``--ue``: is a log line (or violation) of ``ue`` one to show and count? Lines that
    name no UE (the network's own) always are."""
    return only is None or not isinstance(ue, str) or ue in only


class CheckedRun:
    """``with CheckedRun(name, log_path, diagram_path, secrets) as run:
    run.execute(lambda sink, app1: coroutine)`` then ``run.report(...)``."""

    def __init__(self, name: str, log_path: str | None = None,
                 diagram_path: str | None = None, secret_values: Iterable[str] = (),
                 outputs: Iterable[Output] = (), *, only_ues: Set[str] | None = None,
                 ue_names: Mapping[str, str] | None = None,
                 properties: Sequence[Any] = ()) -> None:
        """``only_ues`` (``--ue``): check and draw only the log lines of these UEs (and
        those of no UE); the exchange log still gets every line. ``ue_names``: see
        ``Evidence``. ``properties`` (``--property``): checked beside the invariants."""
        self.name = name
        self.only_ues = only_ues
        self.violations: list[Violation] = []
        self.checker = Checker(input=name, secret_values=secret_values, properties=properties)
        # every consumer of log records (diagram, pcap, HTML timeline) sees each record
        # and each violation right after the record that revealed it
        self._outputs: list[Output] = list(outputs)
        # the log is NAME.partial until the run is complete (__exit__ without an error):
        # an interrupted or failed run leaves no log that looks finished
        self.log_path = log_path
        self._out = (JsonLinesSink(open_output(log_path, "--log", partial=True))
                     if log_path else None)
        try:
            if diagram_path:  # imported only when asked: start-up counts on short inputs
                from .diagram import MermaidWriter

                self._outputs.append(MermaidWriter(diagram_path))
        except BaseException:
            self.close_log()
            raise
        self.app1 = App1Tracker(self.record)
        # the file last: what every consumer saw is what the log says
        self.sink: ExchangeSink = (FanOut(CallbackSink(self._sink), self._out)
                                   if self._out is not None else CallbackSink(self._sink))
        self.evidence = Evidence(ue_names)

    def _emit(self, v: Violation | None) -> None:
        if v is not None:
            v = self.evidence.attach(v)
            if not selected(v.ue, self.only_ues):
                return
            self.violations.append(v)
            for output in self._outputs:
                output.violation(v)

    def record(self, invariant: str, ok: bool, seq: int, t: float, message: str,
               ue: str | None = None) -> None:
        """A check decided by the driver (NAS-3, APP-1)."""
        if selected(ue, self.only_ues):
            self._emit(self.checker.record(invariant, ok, seq, t, message, ue))

    def _sink(self, rec: dict[str, Any]) -> None:
        if self.only_ues is not None and not selected(rec.get("ue"), self.only_ues):
            self.app1(rec)  # APP-1 drops its decisions for this UE in ``record``
            return
        self.evidence.feed(rec)
        for output in self._outputs:
            output.feed(rec)
        for v in self.checker.feed(rec):
            self._emit(v)
        self.app1(rec)

    def execute(self, make: Callable[[ExchangeSink, App1Tracker],
                                     Coroutine[Any, Any, None]]) -> None:
        run_virtual(make(self.sink, self.app1))
        for v in self.checker.finish():
            self._emit(v)

    def report(self, expect: Mapping[str, Any] | None,
               not_checked: Iterable[Mapping[str, Any]] = (),
               stats: Mapping[str, int] | None = None) -> dict[str, Any]:
        listed = [{**n, "input": self.name} for n in (*not_checked, *self.checker.not_checked())]
        return build_report([self.name], self.checker.results(), self.violations, listed,
                            expect, {**self.checker.stats(), **(stats or {})},
                            ues=self.evidence.named_ues(),
                            properties=self.checker.described_properties())

    def close_log(self) -> None:
        if self._out is not None:
            self._out.close()

    def close(self) -> None:
        try:
            self.close_log()
        finally:
            for output in self._outputs:
                output.close()

    def __enter__(self) -> CheckedRun:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close()
        if exc_type is None:  # complete: every output gets its name
            finish(self.log_path, "--log")
            for output in self._outputs:
                if hasattr(output, "complete"):
                    output.complete()
