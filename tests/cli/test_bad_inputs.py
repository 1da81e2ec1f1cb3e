"""Each class of unusable input found by the first adversarial run (issue 11) is refused
at its reader's boundary with exit status 2 and one stderr line naming file, line and
field — never a traceback, never a hang, never a key echoed (docs/trace-format.md,
docs/exchange-log.md and docs/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "traces" / "happy-path.jsonl"
SCENARIO = (ROOT / "ue_stack" / "scenarios" / "happy-path.toml").read_text()
K = "465b5ce8b199b49faa5f0a2ee238a6bc"


def one_line_exit_2(capsys, argv: list[str]) -> str:
    """Run the CLI; assert the contract for one unusable input; return the line."""
    capsys.readouterr()
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "", out
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def trace_with(tmp_path: Path, edit) -> str:
    """The happy-path trace with its records (not the header) edited in place."""
    lines = [json.loads(line) for line in TRACE.read_text().splitlines()
             if line.strip() and not line.startswith("//")]
    edit(lines)
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def scenario_with(tmp_path: Path, old: str, new: str) -> str:
    assert old in SCENARIO
    path = tmp_path / "edited.toml"
    path.write_text(SCENARIO.replace(old, new, 1))
    return str(path)


def a_log(tmp_path: Path) -> list[dict]:
    log = tmp_path / "good.xlog.jsonl"
    assert main(["replay", str(TRACE), "--log", str(log)]) == 0
    return [json.loads(line) for line in log.read_text().splitlines()]


def log_with(tmp_path: Path, records: list[dict], raw_tail: str = "") -> str:
    path = tmp_path / "edited.xlog.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + raw_tail)
    return str(path)


# -- 2. numbers: finite, bounded (docs/trace-format.md) --------------------------------------------
@pytest.mark.parametrize("t", [1e9, 2.0**63, 1e300])
def test_a_trace_whose_t_jumps_beyond_the_span_bound_is_refused(tmp_path, capsys, t):
    """docs/trace-format.md: the span from the first record's t to the last is at most 10^7 s."""
    def edit(lines):
        lines[-1]["t"] = t
    err = one_line_exit_2(capsys, ["replay", trace_with(tmp_path, edit)])
    assert "field 't'" in err and "edited.jsonl:" in err


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_are_input_errors_in_a_trace_and_a_log(tmp_path, capsys, literal):
    """docs/trace-format.md: NaN, Infinity and -Infinity are input errors in every format we read
    (Python's json accepts them)."""
    trace = tmp_path / "t.jsonl"
    trace.write_text(TRACE.read_text() + '{"t": ' + literal + ', "kind": "ue", "op": "advance"}\n')
    assert "t.jsonl:" in one_line_exit_2(capsys, ["replay", str(trace)])
    tail = '{"seq": 99, "t": ' + literal + ', "event": "x"}\n'
    log = log_with(tmp_path, a_log(tmp_path)[:3], tail)
    assert "edited.xlog.jsonl:4" in one_line_exit_2(capsys, ["check", log])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e9", "-1.0", "true", '"5"'])
def test_scenario_step_times_are_finite_and_within_the_bounds(tmp_path, capsys, value):
    path = scenario_with(tmp_path, "t = 5.0", f"t = {value}")
    err = one_line_exit_2(capsys, ["simulate", path])
    assert "edited.toml:" in err and "field 'step[3].t'" in err


@pytest.mark.parametrize(("old", "new", "field"), [
    ('expect = "ok"', 'op2 = 1', "step[3].op2"),
    ("[[step]]\nt = 0.1", '[network]\nkaf_lifetime = inf\n\n[[step]]\nt = 0.1',
     "network.kaf_lifetime"),
    ("[[step]]\nt = 0.1", "[network]\nbad_mac_avs = 10000000000\n\n[[step]]\nt = 0.1",
     "network.bad_mac_avs"),
])
def test_scenario_numbers_are_bounded(tmp_path, capsys, old, new, field):
    err = one_line_exit_2(capsys, ["simulate", scenario_with(tmp_path, old, new)])
    assert f"field '{field}'" in err


@pytest.mark.parametrize("argv", [
    ["simulate", "happy-path", "--ues", "1e9"],
    ["simulate", "happy-path", "--ues", "1000000000"],
    ["simulate", "happy-path", "--ues", "nan"],
    ["simulate", "happy-path", "--seed", "-1"],
    ["replay", str(TRACE), "--jobs", "100000"],
    ["replay", str(TRACE), "--jobs", "inf"],
])
def test_absurd_counts_on_the_command_line_are_usage_errors(capsys, argv):
    assert argv[-2] in one_line_exit_2(capsys, argv)


# -- 3. deep nesting ---------------------------------------------------------------------
def test_a_log_line_nested_a_thousand_deep_is_an_input_error_not_a_recursion(
        tmp_path, capsys):
    deep = "[" * 1000 + "]" * 1000
    log = log_with(tmp_path, a_log(tmp_path)[:3],
                   '{"seq": 99, "t": 9, "event": "x", "extra": ' + deep + "}\n")
    err = one_line_exit_2(capsys, ["check", log])
    assert "edited.xlog.jsonl:4" in err and "nested" in err


def test_sec1_walks_a_deep_line_without_recursion():
    """SEC-1's full walk is iterative: it names a secret field at any depth."""
    from ue_stack.invariants.sec1 import Sec1

    value: dict = {"k": "00"}
    for _ in range(5000):
        value = {"x": [value]}
    found = Sec1().feed({"seq": 1, "t": 0, "event": "x", "extra": value})
    assert len(found) == 1 and "a secret name" in found[0].message


