"""The inputs of a run: which files they are, and how a text input may begin.

**The run's inputs.** Every file a command reads is registered here (by the command, from
its options, and the files found in a folder it names, before any work), so that
``ue_stack.outputs.open_output`` can refuse an output that is the same file as an input —
through a symbolic or hard link too: the device and inode number are compared, not the
names. A new input option is covered by adding its ``dest`` to ``INPUT_OPTIONS``.

**Reading.** Every file is opened here (``open_input``, ``read_input``): a regular file,
or ``-`` for standard input where a command reads traces, logs or captures. A FIFO, a
character device (``/dev/zero``), a folder or a socket given as a file is refused with one
line — it could block forever or never end. Lines and whole files are read with the bounds
of ``limits.py`` (``MAX_LINE_BYTES``, ``MAX_FILE_BYTES``), named in the error, so a sparse
2 GB file without a newline costs a bounded read, not the machine's memory.

**Byte order mark.** Windows editors and spreadsheets put EF BB BF before the first line.
It is no content (Unicode 15 23.8): every text format ue-stack reads — trace, exchange
log, expectation, scenario, JSON capture, keys CSV — reads past it, through these helpers.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError
from .limits import MAX_CAPTURE_BYTES, MAX_DOC_BYTES, MAX_FILE_BYTES, MAX_LINE_BYTES

STDIN = "-"  # where a command reads a trace, log or capture, standard input
STDIN_NAME = "<stdin>"  # how errors name it

# argparse ``dest`` of every option or positional argument that names an input file, with
# the name an error shows for it.
INPUT_OPTIONS = {
    "traces": "TRACE", "logs": "LOG", "scenario": "SCENARIO", "capture": "CAPTURE",
    "keys": "--keys", "hn_key": "--hn-key", "property": "--property", "expect": "--expect",
    "device": "--diff",
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


def display_name(path: str | os.PathLike[str]) -> str:
    """How errors name an input (``-`` is standard input)."""
    return STDIN_NAME if str(path) == STDIN else str(path)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: str | os.PathLike[str], what: str, *, stdin: bool = True) -> BinaryIO:
    """Open an input for binary reading: a regular file, or standard input for ``-``
    (where ``stdin``). Anything else is an ``InputError`` naming the file. ``what`` says
    what it should be ("trace")."""
    name = str(path)
    if name == STDIN and stdin:
        try:  # a duplicate, so that closing the input leaves the process's stdin open
            return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
        except (OSError, ValueError, AttributeError):  # no descriptor (embedded, tests)
            return sys.stdin.buffer
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not block before it is refused
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"cannot read {what}: {_kind_of(mode)}, not a regular file",
                             file=name)
        os.set_blocking(fd, True)
        file = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return file


def bounded_lines(file: BinaryIO, name: str, what: str) -> Iterator[bytes]:
    """The lines of ``file`` (the first without a byte order mark), each at most
    ``MAX_LINE_BYTES`` and all together at most ``MAX_FILE_BYTES``; beyond, an
    ``InputError`` naming the file, the line and the bound."""
    readline = file.readline
    total = 0
    number = 0
    while True:
        raw = readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(
                f"line longer than {MAX_LINE_BYTES:,} bytes (limits.MAX_LINE_BYTES)",
                file=name, line=number)
        total += len(raw)
        if total > MAX_FILE_BYTES:
            raise InputError(
                f"{what} larger than {MAX_FILE_BYTES:,} bytes (limits.MAX_FILE_BYTES)",
                file=name, line=number)
        yield without_bom(raw) if number == 1 else raw


def read_input(path: str | os.PathLike[str], what: str, *, limit: int = MAX_DOC_BYTES,
               stdin: bool = False) -> bytes:
    """A whole input (scenario, keys CSV, capture) as bytes, refused beyond ``limit``
    (``limits.MAX_DOC_BYTES``, or the one given, named in the error) — a regular file by
    its size before a byte is read, standard input after ``limit`` bytes."""
    name = display_name(path) if stdin else str(path)
    bound = "MAX_CAPTURE_BYTES" if limit == MAX_CAPTURE_BYTES else "MAX_DOC_BYTES"
    too_big = InputError(f"{what} larger than {limit:,} bytes (limits.{bound})", file=name)
    with open_input(path, what, stdin=stdin) as file:
        try:
            if stat.S_ISREG(os.fstat(file.fileno()).st_mode) and \
                    os.fstat(file.fileno()).st_size > limit:
                raise too_big
            data = file.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    if len(data) > limit:
        raise too_big
    return data
