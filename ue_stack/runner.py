"""One checked run: the harness that ``replay`` and ``simulate`` share.

It opens the exchange log and the diagram, configures logging so that every line also
reaches the online invariant checker (and APP-1), runs the model on a virtual clock, and
builds the report (FORMATS.md section 4). Files are closed on every exit path, so what was
written before an error stays on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, Protocol

from . import logconfig
from .bus import run_virtual
from .diagram import MermaidWriter
from .invariants import Checker, Violation
from .outputs import open_output
from .report import build_report
from .trace.replay import App1Tracker

Record = Callable[[str, bool, int, float, str], None]


class Output(Protocol):
    """A consumer of exchange-log records: the Mermaid diagram, the pcap, the HTML
    timeline."""

    def feed(self, record: dict[str, Any]) -> None: ...

    def violation(self, v: Violation) -> None: ...

    def close(self) -> None: ...


class CheckedRun:
    """``with CheckedRun(name, log_path, diagram_path, secrets) as run:
    run.execute(lambda record, app1: coroutine)`` then ``run.report(...)``."""

    def __init__(self, name: str, log_path: str | None = None,
                 diagram_path: str | None = None, secret_values: Iterable[str] = (),
                 outputs: Iterable[Output] = ()) -> None:
        self.name = name
        self.violations: list[Violation] = []
        self.checker = Checker(input=name, secret_values=secret_values)
        # every consumer of log records (diagram, pcap, HTML timeline) sees each record
        # and each violation right after the record that revealed it
        self._outputs: list[Output] = list(outputs)
        self._out = open_output(log_path, "--log") if log_path else None
        try:
            if diagram_path:
                self._outputs.append(MermaidWriter(diagram_path))
        except BaseException:
            self.close_log()
            raise
        self.app1 = App1Tracker(self.record)

    def _emit(self, v: Violation | None) -> None:
        if v is not None:
            self.violations.append(v)
            for output in self._outputs:
                output.violation(v)

    def record(self, invariant: str, ok: bool, seq: int, t: float, message: str) -> None:
        """A check decided by the driver (NAS-3, APP-1)."""
        self._emit(self.checker.record(invariant, ok, seq, t, message))

    def _sink(self, rec: dict[str, Any]) -> None:
        for output in self._outputs:
            output.feed(rec)
        for v in self.checker.feed(rec):
            self._emit(v)
        self.app1.feed(rec)

    def execute(self, make: Callable[[Record, App1Tracker], Coroutine[Any, Any, None]]) -> None:
        logconfig.configure(self._out, self._sink)
        run_virtual(make(self.record, self.app1))
        for v in self.checker.finish():
            self._emit(v)

    def report(self, expect: Mapping[str, Any] | None, not_checked: Iterable[Mapping] = (),
               stats: Mapping[str, int] | None = None) -> dict[str, Any]:
        listed = [{**n, "input": self.name} for n in (*not_checked, *self.checker.not_checked())]
        return build_report([self.name], self.checker.results(), self.violations, listed,
                            expect, {**self.checker.stats(), **(stats or {})})

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

    def __exit__(self, *exc: object) -> None:
        self.close()
