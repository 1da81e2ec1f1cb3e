"""``--keys FILE`` (docs/README.md): a CSV of subscriber credentials for import, replay and
simulate --record; keys stay out of shareable files unless embedded on purpose."""

from __future__ import annotations

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.errors import InputError
from ue_stack.keyfile import load_keys

K = "465b5ce8b199b49faa5f0a2ee238a6bc"
OPC = "e8ed289deba952e4283b54e88e6183ca"
OP_OF_NOTHING = "00" * 16

SCENARIO = """name = "keys-from-file"
description = "registration and one AF session, the credentials in a keys file"
[ue]
supi = "001010000000077"
[[step]]
t = 0
kind = "ue"
op = "power_on"
[[step]]
t = 0
kind = "ue"
op = "register"
[[step]]
t = 5
kind = "app"
op = "kaf_request"
app = "mail"
af_fqdn = "mail.example.org"
ua_id = "0100000007"
"""


def test_rows_give_k_and_opc_per_supi_and_op_is_turned_into_opc(tmp_path):
    path = tmp_path / "keys.csv"
    path.write_text(f"supi,k,opc\n001010000000077,{K},{OPC}\nimsi-001010000000078,{K},{OPC}\n")
    assert load_keys(path) == {"001010000000077": (bytes.fromhex(K), bytes.fromhex(OPC)),
                               "001010000000078": (bytes.fromhex(K), bytes.fromhex(OPC))}
    path.write_text(f"supi,k,op\n001010000000077,{K},{OP_OF_NOTHING}\n")
    ((k, opc),) = load_keys(path).values()
    assert k == bytes.fromhex(K) and opc != bytes(16)


def test_a_keys_file_saved_by_a_spreadsheet_reads_like_a_plain_one(tmp_path):
    """docs/README.md --keys: a CSV exported as "CSV UTF-8" by a spreadsheet starts with a
    byte order mark and ends its lines with CRLF; it names the same credentials."""
    path = tmp_path / "keys.csv"
    path.write_bytes(f"\ufeffsupi,k,opc\r\n001010000000077,{K},{OPC}\r\n".encode())
    assert load_keys(path) == {"001010000000077": (bytes.fromhex(K), bytes.fromhex(OPC))}


@pytest.mark.parametrize("text, line, field", [
    ("supi,key,opc\n", 1, None),
    (f"supi,k,opc\n001010000000077,{K[:-1]}x,{OPC}\n", 2, "k"),
    (f"supi,k,opc\nabc,{K},{OPC}\n", 2, "supi"),
    (f"supi,k,opc\n001010000000077,{K}\n", 2, None),
])
def test_a_bad_row_names_file_line_and_column_never_the_key(tmp_path, text, line, field):
    path = tmp_path / "keys.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_keys(path)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), line, field)
    assert K not in str(err.value) and K[:-1] not in str(err.value)


def test_simulate_record_with_keys_writes_no_keys_and_replays_with_them(tmp_path, capsys):
    """A scenario's [ue] without k/opc takes them from --keys; the recorded trace names
    the SUPI only, and replay with the same --keys recomputes every RES* (nothing is left
    under not_checked)."""
    scenario, keys = tmp_path / "s.toml", tmp_path / "keys.csv"
    scenario.write_text(SCENARIO)
    keys.write_text(f"supi,k,opc\n001010000000077,{K},{OPC}\n")
    trace, report = tmp_path / "rec.jsonl", tmp_path / "r.json"
    assert main(["simulate", str(scenario), "--keys", str(keys), "--record", str(trace)]) == 0
    header = orjson.loads(trace.read_bytes().splitlines()[0])
    assert "k" not in header["ue"] and K not in trace.read_text()
    assert main(["replay", str(trace), "--keys", str(keys), "--check-expect",
                 "--report", str(report)]) == 0
    assert orjson.loads(report.read_bytes())["not_checked"] == []
    capsys.readouterr()
    assert main(["simulate", str(scenario)]) == 2
    assert "ue.k" in capsys.readouterr().err
