"""``ue-stack import CAPTURE -o OUTDIR``: real captures -> ue-stack/trace v1 files (issue 7).

Reads pcap, pcapng (Ethernet, Linux cooked SLL/SLL2, raw IP) or a JSON list of NGAP PDUs,
writes one trace per UE into OUTDIR, prints a one-line summary per count and, with
``--report``, the same as JSON. Exit status 2 (one line on stderr, never a traceback) for
a file that is not a capture, holds no NGAP, or whose keys the capture contradicts — the
traces and report written by then stay on disk.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ..authkeys import load_key_file
from ..crypto.milenage import compute_opc
from ..errors import InputError, one_line
from ..hnkeys import load_hn_keys
from ..outputs import PARTIAL, open_output, output_error, output_folder, refuse_input
from ..progress import terminal_progress

if TYPE_CHECKING:
    from ..capture.decipher import DecipherPlan
    from ..capture.importer import ImportOptions

_DIGITS = re.compile(r"[0-9]+")


def register(sub: Any) -> None:
    p = sub.add_parser("import")
    p.add_argument("capture", help="pcap, pcapng, or JSON list of NGAP PDUs (hex)")
    p.add_argument("-o", "--outdir", required=True, help="folder for the traces")
    p.add_argument("--k", help="subscriber key K (32 hex)")
    keys = p.add_mutually_exclusive_group()
    keys.add_argument("--opc", help="OPc (32 hex)")
    keys.add_argument("--op", help="OP (32 hex); OPc is computed")
    p.add_argument(
        "--supi",
        help="IMSI digits of the UE the keys belong to (and the SUPI of "
        "a UE whose SUCI is concealed)",
    )
    p.add_argument("--mcc", help="serving PLMN MCC (default: from NGAP's user location TAI)")
    p.add_argument("--mnc", help="serving PLMN MNC")
    p.add_argument("--keys", metavar="FILE",
                   help="credentials CSV (header supi,k,opc or supi,k,op), one row per UE; or "
                   "keys taken in the network per authentication (supi,rand,kausf | "
                   "supi,rand,kseaf | supi,rand,kamf,abba)")
    p.add_argument("--hn-key", metavar="FILE",
                   help="home network private keys CSV (key_id,profile,private): SUCIs of "
                   "profile A/B under a listed key id are de-concealed to their SUPI")
    p.add_argument("--decipher-pcap", metavar="OUT",
                   help="write the capture again as pcapng with every NAS message it "
                   "deciphered in plain (security header type 1, MAC kept) and a comment on "
                   "each rewritten or undecipherable frame, for Wireshark")
    p.add_argument("--embed-keys", action="store_true",
                   help="write K/OPc into the trace headers (default: keys stay out of traces)")
    p.add_argument("--akma-probe", choices=("after-smc", "in-w1", "all"),
                   help="add a kaf_request after each SECURITY MODE COMPLETE (after-smc), "
                   "each AUTHENTICATION RESPONSE (in-w1), or both (all)")
    p.add_argument("--report", metavar="FILE",
                   help="write the import report JSON (docs/report.md); '-' for stdout")
    p.add_argument(
        "--expect",
        action="store_true",
        help="write the header's expect: pass, or NAS-3 where the recorded UE broke a rule "
        "(explained by an x-note record at that place)",
    )
    p.set_defaults(run=run)


def _hex16(name: str, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        out = bytes.fromhex(value)
    except ValueError:
        raise InputError("not hex", field=f"--{name}") from None
    if len(out) != 16:
        raise InputError(f"must be 16 octets (32 hex digits), got {len(out)}", field=f"--{name}")
    return out


def options_from_args(args: Any) -> ImportOptions:
    """Validate the command line into ``ImportOptions`` (InputError names the option)."""
    from ..capture.importer import ImportOptions

    k = _hex16("k", args.k)
    opc = _hex16("opc", args.opc)
    op = _hex16("op", args.op)
    if op is not None and k is not None:
        opc = compute_opc(k, op)
    if (k is None) != (opc is None):
        raise InputError("give --k together with --opc or --op", field="--k")
    if args.keys is not None and k is not None:
        raise InputError("give --keys or --k/--opc, not both", field="--keys")
    keys, auth_keys = load_key_file(args.keys) if args.keys is not None else (None, None)
    if args.supi is not None and not (_DIGITS.fullmatch(args.supi) and 6 <= len(args.supi) <= 15):
        raise InputError("must be 6-15 IMSI digits", field="--supi")
    if (args.mcc is None) != (args.mnc is None):
        raise InputError("give --mcc and --mnc together", field="--mcc")
    if args.mcc is not None:
        if not (_DIGITS.fullmatch(args.mcc) and len(args.mcc) == 3):
            raise InputError("must be 3 digits", field="--mcc")
        if not (_DIGITS.fullmatch(args.mnc) and len(args.mnc) in (2, 3)):
            raise InputError("must be 2 or 3 digits", field="--mnc")
    return ImportOptions(
        k=k, opc=opc, supi=args.supi, mcc=args.mcc, mnc=args.mnc, expect=args.expect,
        keys=keys or None, auth_keys=auth_keys or None, embed_keys=args.embed_keys,
        akma_probe=args.akma_probe,
        hn_keys=load_hn_keys(args.hn_key) if args.hn_key else None,
    )


def run(args: Any) -> int:
    from ..capture.import_report import COUNT_NAMES

    report = import_report(args)
    if args.report == "-":  # the report is all that goes to stdout
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(" ".join(f"{name}={report[name]}" for name in COUNT_NAMES))
        for path in report["traces"]:
            print(f"wrote {path}")
        if args.decipher_pcap:
            print(f"wrote {args.decipher_pcap}")
    for problem in report["problems"]:
        # each line names the capture it is about (the report's own lines do not need to)
        print(one_line(f"ue-stack: import: {report['capture']}: {problem['severity']}: "
                       f"{problem['problem']}"),
              file=sys.stderr)
    return 0 if report["ok"] else 1  # docs/report.md: the traces are written either way


_NO_FRAMES = ("needs a pcap or pcapng capture (a JSON list of NGAP PDUs has no frames to "
              "write again)")


def _decipher_plan(args: Any, capture: Path) -> DecipherPlan | None:
    """``--decipher-pcap OUT``: the plan the importer fills, or None."""
    if not args.decipher_pcap:
        return None
    from ..capture.decipher import DecipherPlan
    from ..capture.pcapio import PCAP_MAGICS, PCAPNG_SHB
    from ..inputs import open_input

    if str(capture) != "-":  # refused before the import when the file says so
        with open_input(capture, "capture", stdin=False) as f:  # never blocks on a FIFO
            magic = f.read(4)
        if magic not in PCAP_MAGICS and magic != PCAPNG_SHB.to_bytes(4, "little"):
            raise InputError(_NO_FRAMES, field="--decipher-pcap")
    return DecipherPlan()


def import_report(args: Any, show_progress: bool = True) -> dict[str, Any]:
    """Import the capture ``args`` names, write its traces (and report), return the import
    report; a capture that cannot be imported raises ``InputError``. Shared by the command
    and ``ue_stack.import_capture``."""
    from ..capture.importer import Importer

    options = options_from_args(args)
    capture = Path(args.capture)
    importer = Importer(options)
    plan = _decipher_plan(args, capture)
    if plan is not None:
        importer.on_nas = plan.nas
    try:
        with terminal_progress(capture.name, " NGAP PDUs", enabled=show_progress) as bar:
            result = importer.run(capture, bar.update if bar.active else None)
    except InputError:
        raise
    except Exception as exc:  # a capture we did not foresee: one line, not a traceback
        raise InputError(
            f"could not import ({type(exc).__name__}: {exc}); please report this capture",
            file=str(capture),
        ) from None
    if plan is not None:
        from ..capture.decipher import write_deciphered

        if importer.capture_data is None:  # standard input held a JSON list of NGAP PDUs
            raise InputError(_NO_FRAMES, field="--decipher-pcap")
        with open_output(args.decipher_pcap, "--decipher-pcap") as out:
            write_deciphered(importer.capture_data, out, plan)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", capture.stem).strip("-") or "capture"
    # Traces are written as NAME.partial and get their names only once the report too
    # is on disk: an import whose report cannot be written leaves no trace that looks
    # complete (the report is opened first, so a bad path stops it before any trace).
    to_file = args.report not in (None, "-")  # "-": the caller prints it
    report_out = open_output(args.report, "--report") if to_file else None
    try:
        outdir = output_folder(args.outdir, "-o", create=True)
        paths = importer.write(result, outdir, stem, PARTIAL)
        report = result.report(paths)
        if report_out is not None:
            report_out.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    finally:
        if report_out is not None:
            report_out.close()
    for path in paths:  # a rename must not put a trace over an input either
        refuse_input(path, "-o")
    for path in paths:
        try:
            Path(f"{path}{PARTIAL}").replace(path)
        except OSError as exc:
            raise output_error(path, "-o", exc) from None
    if result.fatal is not None:
        # exit 2: nothing on stdout, one line on stderr; the problems are in the report
        raise InputError(result.fatal, file=str(capture))
    return report