def test_a_trace_record_nested_too_deep_is_an_input_error(tmp_path, capsys):
    def edit(lines):
        nested: list = []
        for _ in range(500):
            nested = [nested]
        lines[-1]["note"] = nested
    err = one_line_exit_2(capsys, ["replay", trace_with(tmp_path, edit)])
    assert "nested" in err


def test_a_scenario_array_nested_5000_deep_is_an_input_error(tmp_path, capsys):
    path = scenario_with(tmp_path, 'description = "', "x = " + "[" * 5000 + "]" * 5000 +
                         '\ndescription = "')
    err = one_line_exit_2(capsys, ["simulate", path])
    assert "edited.toml" in err and "nested" in err


# -- 4. wrong JSON/TOML types at the loader boundary --------------------------------------
@pytest.mark.parametrize("value", [{"a": 1}, [1, 2]])
@pytest.mark.parametrize("name", ["ue", "corr", "name", "a_kid"])
def test_a_log_field_that_names_something_must_not_be_an_object_or_array(
        tmp_path, capsys, name, value):
    records = a_log(tmp_path)
    for r in records:
        r[name] = value
    err = one_line_exit_2(capsys, ["check", log_with(tmp_path, records)])
    assert "edited.xlog.jsonl:1" in err and f"field '{name}'" in err


@pytest.mark.parametrize("key", ["kind", "op"])
@pytest.mark.parametrize("value", ["{ a = 1 }", "[1, 2]", "[]", "1"])
def test_a_scenario_step_kind_or_op_must_be_a_name(tmp_path, capsys, key, value):
    old = 'kind = "app"' if key == "kind" else 'op = "kaf_request"'
    err = one_line_exit_2(capsys, ["simulate", scenario_with(tmp_path, old, f"{key} = {value}")])
    assert f"field 'step[3].{key}'" in err


# -- 5. not UTF-8 ------------------------------------------------------------------------
def test_a_scenario_file_that_is_not_utf8_gives_one_line_naming_it(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes(SCENARIO.replace("one AF session", "caf\xe9").encode("latin-1"))
    err = one_line_exit_2(capsys, ["simulate", str(path)])
    assert "latin1.toml" in err and "UTF-8" in err


def test_a_trace_and_a_log_that_are_not_utf8_give_one_line_naming_them(tmp_path, capsys):
    trace = tmp_path / "bin.jsonl"
    trace.write_bytes(TRACE.read_bytes() + b'{"t": 99, "kind": "ue", "op": "\xff"}\n')
    assert "UTF-8" in one_line_exit_2(capsys, ["replay", str(trace)])
    log = tmp_path / "bin.xlog.jsonl"
    log.write_bytes(b'{"seq": 1, "t": 0, "event": "\xfe\xff"}\n')
    assert "UTF-8" in one_line_exit_2(capsys, ["check", str(log)])


# -- 6. never echo a secret-named field ---------------------------------------------------
@pytest.mark.parametrize("bad", [K[:-1], K[:-1] + "g", K + "00"])
@pytest.mark.parametrize("name", ["k", "opc"])
def test_a_malformed_key_in_a_scenario_is_not_echoed(tmp_path, capsys, name, bad):
    old = f'{name} = "' + (K if name == "k" else "cd63cb71954a9f4e48a5994e37a02baf") + '"'
    err = one_line_exit_2(capsys, ["simulate", scenario_with(tmp_path, old, f'{name} = "{bad}"')])
    assert f"field 'ue.{name}'" in err
    assert bad[:8] not in err.lower()


def test_a_keys_file_with_a_huge_field_is_one_line_not_a_csv_traceback(tmp_path, capsys):
    keys = tmp_path / "keys.csv"
    keys.write_text("supi,k,opc\n001010000000001," + "0" * 200_000 + ",00\n")
    err = one_line_exit_2(capsys, ["replay", str(TRACE), "--keys", str(keys)])
    assert "keys.csv" in err


# -- issue 23: ASCII digits only; one row per subscriber -------------------------------------------
# 001010000000001 in Arabic-Indic and in fullwidth digits
@pytest.mark.parametrize("supi", ["".join(chr(0x660 + int(d)) for d in "001010000000001"),
                                  "".join(chr(0xFF10 + int(d)) for d in "001010000000001")])
def test_a_supi_in_other_digits_than_ascii_is_refused(tmp_path, capsys, supi):
    """str.isdigit and regex \\d accept Arabic-Indic or fullwidth digits; no SUPI holds them."""
    keys = tmp_path / "keys.csv"
    keys.write_text(f"supi,k,opc\n\"{supi}\",{K},{K}\n")
    err = one_line_exit_2(capsys, ["replay", str(TRACE), "--keys", str(keys)])
    assert "field 'supi'" in err


def test_non_ascii_digits_in_an_mcc_are_refused(capsys):
    from ue_stack.crypto.aka import serving_network_name

    with pytest.raises(ValueError):
        serving_network_name("".join(chr(0x660 + int(d)) for d in "001"), "01")


def test_a_supi_twice_with_different_keys_names_both_lines(tmp_path, capsys):
    keys = tmp_path / "keys.csv"
    other = "0" * 32
    keys.write_text(f"supi,k,opc\n001010000000009,{K},{K}\n001010000000001,{K},{K}\n"
                    f"001010000000009,{other},{K}\n")
    err = one_line_exit_2(capsys, ["replay", str(TRACE), "--keys", str(keys)])
    assert "keys.csv:4" in err and "line 2" in err and "001010000000009" in err
    assert K not in err and other not in err  # never a key in an error


def test_a_supi_twice_with_the_same_keys_is_fine(tmp_path):
    keys = tmp_path / "keys.csv"
    keys.write_text(f"supi,k,opc\n001010000000009,{K},{K}\n001010000000009,{K},{K}\n")
    assert main(["replay", str(TRACE), "--keys", str(keys)]) == 0
