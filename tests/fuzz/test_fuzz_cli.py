"""Fuzzing the real entry point (issue 11): mutated traces, exchange logs, scenario files,
captures and command-line numbers go through ``ue_stack.cli.main`` in-process, and every
run must keep the contract of docs/README.md (errors are for people):

- the exit status is 0, 1 or 2 — no exception leaves ``main`` (that is a traceback);
- exit 2 (one unusable input) prints nothing on stdout and exactly one line on stderr;
- no secret-named value of the input is echoed on stderr;
- it ends within ``LIMIT`` seconds (a watchdog interrupts a hang and fails the example).

``make test`` runs a few hundred inputs in a few seconds (``EXAMPLES`` per target);
``make fuzz`` sets ``UE_STACK_FUZZ_EXAMPLES`` for a long run and prints how many inputs
went through ``main`` and for how long.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
from capture import pcapgen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRACES = [ROOT / "traces" / name for name in (
    "happy-path.jsonl", "w2-smc-lost.jsonl", "usim-removal.jsonl",
    "capture-gnbsim-free5gc-ngap-208930123456789.jsonl")]
SCENARIOS = [ROOT / "ue_stack" / "scenarios" / f"{name}.toml" for name in (
    "happy-path", "w1-defer-off", "usim-removal", "mac-failure-recovery")]
NGAP_JSON = ROOT / "tests" / "data" / "captures" / "gnbsim-free5gc-ngap.json"
GNBSIM_K = "8baf473f2f8fd09487cccbd7097c6862"
GNBSIM_OPC = "8e27b6af0e692e750f32667a3b14605d"
SECRET_NAMES = ("k", "opc", "op", "k_ausf", "k_akma", "k_af", "kausf")
LIMIT = float(os.environ.get("UE_STACK_FUZZ_LIMIT", "20"))
EXAMPLES = int(os.environ.get("UE_STACK_FUZZ_EXAMPLES", "50"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the watchdog in run_cli bounds time; wall time is noisy here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)

TALLY = {"inputs": 0, "seconds": 0.0, "exit": [0, 0, 0]}


class Hang(Exception):
    """The watchdog fired: a run took longer than LIMIT seconds."""


def _alarm(_signum, _frame):
    raise Hang(f"no result after {LIMIT} s")


def run_cli(argv: list[str], secrets: list[str] = ()) -> tuple[int, str, str]:
    """``main(argv)`` in-process with the contract asserted; returns (status, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        TALLY["inputs"] += 1
        TALLY["seconds"] += time.perf_counter() - start
    stdout, stderr = out.getvalue(), err.getvalue()
    assert status in (0, 1, 2), (status, stderr)
    TALLY["exit"][status] += 1
    assert "Traceback" not in stderr, stderr
    if status == 2:
        assert stdout == "", stdout[:500]
        assert len(stderr.splitlines()) == 1, stderr[:2000]
    for secret in secrets:
        assert secret[:12].lower() not in stderr.lower(), stderr
    return status, stdout, stderr


# -- values a mutation puts into a field ------------------------------------------------
def _deep(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


ODD_NUMBERS = [0, -1, 1e7, 1e7 + 1, 1e9, 1e300, -1e300, 2**63, 2**64, 7, 8, 255, 65536,
               0.5, -0.0, 5e-324]
ODD_STRINGS = ["", "0", "00", "zz", "0x00", "ff" * 16, "0123456789abcdef0123456789abcde",
               "power_on", "register", "advance", "dl", "ul", "ue", "app", "net", "header",
               "x-note", "registration_request", "authentication_request",
               "security_mode_command", "ciphered", "kaf_request", "\u0000", "\ud7ff\ue000",
               "a" * 300, "on", "pass", "fail", "5G:mnc001.mcc001.3gppnetwork.org"]
JSON_VALUES = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_NUMBERS), st.sampled_from(ODD_STRINGS), st.text(max_size=12),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.sampled_from(["mcc", "mnc", "supi", "k", "x"]),
                    st.sampled_from(["001", "01", "x", 1]), max_size=3),
    st.sampled_from([_deep(70), _deep(900)]),
)
FIELD_NAMES = ["t", "kind", "op", "msg", "pdu", "ue", "k", "opc", "op", "seq", "event",
               "corr", "name", "src", "dst", "from", "to", "layer", "ngksi", "rand", "autn",
               "abba", "nea", "nia", "cause", "auts", "res_star", "skip", "frame", "note",
               "expect", "app", "af_fqdn", "ua_id", "registration_type", "switch_off",
               "guti", "eap", "a_kid", "action", "dir", "supi", "serving_plmn", "snn",
               "format", "version", "options", "x-extra"]
