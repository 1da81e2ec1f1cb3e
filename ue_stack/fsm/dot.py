"""Mealy machines as state-machine learners write them in Graphviz DOT (LearnLib, AALpy,
5GBaseChecker, DIKEUE): ``s0 -> s1 [label="input / output"];`` per transition and an
invisible ``__start0 -> s0`` edge naming the initial state.

The reader takes the subset those tools write, tolerantly: names quoted or not, any
attribute order, ``;`` optional, ``//``, ``#`` and ``/* */`` comments, node and graph attribute
lines ignored, no ``__start0`` (then the first edge's source, or ``s0``, is initial).
Anything else it cannot read is one error naming the file, the line and what it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from .machine import Mealy

START = "__start0"

_NAME = r'(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.]+))'
_EDGE = re.compile(rf"^\s*{_NAME}\s*->\s*{_NAME}\s*(?:\[(.*)\])?\s*;?\s*$")
_LABEL = re.compile(r'\blabel\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,\]]+))')
_IGNORED = re.compile(
    r'^\s*(?:$|(?:strict\s+)?(?:di)?graph\b.*\{\s*$|\}\s*;?\s*$|'
    rf'(?:graph|node|edge)\s*\[.*\]\s*;?\s*$|{_NAME}\s*(?:\[.*\])?\s*;?\s*$|'
    r'[A-Za-z_]+\s*=\s*.*;?\s*$)')


def write(machine: Mealy) -> str:
    """The learners' DOT form; byte-identical for equal machines."""
    lines = ["digraph g {", ""]
    lines += [f'\ts{s} [shape="circle" label="s{s}"];' for s in range(machine.states)]
    for s, row in enumerate(machine.delta):
        for a in machine.inputs:
            t, out = row[a]
            lines.append(f'\ts{s} -> s{t} [label="{a} / {out}"];')
    lines += ["", f'{START} [label="" shape="none" width="0" height="0"];',
              f"{START} -> s0;", "}", ""]
    return "\n".join(lines)


@dataclass
class Learned:
    """A machine read from DOT: transitions by state name, and the initial state."""

    initial: str
    delta: dict[str, dict[str, tuple[str, str]]]


def _unquote(groups: tuple[str | None, str | None]) -> str:
    quoted, bare = groups
    return bare if bare is not None else (quoted or "").replace('\\"', '"')


def read(path: str, data: bytes) -> Learned:
    """Parse a learned machine (read, bounded, by ``inputs.read_input``); ``InputError``
    (file, line) when it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", file=path, line=line) from None
    # /* block comments */ blanked, their line breaks kept (errors name the right line)
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    delta: dict[str, dict[str, tuple[str, str]]] = {}
    initial: str | None = None
    first: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        content = re.sub(r"^\s*(//|#).*$", "", raw)
        edge = _EDGE.match(content)
        if edge is None:
            if _IGNORED.match(content):
                continue
            raise InputError(f"not a DOT edge, node or graph line: {raw.strip()[:60]!r}",
                             file=path, line=number)
        source = _unquote((edge.group(1), edge.group(2)))
        target = _unquote((edge.group(3), edge.group(4)))
        if source == START:
            initial = target
            continue
        label = _LABEL.search(edge.group(5) or "")
        if label is None:
            raise InputError(f"edge {source} -> {target} has no label 'input / output'",
                             file=path, line=number)
        text_label = _unquote((label.group(1), label.group(2)))
        if "/" not in text_label:
            raise InputError(f"label {text_label!r} is not 'input / output'", file=path,
                             line=number)
        given, _, out = text_label.partition("/")
        given, out = given.strip(), out.strip()
        if not given or not out:
            raise InputError(f"label {text_label!r} is not 'input / output'", file=path,
                             line=number)
        row = delta.setdefault(source, {})
        delta.setdefault(target, {})
        if given in row and row[given] != (target, out):
            raise InputError(f"state {source} has two transitions on {given}: not a "
                             "deterministic Mealy machine", file=path, line=number)
        row[given] = (target, out)
        first = first or source
    if not delta:
        raise InputError("no transitions: not a learned machine", file=path)
    if initial is None:
        initial = "s0" if "s0" in delta else first
    if initial not in delta:
        raise InputError(f"initial state {initial} has no transitions", file=path)
    assert initial is not None
    return Learned(initial, delta)
