"""``ue-stack`` command line (docs/README.md).

Exit status: 0 all invariants hold, 1 a violation, 2 unusable input or usage, 3 an
internal error (a bug). Errors are for people: one line naming file, line and field, never
a traceback — except for a bug, with ``--debug`` or ``UE_STACK_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import signal
import sys
import traceback
from typing import Any

from . import inputs
from .errors import InputError
from .outputs import refuse_inputs_in_args
from .version import __version__

# subcommand -> (module under ue_stack.commands, the line `ue-stack --help` shows). A module
# is imported only when its command runs: `keys` does not pay for pycrate, and `--help`,
# `--version` or a mistyped command import none of them.
COMMANDS = {
    "keys": ("keys", "key calculator: Milenage, 5G AKA, EAP-AKA', AKMA (JSON on stdout)"),
    "simulate": ("simulate", "run a scenario against the network twin"),
    "replay": ("replay", "replay traces through the UE model, check invariants"),
    "check": ("check", "check the invariants over exchange logs"),
    "import": ("import_capture", "pcap/pcapng/NGAP-JSON (NGAP/NAS-5GS) -> traces"),
    "explain": ("explain", "what an invariant means, its clause, an example"),
    "study": ("study", "the KAF desync study: plots and a table"),
    "explore": ("explore", "explore every input sequence up to a depth; counterexamples as "
                           "replayable traces"),
    "completion": ("completion", "a shell completion script: bash, zsh or tcsh"),
    "fsm": ("fsm", "the model as a minimal Mealy machine (DOT); diff a learned device "
                   "machine against it"),
}


DESCRIPTION = """\
A 5G UE protocol stack model (NAS 5GMM, AKMA upper layers, a network twin) that replays
NAS traces and checks cross-layer invariants, such as TS 24.501 4.21: upper layers obtain
KAKMA from NAS before every KAF derivation."""
EPILOG = """exit status: 0 all invariants hold, 1 a violation, 2 unusable input or usage,
3 an internal error (a bug: --debug or UE_STACK_DEBUG=1 shows its traceback).
formats, invariants and clauses: docs/ in the source repository; `ue-stack explain ID`."""
INTERNAL_ERROR = 3
DEBUG_FLAG = "--debug"


class UsageError(InputError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2, not a usage dump, in the
    one style of every error (``ue-stack: [command: ]what``), with a suggestion for a
    mistyped command or option."""

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("ue-stack").strip()
        where = f"{command}: " if command else ""
        raise UsageError(f"ue-stack: {where}{message}{self._suggestion(message)}")

    def _suggestion(self, message: str) -> str:
        """"; did you mean ..." for an unknown subcommand or option, else ""."""
        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if bad:  # a command, or an option's value
            known = re.findall(r"'([^']*)'", bad.group(2))
        else:
            bad = re.search(r"unrecognized arguments: (-\S+)", message)
            known = [o for parser in self._parsers() for a in parser._actions
                     for o in a.option_strings]
        close = difflib.get_close_matches(bad.group(1), known, n=1) if bad else []
        return f"; did you mean {close[0]}?" if close else ""

    def _parsers(self) -> list[argparse.ArgumentParser]:
        """This parser and its subcommands' parsers (an option may belong to either)."""
        subs = [p for a in self._actions if isinstance(a, argparse._SubParsersAction)
                for p in a.choices.values()]
        return [self, *subs]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command`` (a known subcommand) only that one is registered, from
    its module. Without one, every command is listed by name and summary and no module is
    imported: that parser only prints help or the version, or says a command is needed or
    mistyped."""
    parser = _Parser(prog="ue-stack", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=__version__,
                        help="print the version and exit")
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help="on an internal error, print its traceback (also "
                             "UE_STACK_DEBUG=1); may come anywhere before `--`")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    if command in COMMANDS:
        module, _ = COMMANDS[command]
        importlib.import_module(f"ue_stack.commands.{module}").register(sub)
    else:
        for name, (_, summary) in COMMANDS.items():
            sub.add_parser(name, help=summary)
    return parser


def start_run(args: argparse.Namespace) -> None:
    """Before a command does any work: its inputs registered, and no output option naming
    one of them (``ue_stack.inputs``, ``ue_stack.outputs``)."""
    inputs.new_run()
    inputs.register_from_args(args)
    refuse_inputs_in_args(args)


def _never_crash_on_encoding() -> None:
    """A terminal or PYTHONIOENCODING that cannot show a character (λ under ASCII) gets an
    escape (``\\u03bb``) instead of a UnicodeEncodeError mid-run."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _without_debug(argv: list[str]) -> tuple[list[str], bool]:
    """``--debug`` may come anywhere before ``--`` (after it, it is a file name)."""
    end = argv.index("--") if "--" in argv else len(argv)
    head = [a for a in argv[:end] if a != DEBUG_FLAG]
    return head + argv[end:], len(head) < end


def _bug(command: str, exc: BaseException, debug: bool) -> int:
    """One line for an internal error: the command, the exception's type and where it was
    raised — not its message, which may hold an input's values (keys included)."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    hint = "" if debug else f"; {DEBUG_FLAG} (or UE_STACK_DEBUG=1) shows the traceback"
    print(f"ue-stack: {command or 'ue-stack'}: internal error ({type(exc).__name__}{where}): "
          f"this is a bug in ue-stack, please report it{hint}", file=sys.stderr)
    return INTERNAL_ERROR


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _never_crash_on_encoding()
    argv, debug = _without_debug(argv)
    debug = debug or os.environ.get("UE_STACK_DEBUG", "") not in ("", "0")
    command = argv[0] if argv and argv[0] in COMMANDS else ""
    previous = _on_sigterm(_terminated)
    try:
        parser = build_parser(argv[0] if argv else None)
        args = parser.parse_args(argv)
        start_run(args)
        status: int = args.run(args)
    except Terminated:
        print("ue-stack: terminated (SIGTERM); outputs left as NAME.partial",
              file=sys.stderr)
        status = 128 + signal.SIGTERM
    except UsageError as exc:
        print(exc, file=sys.stderr)
        status = 2
    except InputError as exc:
        print(f"ue-stack: {exc}", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print("ue-stack: interrupted; outputs left as NAME.partial", file=sys.stderr)
        status = 128 + signal.SIGINT
    except BrokenPipeError:
        status = 0
    except Exception as exc:  # a bug, never exit 1 (a violation) nor a bare traceback
        status = _bug(command, exc, debug)
    finally:
        _on_sigterm(previous)
    sys.stdout.flush()
    return status


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (SIGINT): the run stops where it is, the outputs it
    was writing stay as ``NAME.partial`` (``outputs.PARTIAL``), and the exit status is the
    shell's for death by that signal, 128 + n: 143 (SIGINT: 130)."""


def _terminated(_signum: int, _frame: object) -> None:
    raise Terminated


def _on_sigterm(handler: Any) -> Any:
    """Install ``handler`` for SIGTERM; the one it replaces (only the main thread may)."""
    try:
        return signal.signal(signal.SIGTERM, signal.SIG_DFL if handler is None else handler)
    except ValueError:  # not the main thread (an embedding application's worker)
        return handler


if __name__ == "__main__":
    sys.exit(main())