RAW_TOKENS = [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"\xff\xfe", b"\x00", b"{",
              b"]", b'"', b"\\", b"//", b"\n", b"\xc3", b'"\\ud800"', b"[" * 2000]


REORDER = ("drop", "dup", "swap")


def reorder(draw, items: list, op: str, i: int) -> None:
    """Drop, duplicate or swap (with another) the item at ``i``."""
    if op == "drop":
        del items[i]
    elif op == "dup":
        items.insert(i, copy.copy(items[i]))
    else:
        j = draw(st.integers(0, len(items) - 1))
        items[i], items[j] = items[j], items[i]


@st.composite
def json_lines_mutation(draw, lines: list[dict]) -> bytes:
    """Mutate parsed JSON Lines (fields, whole lines), then maybe the bytes."""
    lines = [dict(line) for line in lines]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["set", "set", "del", "drop", "dup", "swap", "nested"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            break
        if op == "set":
            key = draw(st.sampled_from(sorted(lines[i]) + FIELD_NAMES))
            lines[i][key] = draw(JSON_VALUES)
        elif op == "del" and lines[i]:
            del lines[i][draw(st.sampled_from(sorted(lines[i])))]
        elif op in REORDER:
            reorder(draw, lines, op, i)
        elif op == "nested":
            inner = [k for k, v in lines[i].items() if isinstance(v, dict)]
            if inner:
                key = draw(st.sampled_from(inner))
                sub = dict(lines[i][key])
                sub[draw(st.sampled_from(sorted(sub) + FIELD_NAMES))] = draw(JSON_VALUES)
                lines[i][key] = sub
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    return draw(byte_mutation(data))


@st.composite
def byte_mutation(draw, data: bytes, rate: float = 0.3) -> bytes:
    """Usually nothing; sometimes a token inserted, a byte flipped, or a truncation."""
    if not data or draw(st.floats(0, 1)) > rate:
        return data
    at = draw(st.integers(0, len(data)))
    op = draw(st.sampled_from(["insert", "flip", "truncate", "replace"]))
    if op == "insert":
        return data[:at] + draw(st.sampled_from(RAW_TOKENS)) + data[at:]
    if op == "flip" and at < len(data):
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if op == "truncate":
        return data[:at]
    token = draw(st.sampled_from(RAW_TOKENS))
    return data[:at] + token + data[at + len(token):]


def _read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("//")]


def _secrets_of(lines: list[dict]) -> list[str]:
    """Hex-looking values under secret names in the header's ``ue`` — unless the same
    value also stands under another name (then echoing it there is no leak)."""
    ue = lines[0].get("ue") if lines else None
    if not isinstance(ue, dict):
        return []
    found = {v for n, v in ue.items() if n in SECRET_NAMES and _hexlike(v)}
    elsewhere = {v for line in lines for obj in (line, *[v for v in line.values()
                                                          if isinstance(v, dict)])
                 for n, v in obj.items() if n not in SECRET_NAMES and isinstance(v, str)}
    return sorted(found - elsewhere)


def _hexlike(value: object) -> bool:
    """Long enough to be recognised, and hex: what a (malformed) key looks like."""
    return (isinstance(value, str) and len(value) >= 12
            and all(c in "0123456789abcdefABCDEF" for c in value))


SEED_TRACES = {p.name: _read_lines(p) for p in TRACES}


@pytest.fixture(scope="module")
def seed_log() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "x.xlog.jsonl"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["replay", str(TRACES[1]), "--log", str(log)]) in (0, 1)
        return [json.loads(line) for line in log.read_text().splitlines()][:40]


