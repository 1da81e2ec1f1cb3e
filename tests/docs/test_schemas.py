"""Everything the project writes validates against the JSON Schemas it publishes in
docs/schema/ (draft 2020-12): traces, exchange logs, reports and import reports, as
replay, simulate (with --record) and import write them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ue_stack.cli import main
from ue_stack.crypto.secret import SECRET_NAMES
from ue_stack.scenarios import builtin_scenarios

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schema"
CAPTURES = ROOT / "tests" / "data" / "captures"
CAPTURE_FILES = ("oai-registration-nia2.pcap", "open5gs-roaming-hr-nia2.pcapng",
                 "gnbsim-free5gc-ngap.json")


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


TRACE, XLOG, REPORT, IMPORT_REPORT = (validator(n) for n in
                                      ("trace", "xlog", "report", "import-report"))


def problems(v: Draft202012Validator, doc: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(doc)]


def assert_jsonl_valid(v: Draft202012Validator, path: Path, *, trace: bool = False) -> int:
    """Every line is one JSON object that the schema accepts (the first is the header of a
    trace); returns the number of lines."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines, f"{path} is empty"
    for n, line in enumerate(lines, 1):
        doc = json.loads(line)  # strict JSON Lines: no comment lines in what we write
        assert not problems(v, doc), f"{path}:{n}: {problems(v, doc)}"
        if trace:
            assert (doc["kind"] == "header") == (n == 1), f"{path}:{n}: header only first"
    return len(lines)


def assert_valid(v: Draft202012Validator, path: Path) -> dict:
    doc = json.loads(path.read_text())
    assert not problems(v, doc), f"{path}: {problems(v, doc)}"
    return doc


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> Path:
    """The whole trace library replayed, with one exchange log per trace and one report."""
    out = tmp_path_factory.mktemp("replay")
    (out / "logs").mkdir()
    main(["replay", str(ROOT / "traces"), "--log", str(out / "logs"),
          "--report", str(out / "report.json")])
    return out


def test_replay_logs_of_the_whole_library_validate(replayed):
    """docs/exchange-log.md: ue-stack/xlog v1; the library covers every event the checker reads."""
    logs = sorted((replayed / "logs").glob("*.jsonl"))
    assert len(logs) == len(list((ROOT / "traces").glob("*.jsonl")))
    events = set()
    for log in logs:
        assert_jsonl_valid(XLOG, log)
        events |= {json.loads(line)["event"] for line in log.read_text().splitlines()}
    assert {"primitive", "n1", "state", "usim", "kausf", "kaf_derived", "aanf",
            "af_session"} <= events


def test_replay_report_validates_and_lists_every_invariant(replayed):
    report = assert_valid(REPORT, replayed / "report.json")
    assert report["violations"], "the library has traces meant to fail"


@pytest.mark.parametrize("scenario", [s.name for s in builtin_scenarios()])
def test_simulate_log_report_and_recorded_trace_validate(scenario, tmp_path):
    main(["simulate", scenario, "--log", str(tmp_path / "log.jsonl"),
          "--report", str(tmp_path / "report.json"), "--record", str(tmp_path / "rec.jsonl")])
    assert_jsonl_valid(XLOG, tmp_path / "log.jsonl")
    assert_valid(REPORT, tmp_path / "report.json")
    assert_jsonl_valid(TRACE, tmp_path / "rec.jsonl", trace=True)


def test_check_report_validates(replayed, tmp_path):
    main(["check", str(replayed / "logs"), "--report", str(tmp_path / "report.json")])
    assert_valid(REPORT, tmp_path / "report.json")


def _keys() -> dict[str, tuple[str, str]]:
    with (CAPTURES / "keys.csv").open() as f:
        return {row["supi"]: (row["k"], row["opc"]) for row in csv.DictReader(f)}


@pytest.mark.parametrize("capture", CAPTURE_FILES)
@pytest.mark.parametrize("with_keys", [True, False], ids=["keys", "no-keys"])
def test_import_traces_and_report_validate(capture, with_keys, tmp_path):
    args = ["import", str(CAPTURES / capture), "-o", str(tmp_path / "out"),
            "--report", str(tmp_path / "import.json"), "--expect"]
    if with_keys:
        supi = {"oai": "208950000000031", "open5gs": "999700000021309",
                "gnbsim": "208930123456789"}[capture.split("-")[0]]
        k, opc = _keys()[supi]
        args += ["--k", k, "--opc", opc]
    assert main(args) == 0
    report = assert_valid(IMPORT_REPORT, tmp_path / "import.json")
    assert report["traces"]
    for trace in report["traces"]:
        assert_jsonl_valid(TRACE, Path(trace), trace=True)


