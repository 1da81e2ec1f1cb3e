"""One module per ``ue-stack`` subcommand: each has ``register(subparsers)`` and
``run(args) -> int`` (the exit status of docs/README.md)."""

from pathlib import Path
from typing import Any

from .. import inputs
from ..errors import InputError
from ..outputs import PARTIAL
from ..pool import ENGINES, LOCAL, Engine


def jsonl_inputs(names: list[str], what: str, option: str) -> list[Path]:
    """Command-line inputs: files as given; a folder stands for its ``*.jsonl`` files,
    sorted (a folder without any is unusable as a whole). ``what`` names them in errors
    ("trace", "exchange log"), ``option`` is the argument that named them ("TRACE")."""
    if names.count(inputs.STDIN) > 1:
        raise InputError("'-' (standard input) can be read only once", field=option)
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise InputError(f"folder holds no *.jsonl {what}", file=name)
            paths.extend(found)
            for found_path in found:  # read by this run: no output may overwrite them
                inputs.register(found_path, option)
        else:
            # a file, or a name that is neither: its reader then says why it cannot be
            # read, as one line for that input (docs/README.md, several inputs)
            paths.append(path)
    return paths


# First octets of the capture formats `ue-stack import` reads (pcap in both byte orders and
# both time resolutions, pcapng's section header block).
_CAPTURE_MAGIC = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                  b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")


def _first_bytes(path: str | Path, n: int) -> bytes:
    if str(path) == inputs.STDIN:
        return b""  # not read twice: the reader says what is wrong with it
    try:
        with inputs.open_input(path, "input") as f:
            return f.read(n)
    except (OSError, InputError):
        return b""  # the reader itself says what is wrong with the file


def refuse_capture(path: str | Path, what: str) -> None:
    """A pcap/pcapng given where ``what`` (a JSON Lines file, e.g. "a trace") belongs: say
    what to do instead."""
    if _first_bytes(path, 4) in _CAPTURE_MAGIC:
        raise InputError(f"a capture, not {what}: run `ue-stack import` first", file=str(path))


def refuse_partial(path: str | Path, what: str) -> None:
    """A ``NAME.partial`` output (``outputs.PARTIAL``): its run was interrupted, failed or
    is still going, so it is no complete ``what`` to draw a verdict from."""
    if str(path).endswith(PARTIAL):
        raise InputError(
            f"an unfinished {what}: the run writing it was interrupted, failed or is still "
            f"going (a complete one is renamed without '{PARTIAL}')", file=str(path))


def refuse_trace(path: str | Path) -> None:
    """A trace given to ``check``, which reads exchange logs: say what to do instead."""
    first = _first_bytes(path, 4096).split(b"\n", 1)[0]
    if b'"ue-stack/trace"' in first and b'"header"' in first:
        raise InputError("a trace, not an exchange log: `ue-stack replay` it "
                         "(--log writes its exchange log)", file=str(path))


def add_engine_options(parser: Any) -> None:
    """``--engine`` and ``--address``: where the ``--jobs`` workers run (docs/cluster.md)."""
    parser.add_argument("--engine", choices=ENGINES, default="local",
                        help="where the workers run: local processes (default) or a Ray "
                             "cluster (pip install 'ue-stack[cluster]'; docs/cluster.md)")
    parser.add_argument("--address", metavar="ADDR",
                        help="with --engine ray: the cluster to join (auto, HOST:PORT, "
                             "ray://HOST:PORT); without it Ray starts on this machine")


def engine_of(args: Any) -> Engine:
    """The engine the options name; Ray's absence is a usage error before any work."""
    if args.engine == "local":
        if args.address is not None:
            raise InputError("--address needs --engine ray")
        return LOCAL
    from .. import cluster

    cluster.require()
    return Engine(args.engine, args.address)


def add_ci_options(parser: Any, per_ue: bool = False) -> None:
    """``--junit``, ``--sarif`` and ``--ue`` (docs/report.md, "For CI")."""
    case = "UE" if per_ue else "input"
    parser.add_argument("--junit", metavar="FILE",
                        help=f"JUnit XML: one testcase per {case}, a failure per violation")
    parser.add_argument("--sarif", metavar="FILE",
                        help="SARIF 2.1.0: one result per violation at its file and line")
    parser.add_argument("--ue", action="append", metavar="ID",
                        help="show and count only this UE (SUPI or SUCI; repeatable)")


def only_ues(args: Any) -> frozenset[str] | None:
    """The UEs ``--ue`` selects, or None for all."""
    chosen = getattr(args, "ue", None)
    return frozenset(chosen) if chosen else None


def write_ci(args: Any, report: dict[str, Any], *, per_ue: bool = False,
             logs: dict[str, str] | None = None) -> None:
    """Write the ``--junit`` and ``--sarif`` files the options name, from the report."""
    if not (getattr(args, "junit", None) or getattr(args, "sarif", None)):
        return
    import orjson

    from ..ci import junit, sarif
    from ..outputs import write_output

    suite = f"ue-stack {args.command}"
    if args.junit:
        write_output(args.junit, "--junit", junit(
            report, suite, check_expect=bool(getattr(args, "check_expect", False)),
            per_ue=per_ue))
    if args.sarif:
        document = sarif(report, logs)
        write_output(args.sarif, "--sarif", orjson.dumps(document, option=orjson.OPT_INDENT_2)
                     + b"\n")


def add_property_option(parser: Any) -> None:
    """``--property FILE`` (repeatable): properties checked beside the invariants
    (docs/properties.md)."""
    parser.add_argument("--property", action="append", metavar="FILE", dest="property",
                        help="a property file (TOML, docs/properties.md) checked beside the "
                             "invariants; repeatable")


def properties_of(args: Any) -> tuple[Any, ...]:
    """The properties ``--property`` names, loaded and checked before any work (an error
    is one line naming the file, the property and the column)."""
    files = getattr(args, "property", None)
    if not files:
        return ()
    from ..invariants import INVARIANT_IDS
    from ..properties import load_properties

    return load_properties(files, reserved=INVARIANT_IDS)


def epoch_option(text: str) -> float:
    """``--pcap-epoch``: epoch seconds, or an ISO 8601 date and time (UTC unless it says)."""
    import argparse
    from datetime import UTC, datetime

    try:
        value = float(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be epoch seconds or an ISO 8601 time (2026-12-06T10:00:00Z), got "
                f"{text!r}") from None
        value = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    if not 0 <= value < 2**32 - 2:
        raise argparse.ArgumentTypeError("must lie between 1970 and 2106 (a pcap's range)")
    return value


def add_pcap_epoch(parser: Any) -> None:
    parser.add_argument("--pcap-epoch", type=epoch_option, metavar="WHEN",
                        help="--pcap: the first frame's time (epoch seconds or ISO 8601); "
                             "default: the model times, from 2000-01-01 when they are relative")
