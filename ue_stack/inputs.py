"""The inputs of a run: which files they are, and how a text input may begin.

**The run's inputs.** Every file a command reads is registered here (by the command, from
its options, before any work, and again by each reader when it opens the file), so that
``ue_stack.outputs.open_output`` can refuse an output that is the same file as an input —
through a symbolic or hard link too: the device and inode number are compared, not the
names. A new input option is covered by adding its ``dest`` to ``INPUT_OPTIONS``.

**Byte order mark.** Windows editors and spreadsheets put EF BB BF before the first line.
It is no content (Unicode 15 23.8): every text format ue-stack reads — trace, exchange
log, expectation, scenario, JSON capture, keys CSV — reads past it, through these helpers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# argparse ``dest`` of every option or positional argument that names an input file, with
# the name an error shows for it.
INPUT_OPTIONS = {
    "traces": "TRACE", "logs": "LOG", "scenario": "SCENARIO", "capture": "CAPTURE",
    "keys": "--keys", "hn_key": "--hn-key", "property": "--property", "expect": "--expect",
}


@dataclass(frozen=True)
class Input:
    path: str
    option: str  # the option (or positional) that named it, for errors


_inputs: dict[tuple[int, int], Input] = {}  # (st_dev, st_ino) -> the input


def new_run() -> None:
    """Forget the inputs of an earlier run in this process (the CLI and the Python API
    call this before each command)."""
    _inputs.clear()


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)  # follows symbolic links: a link to an input is that input
    except (OSError, ValueError):
        return None  # missing or unnamable: its reader says why
    return st.st_dev, st.st_ino


def register(path: str | os.PathLike[str], option: str) -> None:
    """``path`` is read by this run (named by ``option``). A folder is not registered
    here: the files read from it are, as they are found (``commands.jsonl_inputs``)."""
    if str(path) == "-" or Path(path).is_dir():
        return  # stdin has no file to overwrite
    key = _identity(path)
    if key is not None:
        _inputs.setdefault(key, Input(str(path), option))


def register_from_args(args: Any) -> None:
    """Register every input the parsed command line names (``INPUT_OPTIONS``)."""
    for dest, option in INPUT_OPTIONS.items():
        value = getattr(args, dest, None)
        for name in value if isinstance(value, list) else [value]:
            if isinstance(name, str | os.PathLike) and name:
                register(name, option)


def input_at(path: str | os.PathLike[str]) -> Input | None:
    """The input that ``path`` is (the same file), if any."""
    if not _inputs:
        return None
    key = _identity(path)
    return None if key is None else _inputs.get(key)

BOM = b"\xef\xbb\xbf"
TEXT_ENCODING = "utf-8-sig"  # for str reads: UTF-8, a leading byte order mark dropped


def without_bom(data: bytes) -> bytes:
    """``data`` without a leading byte order mark."""
    return data[len(BOM):] if data.startswith(BOM) else data


def lines_without_bom(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a binary file, the first without a leading byte order mark."""
    it = iter(lines)
    for first in it:
        yield without_bom(first)
        break
    yield from it