@pytest.mark.parametrize("path", sorted((ROOT / "traces").glob("*.jsonl")),
                         ids=lambda p: p.stem)
def test_trace_library_is_strict_json_lines_that_validate(path):
    """The committed traces (hand-written, recorded, imported): every line parses as JSON
    (annotations are x-note records, not // lines) and follows the trace schema."""
    assert_jsonl_valid(TRACE, path, trace=True)


# -- the schemas reject what the formats forbid (each test here can fail) ------------------


@pytest.mark.parametrize("name", sorted(SECRET_NAMES))
def test_xlog_schema_rejects_a_secret_named_field(name):
    """docs/exchange-log.md: secret names are reserved in logs even for harmless values."""
    assert problems(XLOG, {"seq": 1, "t": 0, "event": "note", name: "00"})


def test_xlog_schema_names_every_reserved_secret():
    schema = json.loads((SCHEMAS / "xlog.schema.json").read_text())
    names = {next(iter(a["required"])) for a in schema["$defs"]["has_secret_name"]["anyOf"]}
    assert names == set(SECRET_NAMES)


@pytest.mark.parametrize(("doc", "why"), [
    ({"t": 0, "kind": "dl"}, "a dl record needs msg or pdu"),
    ({"t": 0, "kind": "kaf"}, "unknown kind"),
    ({"t": "0", "kind": "ue", "op": "power_on"}, "t is a number"),
    ({"t": 0, "kind": "ue", "op": "reboot"}, "unknown ue op"),
    ({"t": 0, "kind": "app", "op": "kaf_request", "app": "mail", "af_fqdn": "af"},
     "kaf_request needs ua_id"),
    ({"kind": "header", "format": "ue-stack/trace", "version": 1,
      "ue": {"supi": "001010000000001"}}, "a header needs serving_plmn or snn"),
    ({"t": 0, "kind": "dl", "msg": "authentication_request", "rand": "00"}, "rand is 16 octets"),
])
def test_trace_schema_rejects(doc, why):
    assert problems(TRACE, doc), why


def test_trace_schema_accepts_extensions():
    """x- kinds and extra fields are compatible extensions."""
    assert not problems(TRACE, {"t": 1, "kind": "x-note", "text": "why"})
    assert not problems(TRACE, {"t": 1, "kind": "x-vendor", "anything": [1]})
    assert not problems(TRACE, {"t": 1, "kind": "ue", "op": "power_on", "note": "n", "y": 2})


def test_report_schema_rejects_a_pass_with_violations():
    doc = json.loads(json.dumps({
        "format": "ue-stack/report", "version": 1, "inputs": [], "verdict": "pass",
        "invariants": {i: {"checked": 0, "violations": 0} for i in (
            "AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4", "APP-1", "XL-1", "NAS-1", "NAS-2",
            "NAS-3", "SEC-1")},
        "violations": [], "not_checked": [],
        "stats": {"records": 0, "exchanges": 0, "kaf_derivations": 0, "kausf_updates": 0,
                  "ul_skipped": 0}}))
    assert not problems(REPORT, doc)
    doc["violations"] = [{"invariant": "AKMA-4", "message": "x"}]
    assert problems(REPORT, doc)
    del doc["invariants"]["SEC-1"]
    assert len(problems(REPORT, doc)) == 2


def test_import_report_schema_ties_ok_to_the_errors():
    """docs/report.md: ok is true exactly when no problem has severity error."""
    doc = {"format": "ue-stack/import-report", "version": 1, "capture": "x.pcap",
           "capture_format": "pcap", **dict.fromkeys(
               ("ues", "nas_pdus", "decoded", "auth_requests", "auth_responses",
                "auth_failures", "nia_verified", "nia_failed", "nia_unsupported",
                "deciphered", "undecipherable"), 0),
           "traces": [], "problems": [{"frame": 3, "problem": "gap", "severity": "note"}],
           "ok": True}
    assert not problems(IMPORT_REPORT, doc)
    doc["problems"][0]["severity"] = "error"
    assert problems(IMPORT_REPORT, doc)
    doc["ok"] = False
    assert not problems(IMPORT_REPORT, doc)
