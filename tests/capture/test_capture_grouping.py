"""Messages grouped per UE: NGAP UE IDs, then SUPI from a null-scheme SUCI (issue 7).

Built from the gnbsim/free5GC recording by renumbering its NGAP UE IDs: the same UE
recorded twice (a test core restarting its simulated UE) and two UEs interleaved.
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson

from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.capture.ngap import _ngap_pdu

K = bytes.fromhex("8baf473f2f8fd09487cccbd7097c6862")
OPC = bytes.fromhex("8e27b6af0e692e750f32667a3b14605d")
SUCI = "0102f839214300001032547698"  # null scheme, MSIN 0123456789


def _renumber(ngap_hex: str, ran: int, amf: int, nas: tuple[str, str] | None = None) -> str:
    pdu = _ngap_pdu()
    pdu.from_aper(bytes.fromhex(ngap_hex))
    value = copy.deepcopy(pdu.get_val())
    for ie in value[1]["value"][1]["protocolIEs"]:
        if ie["id"] == 85:
            ie["value"] = ("RAN-UE-NGAP-ID", ran)
        elif ie["id"] == 10:
            ie["value"] = ("AMF-UE-NGAP-ID", amf)
        elif ie["id"] == 38 and nas is not None:
            old, new = nas
            ie["value"] = ("NAS-PDU", bytes.fromhex(ie["value"][1].hex().replace(old, new)))
    pdu.set_val(value)
    return pdu.to_aper().hex()


def _copy(msgs: list[dict], ran: int, amf: int, frame0: int, nas=None) -> list[dict]:
    return [
        {"frame": frame0 + m["frame"], "ngap_hex": _renumber(m["ngap_hex"], ran, amf, nas)}
        for m in msgs
    ]


def _write(tmp_path: Path, name: str, messages: list[dict]) -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps({"messages": messages}))
    return path


def test_same_ue_recorded_twice_is_one_trace_with_a_restarted_usim(captures, tmp_path):
    """The second run replays the same SQN: the capture restarted the UE, so the trace
    says `usim_inserted` with the state that makes that SQN fresh, instead of claiming a
    USIM that would reject it."""
    msgs = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())["messages"]
    path = _write(tmp_path, "twice.json", _copy(msgs, 1, 1, 0) + _copy(msgs, 2, 2, 100))
    result = Importer(ImportOptions(k=K, opc=OPC)).run(path)
    assert result.counts["ues"] == 1 and result.counts["nia_failed"] == 0
    (trace,) = result.traces
    assert trace.header["ue"]["sqn_ms"] == "16f3b3f70fc1"
    recs = list(trace.records)
    ops = [r["op"] for r in recs if r["kind"] == "ue"]
    assert ops == ["power_on", "register", "power_off", "usim_inserted", "power_on", "register"]
    inserted = next(r for r in recs if r.get("op") == "usim_inserted")
    assert inserted["ue"]["sqn_ms"] == "16f3b3f70fc1"
    assert inserted["ue"]["supi"] == "208930123456789"


def test_two_ues_interleaved_get_one_trace_each(captures, tmp_path):
    msgs = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())["messages"]
    other = (SUCI, SUCI[:-2] + "99")  # MSIN ...8999 -> another SUPI
    a, b = _copy(msgs, 1, 1, 0), _copy(msgs, 2, 2, 100, other)
    mixed = [m for pair in zip(a, b, strict=True) for m in pair]
    path = _write(tmp_path, "two.json", mixed)
    result = Importer(ImportOptions()).run(path)
    assert sorted(t.supi for t in result.traces) == ["208930123456789", "208930123456799"]
    for trace in result.traces:
        kinds = [r["kind"] for r in trace.records]
        assert kinds.count("dl") + kinds.count("ul") == 7
