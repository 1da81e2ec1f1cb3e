"""``ue-stack fsm``: the UE model as a complete, minimal Mealy machine over a learner's
alphabet (``--dot FILE``), and a learned device machine compared with it (``--diff
DEVICE.dot -o DIR``), docs/fsm.md. Exit status: 0 no deviation, 1 some,
2 unusable input or usage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError
from ..outputs import open_output, output_folder, write_output

ALPHABETS = ("5gbasechecker",)
DEVIATIONS = "deviations.json"
DESCRIPTION = """\
The UE model as a complete, minimal Mealy machine over a state-machine learner's NAS
alphabet, computed by driving the model (--dot), and a learned device machine compared
with it: one deviation per shortest differing input sequence, with the clause the model
follows and a replayable trace (--diff). Exit status: 0 no deviation, 1 some, 2 unusable
input or usage. See docs/fsm.md."""


def register(sub: Any) -> None:
    p = sub.add_parser("fsm", description=DESCRIPTION)
    p.add_argument("--alphabet", choices=ALPHABETS, required=True,
                   help="the learner's abstract alphabet (its NAS inputs and outputs)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--dot", metavar="FILE",
                      help="write the model's machine as DOT to FILE ('-': stdout)")
    what.add_argument("--diff", dest="device", metavar="DEVICE.dot",
                      help="compare a learned machine (DOT) with the model's")
    p.add_argument("-o", dest="outdir", metavar="DIR",
                   help="with --diff: write DIR/deviations.json and one trace per deviation")
    p.set_defaults(run=run)


def run(args: Any) -> int:
    from ..fsm import dot
    from ..fsm.machine import model_machine
    from ..inputs import display_name

    if args.device is not None:
        if args.outdir is None:
            raise InputError("--diff needs -o DIR (deviations.json and the traces)",
                             field="-o")
        if args.outdir == "-":
            raise InputError("names a folder (deviations.json and one trace per "
                             "deviation); '-' (stdout) is not one", field="-o")
        device = dot.read(display_name(args.device), _read(args.device))
        return _diff(model_machine(), device, Path(args.outdir))
    if args.outdir is not None:
        raise InputError("-o goes with --diff; --dot names its own file", field="-o")
    text = dot.write(model_machine()).encode()
    if args.dot == "-":
        sys.stdout.buffer.write(text)
    else:
        write_output(args.dot, "--dot", text)
    return 0


def _read(path: str) -> bytes:
    """The learned machine: a regular file or '-' (standard input), bounded."""
    from ..inputs import read_input

    return read_input(path, "learned machine (DOT)", stdin=True)


def _diff(model: Any, device: Any, outdir: Path) -> int:
    from ..fsm.diff import compare
    from ..fsm.machine import Driven, header

    folder = output_folder(outdir, "-o", create=True)
    result = compare(model, device)
    width = len(str(len(result.deviations)))
    for n, dev in enumerate(result.deviations, 1):
        driven = Driven()
        records: list[dict[str, Any]] = [{"t": 0.0, "kind": "ue", "op": "power_on"}]
        for a in dev.inputs:
            _, recs = driven.step(a)
            records += recs
        dev.clause = driven.clause
        dev.trace = f"deviation-{n:0{width}d}.jsonl"
        title = (f"fsm deviation: after {' '.join(dev.inputs[:-1]) or 'nothing'}, "
                 f"{dev.inputs[-1]}: device {dev.device}, model {dev.model} ({dev.clause})")
        lines = [header(title, {"verdict": "pass"}), *records]
        with open_output(folder / dev.trace, "-o") as out:
            out.write(b"".join(orjson.dumps(r) + b"\n" for r in lines))
    write_output(folder / DEVIATIONS, "-o", orjson.dumps(
        [d.as_dict() for d in result.deviations], option=orjson.OPT_INDENT_2) + b"\n")
    for dev in result.deviations:
        print(f"{' '.join(dev.inputs)}: device {dev.device}, model {dev.model} "
              f"({dev.clause}) -> {dev.trace}")
    skipped = sorted(result.not_compared)
    if skipped:
        print(f"not compared where the device's machine lacks them: {', '.join(skipped)}")
    print(f"{len(result.deviations)} deviation(s) over {result.product_states} product "
          f"states; {folder / DEVIATIONS}")
    _device_properties(model, device)
    return 1 if result.deviations else 0


def _device_properties(model: Any, device: Any) -> None:
    """The published NAS properties the device's machine breaks (docs/fsm.md), one line
    each with its shortest input sequence — when that machine is complete over the NAS
    inputs (the model's always is, and breaks none)."""
    from ..fsm.machine import Mealy
    from ..fsm.properties import PROPERTIES, SOURCE, check

    names = list(device.delta)
    if any(a not in device.delta[n] for n in names for a in model.inputs):
        return
    index = {n: i for i, n in enumerate([device.initial, *(n for n in names
                                                           if n != device.initial)])}
    delta: list[dict[str, tuple[int, str]]] = [{} for _ in index]
    for n, i in index.items():
        delta[i] = {a: (index[device.delta[n][a][0]], device.delta[n][a][1])
                    for a in model.inputs}
    first: dict[int, Any] = {}
    for v in check(Mealy(model.inputs, delta)):
        first.setdefault(v.line, v)
    text = {p.line: p.text for p in PROPERTIES}
    for line, v in sorted(first.items()):
        print(f"device breaks {SOURCE} line {line}, {text[line]}: "
              f"{' '.join(v.inputs)} / {v.output}")