@pytest.fixture(scope="module", autouse=True)
def tally():
    """Print the figure `make fuzz` quotes: inputs, seconds in main, findings (0 unless
    a test failed, which pytest reports)."""
    yield
    print(f"\nfuzz: {TALLY['inputs']} inputs through ue_stack.cli.main in "
          f"{TALLY['seconds']:.1f} s; exit 0/1/2: {'/'.join(map(str, TALLY['exit']))}")


# -- the targets --------------------------------------------------------------------------
@fuzz
@given(data=st.data(), name=st.sampled_from(sorted(SEED_TRACES)))
def test_replay_survives_mutated_traces(data, name):
    lines = SEED_TRACES[name]
    mutated = data.draw(json_lines_mutation(lines))
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "mutated.jsonl"
        trace.write_bytes(mutated)
        run_cli(["replay", str(trace), "--log", f"{tmp}/x.xlog.jsonl", "--diagram",
                 f"{tmp}/x.mmd", "--report", f"{tmp}/r.json"],
                _secrets_of(lines) + _secrets_of(_loads_all(mutated)))


def _loads_all(data: bytes) -> list[dict]:
    out = []
    for raw in data.splitlines():
        with contextlib.suppress(ValueError, RecursionError):
            obj = json.loads(raw)
            if isinstance(obj, dict):
                out.append(obj)
    return out


@fuzz
@given(data=st.data())
def test_check_survives_mutated_logs(data, seed_log):
    mutated = data.draw(json_lines_mutation(seed_log))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "mutated.xlog.jsonl"
        log.write_bytes(mutated)
        run_cli(["check", str(log), "--diagram", f"{tmp}/x.mmd", "--report", f"{tmp}/r.json"])


SEED_SCENARIOS = {p.name: p.read_text() for p in SCENARIOS}
TOML_VALUES = ["nan", "inf", "-inf", "+inf", "1e400", "1e9", "1e7", "-1", "0", "1", "true",
               '""', '"zz"', "{ a = 1 }", "[1, 2]", "[]", '"power_on"', '"net"',
               '"0123456789abcdef0123456789abcde"', '"' + "f" * 32 + '"', "2026-01-01",
               "[" * 300 + "]" * 300, "[" * 5000 + "]" * 5000, "99999999999999999999",
               '"\\u0000"', "'''\nx'''"]
TOML_KEYS = ["t", "kind", "op", "k", "opc", "op", "supi", "sqn_ms", "count", "seconds", "msg",
             "seed", "kaf_lifetime", "bad_mac_avs", "verdict", "violations", "ue", "x"]


@st.composite
def toml_mutation(draw, text: str) -> bytes:
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value", "value", "drop", "dup", "insert", "swap"]))
        if op == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            value = draw(st.one_of(st.sampled_from(TOML_VALUES),
                                   st.floats().map(repr), st.integers().map(str)))
            lines[i] = f"{key}= {value}"
        elif op in REORDER:
            reorder(draw, lines, op, i)
        elif op == "insert":
            key = draw(st.sampled_from(TOML_KEYS))
            lines.insert(i, f"{key} = {draw(st.sampled_from(TOML_VALUES))}")
        if not lines:
            break
    return draw(byte_mutation("\n".join(lines).encode() + b"\n"))


def _toml_secrets(text: str) -> list[str]:
    """Values of secret-named keys (``k = "..."``) that look like keys, unless the same
    value also stands under another key (``op`` is a key only under a UE's table)."""
    found, elsewhere = set(), set()
    table = ""
    for line in text.splitlines():
        if line.strip().startswith("["):
            table = line.strip()
        key, sep, value = line.partition("=")
        value = value.split("#", 1)[0].strip().strip("\"'")
        # `op` is the operator key only in a UE's table; in a [[step]] it names the operation
        operator_key = key.strip() != "op" or "ue" in table.strip("[]").split(".")
        if sep and key.strip() in SECRET_NAMES and operator_key and _hexlike(value):
            found.add(value)
        elif sep:
            elsewhere.add(value)
    return sorted(found - elsewhere)


