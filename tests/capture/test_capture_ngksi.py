"""The NAS security context a captured UE held before the capture (trace header
``ue.ngksi``), and the ``expect`` the importer writes (issue 7; docs/trace-format.md)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.capture.import_records import trace_records
from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.capture.security import AuthEvidence, Protection
from ue_stack.capture.sessions import Event, expectation, plan_sessions
from ue_stack.errors import TraceFormatError
from ue_stack.nas.codec import DecodedPdu
from ue_stack.trace.loader import open_trace

SUPI = "001010000000001"
HEADER = {
    "kind": "header",
    "format": "ue-stack/trace",
    "version": 1,
    "serving_plmn": {"mcc": "001", "mnc": "01"},
}


def _write(tmp_path: Path, ue: dict, *records: dict) -> Path:
    path = tmp_path / "t.jsonl"
    lines = [{**HEADER, "ue": {"supi": SUPI, **ue}}, *records]
    path.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    return path


def _read_all(path: Path):
    with open_trace(path) as trace:
        return trace.header, list(trace)


# -- the loader ----------------------------------------------------------------------------


@pytest.mark.parametrize("ngksi", [0, 1, 6])
def test_loader_reads_the_stored_ngksi_of_the_header(tmp_path, ngksi):
    """docs/trace-format.md (extension): `ue.ngksi` 0..6 names a stored native context."""
    header, _ = _read_all(_write(tmp_path, {"ngksi": ngksi}))
    assert header.ue.ngksi == ngksi


def test_loader_without_ngksi_means_no_stored_context(tmp_path):
    header, _ = _read_all(_write(tmp_path, {}))
    assert header.ue.ngksi is None


@pytest.mark.parametrize(
    ("value", "words"), [(7, "0..6"), (-1, "0..6"), ("1", "integer"), (True, "integer")]
)
def test_loader_rejects_a_bad_stored_ngksi_naming_the_field(tmp_path, value, words):
    """TS 24.501 9.11.3.32: "111" (7) is "no key", never a stored context; the error names
    file, line 1 and the field `ue.ngksi` (docs/README.md, exit 2)."""
    path = _write(tmp_path, {"ngksi": value})
    with pytest.raises(TraceFormatError) as err:
        _read_all(path)
    assert err.value.field == "ue.ngksi" and err.value.line == 1
    assert words in str(err.value)


def test_loader_reads_ngksi_in_a_usim_inserted_ue_object(tmp_path):
    path = _write(
        tmp_path,
        {},
        {"t": 0, "kind": "ue", "op": "usim_inserted", "ue": {"supi": SUPI, "ngksi": 2}},
    )
    _, records = _read_all(path)
    assert records[0].fields["ue"].ngksi == 2


def test_loader_rejects_ngksi_7_in_a_usim_inserted_ue_object(tmp_path):
    path = _write(
        tmp_path,
        {},
        {"t": 0, "kind": "ue", "op": "usim_inserted", "ue": {"supi": SUPI, "ngksi": 7}},
    )
    with pytest.raises(TraceFormatError) as err:
        _read_all(path)
    assert err.value.field == "ue.ngksi" and err.value.line == 2


# -- the importer's plan ---------------------------------------------------------------------


def _reg(t: float, conn: int, ngksi: int) -> Event:
    plain = DecodedPdu(
        "registration_request",
        {"registration_type": "initial", "ngksi": ngksi},
        extra={"registration_type_value": 1},
    )
    return Event(0, t, "ul", b"", "InitialUEMessage", conn, plain, Protection(None),
                 name="registration_request")


def _auth(t: float, conn: int, sqn: int) -> Event:
    ev = Event(0, t, "dl", b"", "DownlinkNASTransport", conn,
               DecodedPdu("authentication_request"), Protection(None),
               name="authentication_request")
    # a RAND of its own per challenge: the same RAND again is a retransmission, answered
    # from the stored RES* (TS 24.501 5.4.1.3.7), not a USIM check
    ev.auth = AuthEvidence(round(t * 1000).to_bytes(16, "big"), bytes(16), 0, b"\x00\x00",
                           sqn=sqn.to_bytes(6, "big"))
    return ev


def _accept(t: float, conn: int) -> Event:
    return Event(0, t, "ul", b"", "UplinkNASTransport", conn,
                 DecodedPdu("authentication_response"), Protection(None),
                 name="authentication_response")


def test_a_session_whose_registration_names_a_key_declares_a_stored_context():
    """TS 24.501 5.5.1.2.2: the ngKSI of REGISTRATION REQUEST is the UE's current native
    context; 7 ("111") means none and is never declared."""
    plan = plan_sessions([_reg(0, 1, 3), _reg(5, 2, 7)], with_sqn=False, notes=[], where="UE")
    assert plan.stored_ngksi == {0: 3}


def test_a_restarted_ue_gets_its_stored_ngksi_in_the_usim_inserted_object():
    """A new USIM state (issue 7) goes with the context its first registration names."""
    events = [_reg(0, 1, 7), _auth(1, 1, 0x120), _accept(2, 1),
              _reg(10, 2, 4), _auth(11, 2, 0x120), _accept(12, 2)]
    plan = plan_sessions(events, with_sqn=True, notes=[], where="UE")
    assert plan.new_usim == {3: 0x11F}
    records = trace_records(events, plan, SUPI, {})
    inserted = next(r for r in records if r.get("op") == "usim_inserted")
    assert inserted["ue"] == {"supi": SUPI, "sqn_ms": "00000000011f", "ngksi": 4}


def test_expect_is_pass_for_a_ue_that_broke_no_rule():
    events = [_reg(0, 1, 7), _auth(1, 1, 0x120), _accept(2, 1)]
    plan = plan_sessions(events, with_sqn=True, notes=[], where="UE")
    assert expectation(plan) == {"verdict": "pass", "violations": []}


def test_expect_names_nas3_where_the_recorded_ue_accepted_a_replayed_sqn():
    """Issue 7: where the recorded UE broke the rules, replay must report it (NAS-3), and
    the trace says why at that place."""
    events = [_reg(0, 1, 7), _auth(1, 1, 0x120), _accept(2, 1), _auth(3, 1, 0x120),
              _accept(4, 1)]
    plan = plan_sessions(events, with_sqn=True, notes=[], where="UE")
    assert expectation(plan) == {"verdict": "fail", "violations": ["NAS-3"]}
    records = trace_records(events, plan, SUPI, {})
    (rec,) = [r for r in records if "breaks a rule" in r.get("note", "")]
    assert "replayed SQN" in rec["note"]
    assert {k: rec[k] for k in ("t", "kind", "msg")} == {
        "t": 4.0, "kind": "ul", "msg": "authentication_response"}


# -- on the real captures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ngksi"),
    [
        ("oai-registration-nia2.pcap", 1),
        ("open5gs-roaming-hr-nia2.pcapng", None),
        ("gnbsim-free5gc-ngap.json", None),
    ],
)
def test_importer_states_the_context_the_recorded_ue_started_with(captures, name, ngksi):
    """The OAI UE's first REGISTRATION REQUEST names ngKSI 1 (a context from before the
    capture); the other two send "111" and get no `ue.ngksi`."""
    result = Importer(ImportOptions()).run(captures / name)
    (trace,) = result.traces
    assert trace.header["ue"].get("ngksi") == ngksi
    assert "expect" not in trace.header  # only with --expect
