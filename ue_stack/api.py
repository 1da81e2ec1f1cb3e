"""The Python API: the commands of ``ue-stack`` as functions that return reports.

``replay``, ``check`` and ``simulate`` return a ``Report`` (``to_dict()`` is the
ue-stack/report JSON, docs/report.md); ``import_capture`` returns an ``ImportReport``.
Options have the command line's names with ``_`` for ``-`` (``app_mode="legacy-cache"``,
``akma_defer=False``, ``log="run.jsonl"``) and go through the same parser, so they are
checked the same way. Unusable input raises ``InputError`` (``file``, ``line``, ``field``).
Nothing is printed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InputError

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class _Document:
    """A JSON document a command wrote, read through properties that hand out copies."""

    _data: Mapping[str, Any]

    def _copy(self, key: str) -> Any:
        return copy.deepcopy(self._data[key])

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data (a copy)."""
        return copy.deepcopy(dict(self._data))


class Report(_Document):
    """The verdict of a replay, simulation or check (ue-stack/report v1)."""

    @property
    def verdict(self) -> str:
        """``"pass"`` or ``"fail"``."""
        return str(self._data["verdict"])

    @property
    def violations(self) -> list[dict[str, Any]]:
        """Each violation: ``invariant``, ``input``, ``seq``, ``t``, ``message`` (and
        ``line``/``frame`` where known)."""
        return list(self._copy("violations"))

    @property
    def invariants(self) -> dict[str, dict[str, int]]:
        """Per invariant id: ``checked`` and ``violations`` counts."""
        return dict(self._copy("invariants"))

    @property
    def results(self) -> list[dict[str, Any]]:
        """One entry per input: ``input``, ``verdict``, ``expect``, ``matched``,
        ``violations`` (a count) and ``ues``."""
        return list(self._copy("results"))

    @property
    def expect_matched(self) -> bool | None:
        """Whether the inputs' stated expectation was met (None when none was stated)."""
        expect = self._data.get("expect")
        return None if expect is None else bool(expect["matched"])


class ImportReport(_Document):
    """What ``import_capture`` found and wrote (ue-stack/import-report v1)."""

    @property
    def ok(self) -> bool:
        """True when no problem has severity ``error``."""
        return bool(self._data["ok"])

    @property
    def traces(self) -> list[str]:
        """The trace files written."""
        return list(self._data["traces"])

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Each problem: ``severity`` (error or note), ``problem``, and ``frame``/``ue`` where
        known (docs/report.md)."""
        return list(self._copy("problems"))


def _argv(options: Mapping[str, Any]) -> list[str]:
    """Keyword options as command-line arguments: ``True`` is a flag, ``False``/``None``
    leave it out, ``akma_defer`` takes a bool, a list or tuple repeats the option
    (``ue=[...]``), anything else its string form."""
    argv: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, list | tuple):
            argv += [arg for v in value for arg in _argv({name: v})]
        elif name == "akma_defer" and isinstance(value, bool):
            argv += [flag, "on" if value else "off"]
        elif value is True:
            argv.append(flag)
        elif value is not None and value is not False:
            argv += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return argv


def _args(command: str, positional: list[str], options: Mapping[str, Any]) -> Any:
    from .cli import UsageError, build_parser, start_run

    for name in ("report", "html"):
        if options.get(name) == "-":
            raise InputError("the API returns the report: '-' (stdout) is for the command line",
                             field=f"--{name}")
    try:
        args = build_parser(command).parse_args([command, *_argv(options), "--", *positional])
    except UsageError as exc:
        raise UsageError(f"{exc} (options are the command line's, with _ for -)") from None
    start_run(args)
    return args


def _paths(paths: PathLike | Iterable[PathLike]) -> list[str]:
    if isinstance(paths, str | os.PathLike):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def replay(paths: PathLike | Iterable[PathLike], **options: Any) -> Report:
    """Replay traces (files, or folders of ``*.jsonl``) through the UE model.

    Options as ``ue-stack replay``: ``app_mode``, ``akma_defer``, ``log``, ``report``,
    ``diagram``, ``pcap``, ``keys``, ``jobs`` ... Raises ``InputError`` if a trace is
    unusable."""
    from .commands.replay import replay_report

    report, outcomes = replay_report(_args("replay", _paths(paths), options),
                                     show_progress=False)
    for outcome in outcomes:
        if outcome.exc is not None:
            raise outcome.exc
    return Report(report)


def check(paths: PathLike | Iterable[PathLike], **options: Any) -> Report:
    """Check the invariants over exchange logs (files, or folders of ``*.jsonl``)."""
    from .commands.check import check_report

    report, errors = check_report(_args("check", _paths(paths), options))
    if errors:
        raise errors[0]
    return Report(report)


def simulate(scenario: PathLike, **options: Any) -> Report:
    """Run a built-in scenario (by name) or a scenario file against the network twin.

    Options as ``ue-stack simulate``: ``app_mode``, ``akma_defer``, ``ues``, ``seed``,
    ``record``, ``log``, ``report``, ``diagram``, ``pcap``, ``keys`` ..."""
    from .commands.simulate import simulate_report

    args = _args("simulate", [os.fspath(scenario)], options)
    return Report(simulate_report(args, show_progress=False))


def import_capture(path: PathLike, outdir: PathLike, **credentials: Any) -> ImportReport:
    """Import a capture (pcap, pcapng, or a JSON list of NGAP PDUs) into traces in
    ``outdir``. Credentials and options as ``ue-stack import``: ``k`` with ``opc`` or
    ``op`` (hex), ``keys`` (a CSV file), ``supi``, ``mcc``/``mnc``, ``expect``,
    ``embed_keys``, ``akma_probe``, ``report``."""
    from .commands.import_capture import import_report

    args = _args("import", [os.fspath(path)], {**credentials, "outdir": outdir})
    return ImportReport(import_report(args, show_progress=False))