@fuzz
@given(data=st.data(), name=st.sampled_from(sorted(SEED_SCENARIOS)))
def test_simulate_survives_mutated_scenarios(data, name):
    mutated = data.draw(toml_mutation(SEED_SCENARIOS[name]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated.toml"
        path.write_bytes(mutated)
        secrets = _toml_secrets(mutated.decode("utf-8", "replace"))
        run_cli(["simulate", str(path), "--record", f"{tmp}/rec.jsonl",
                 "--log", f"{tmp}/x.xlog.jsonl", "--report", f"{tmp}/r.json"], secrets)


SEED_NGAP = json.loads(NGAP_JSON.read_text())


def _pcap_of(messages: list[dict]) -> bytes:
    frames = []
    for tsn, m in enumerate(messages):
        chunk = pcapgen.data_chunk(bytes.fromhex(m["ngap_hex"]), tsn)
        frames.append(pcapgen.ethernet(pcapgen.sctp_ip([chunk], uplink=m["direction"] == "UL")))
    return pcapgen.pcap(frames)


SEED_PCAP = _pcap_of(SEED_NGAP["messages"])


@st.composite
def ngap_mutation(draw) -> dict:
    """The NGAP-JSON capture with its messages dropped, repeated, reordered, or their
    PDUs' hex digits changed or cut."""
    messages = [dict(m) for m in SEED_NGAP["messages"]]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(messages) - 1))
        op = draw(st.sampled_from(["hex", "hex", "cut", "drop", "dup", "swap", "field"]))
        pdu = messages[i].get("ngap_hex")
        if op in ("hex", "cut") and not (isinstance(pdu, str) and pdu):
            continue
        if op == "hex":
            at = draw(st.integers(0, len(pdu) - 1))
            messages[i]["ngap_hex"] = pdu[:at] + draw(st.sampled_from("0123456789abcdef")) \
                + pdu[at + 1:]
        elif op == "cut":
            cut = draw(st.integers(0, len(pdu) // 2)) * 2
            messages[i]["ngap_hex"] = pdu[:cut]
        elif op in REORDER and len(messages) > 1:
            reorder(draw, messages, op, i)
        elif op == "field":
            messages[i][draw(st.sampled_from(["frame", "ngap_hex", "direction"]))] = \
                draw(JSON_VALUES)
    return {**SEED_NGAP, "messages": messages}


@fuzz
@given(doc=ngap_mutation(), as_pcap=st.booleans(), keys=st.booleans(), data=st.data())
def test_import_survives_mutated_captures(doc, as_pcap, keys, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("mutated.pcap" if as_pcap else "mutated.json")
        if as_pcap:
            try:
                raw = _pcap_of(doc["messages"])
            except (ValueError, TypeError, KeyError, AttributeError):
                raw = SEED_PCAP
        else:
            raw = json.dumps(doc).encode()
        path.write_bytes(data.draw(byte_mutation(raw, rate=0.5)))
        argv = ["import", str(path), "-o", f"{tmp}/out", "--report", f"{tmp}/r.json"]
        if keys:
            argv += ["--k", GNBSIM_K, "--opc", GNBSIM_OPC]
        status, _out, _err = run_cli(argv, [GNBSIM_K, GNBSIM_OPC])
        if status in (0, 1):  # what import wrote replays under the contract too
            run_cli(["replay", f"{tmp}/out"])


NUMBER_TEXT = st.one_of(st.sampled_from(["nan", "inf", "-1", "0", "1e9", "", " ", "0x10",
                                         "99999999999999999999999", "1_0", "٣"]),
                        st.integers(-10, 10**6).map(str))


@fuzz
@given(ues=NUMBER_TEXT, seed=NUMBER_TEXT, jobs=NUMBER_TEXT)
def test_command_line_numbers(ues, seed, jobs):
    with tempfile.TemporaryDirectory() as tmp:
        if ues.strip().isdigit() and int(ues) > 3:
            ues = "3"  # a valid large batch is work, not a robustness case
        run_cli(["simulate", "happy-path", "--ues", ues, "--seed", seed,
                 "--report", f"{tmp}/r.json"])
        run_cli(["replay", str(TRACES[0]), "--jobs", jobs])
