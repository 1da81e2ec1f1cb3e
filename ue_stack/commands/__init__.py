"""One module per ``ue-stack`` subcommand: each has ``register(subparsers)`` and
``run(args) -> int`` (the exit status of FORMATS.md section 5)."""

from pathlib import Path

from ..errors import InputError


def jsonl_inputs(names: list[str], what: str) -> list[Path]:
    """Command-line inputs: files as given; a folder stands for its ``*.jsonl`` files,
    sorted (a folder without any is unusable as a whole). ``what`` names them in errors
    ("trace", "exchange log")."""
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise InputError(f"folder holds no *.jsonl {what}", file=name)
            paths.extend(found)
        else:
            # a file, or a name that is neither: its reader then says why it cannot be
            # read, as one line for that input (FORMATS.md 5, several inputs)
            paths.append(path)
    return paths
