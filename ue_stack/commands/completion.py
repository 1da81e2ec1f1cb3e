"""``ue-stack completion bash|zsh|tcsh``: a shell completion script for every command and
option, generated from the same argparse parsers the commands use (shtab), so it never
lags behind them. Install, e.g.::

    ue-stack completion bash > ~/.local/share/bash-completion/completions/ue-stack
    ue-stack completion zsh > "${fpath[1]}/_ue-stack"
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

SHELLS = ("bash", "zsh", "tcsh")


def register(sub: Any) -> None:
    p = sub.add_parser("completion")
    p.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    p.set_defaults(run=run)


def full_parser() -> argparse.ArgumentParser:
    """The parser with every command registered (``cli.build_parser`` registers only the
    command being run, so that start-up imports one module)."""
    from ..cli import COMMANDS, DESCRIPTION, EPILOG, _Parser

    parser = _Parser(prog="ue-stack", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version="")
    parser.add_argument("--debug", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add = sub.add_parser
    for name, (module, summary) in COMMANDS.items():
        # shtab walks the subcommands argparse lists with a help line
        sub.add_parser = lambda n, _s=summary, **kw: add(n, help=_s, **kw)  # type: ignore[method-assign]
        importlib.import_module(f"ue_stack.commands.{module}").register(sub)
        assert name in sub.choices, name
    return parser


def run(args: Any) -> int:
    import shtab

    print(shtab.complete(full_parser(), shell=args.shell), end="")
    return 0
