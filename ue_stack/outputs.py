"""The one place where ue-stack opens the files and folders it writes (docs/README.md).

An output that cannot be written — a missing folder, a path under a file, a full disk
(``/dev/full``), no permission — is unusable input: exit status 2 and one line naming the
file and the option, never a traceback. That holds when the file is opened *and* later,
when a write or the final flush fails, because the files returned here are ordinary
buffered Python files over a raw file whose system calls turn ``OSError`` into
``InputError``. What was written before the error stays on disk.

Every command-line output goes through ``open_output`` (``--log``, ``--report``,
``--diagram``, ``--record``, ``import -o`` traces and its ``--report``), and
``output_folder`` for the folders (``import -o``; ``--log``/``--diagram`` with several
inputs, which must already be folders: nothing is created silently).

**An output is never an input.** ``open_output`` (and ``refuse_input`` for a file put in
place by renaming) refuses a path that is the same file as one of the run's inputs
(``ue_stack.inputs``) — by device and inode, so through links too — before anything is
truncated: exit 2, one line naming both options. ``refuse_inputs_in_args`` does the same
for every output option of the command line before any work starts; a new output option
is covered by adding its ``dest`` to ``OUTPUT_OPTIONS`` (and opening it here).
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

from . import inputs
from .errors import InputError

PARTIAL = ".partial"  # what an output is named until its run is complete

# argparse ``dest`` of every option that names an output file, with its option name.
OUTPUT_OPTIONS = {
    "log": "--log", "report": "--report", "diagram": "--diagram", "html": "--html",
    "pcap": "--pcap", "record": "--record", "junit": "--junit", "sarif": "--sarif",
    "decipher_pcap": "--decipher-pcap", "dot": "--dot",
}


def refuse_input(path: str | Path, field: str | None) -> None:
    """``InputError`` if ``path`` is the same file as one of the run's inputs."""
    same = inputs.input_at(path)
    if same is not None:
        raise InputError(
            f"is the same file as the input {same.path} ({same.option}); refusing to "
            "overwrite an input", file=str(path), field=field)


def refuse_inputs_in_args(args: Any) -> None:
    """Check every output option of a parsed command line against its inputs, before any
    work (an output named in a folder is checked when it is opened)."""
    for dest, option in OUTPUT_OPTIONS.items():
        value = getattr(args, dest, None)
        if isinstance(value, str) and value not in ("", "-"):
            refuse_input(value, option)


def output_error(path: str | Path, field: str | None, exc: OSError) -> InputError:
    """The InputError for an output that cannot be written (no traceback, no errno)."""
    why = exc.strerror or type(exc).__name__
    return InputError(f"cannot write: {why}", file=str(path), field=field)


class _GuardedRaw(io.FileIO):
    """A raw file whose write errors name the output (the buffered layer above calls
    ``write`` only when its buffer fills or is flushed, so this costs nothing per line)."""

    def __init__(self, path: str | Path | int, mode: str, field: str | None,
                 name: str | None = None) -> None:
        super().__init__(path, mode)
        self._path = name or str(path)
        self._field = field

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            raise output_error(self._path, self._field, exc) from None


def open_output(
    path: str | Path,
    field: str | None,
    *,
    text: bool = False,
    append: bool = False,
    line_buffering: bool = False,
    partial: bool = False,
) -> Any:
    """Open ``path`` for writing (binary by default; ``text``: UTF-8 text). ``field`` is
    the option that named it (``--log``...), quoted in the error. Opening, writing and
    closing raise ``InputError`` instead of ``OSError``; so does a path that is one of the
    run's inputs.

    ``partial``: write ``path.partial`` under an exclusive lock (``fcntl.flock``: a second
    run writing the same output is refused, not interleaved); ``finish(path)`` gives it
    its name once the run is complete. An interrupted or failed run leaves only the
    ``.partial`` file, which no reader takes for a finished output."""
    refuse_input(path, field)
    try:
        if Path(path).is_dir():
            raise IsADirectoryError(21, "is a folder")
        if partial and _regular_or_new(path):
            raw = _locked(Path(f"{path}{PARTIAL}"), field)
        else:
            raw = _GuardedRaw(path, "a" if append else "w", field)
    except OSError as exc:
        raise output_error(path, field, exc) from None
    buffered = io.BufferedWriter(raw)
    if not text:
        return buffered
    return io.TextIOWrapper(buffered, encoding="utf-8", line_buffering=line_buffering)


def _regular_or_new(path: str | Path) -> bool:
    """A path a ``.partial`` file can stand in for: a regular file, or none yet. A device
    (``/dev/null``, ``/dev/stdout``) is written as it is: it cannot be renamed over."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


def _locked(path: Path, field: str | None) -> _GuardedRaw:
    """``path`` opened for writing under an exclusive lock, emptied only once locked (so a
    run that finds it locked leaves the other run's output alone)."""
    import fcntl

    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError("another ue-stack run is writing this output now (it is locked)",
                         file=str(path), field=field) from None
    except OSError:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    return _GuardedRaw(fd, "w", field, name=str(path))


def finish(path: str | Path | None, field: str | None) -> None:
    """Give a complete ``partial`` output its name (``path.partial`` -> ``path``)."""
    if path is None or not _regular_or_new(path):
        return  # a device was written as it is (open_output), never renamed over
    try:
        os.replace(f"{path}{PARTIAL}", path)
    except FileNotFoundError:
        return  # never opened (the run stopped before), or already renamed
    except OSError as exc:
        raise output_error(path, field, exc) from None


def write_output(path: str | Path, field: str | None, data: bytes) -> None:
    """Write one whole document (a report) to ``path``."""
    with open_output(path, field) as out:
        out.write(data)


def output_folder(path: str | Path, field: str | None, *, create: bool) -> Path:
    """A folder for outputs. ``create``: make it (and its parents) if missing; otherwise
    it must already be a folder (several inputs: ``--log DIR`` is not created silently)."""
    folder = Path(path)
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(path, field, exc) from None
    if not folder.is_dir():
        raise InputError(
            "with several inputs this must be an existing folder (one file per input is "
            "written into it), and it is not one", file=str(path), field=field)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("cannot write: permission denied", file=str(path), field=field)
    return folder


def per_input(target: str | None, field: str, inputs: list[Path],
              suffix: str) -> list[str | None]:
    """The output of each input (docs/README.md, several inputs): ``target`` itself for one
    input; with several, ``target`` must be an existing folder and each input gets a file
    in it named after the input (``a.jsonl`` -> ``a<suffix>``)."""
    if target is None:
        return [None] * len(inputs)
    if len(inputs) == 1:
        return [target]
    folder = output_folder(target, field, create=False)
    return [str(folder / f"{p.stem}{suffix}") for p in inputs]
