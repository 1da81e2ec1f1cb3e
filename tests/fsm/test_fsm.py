"""`ue-stack fsm` (docs/fsm.md): the model as a complete, minimal Mealy machine
over 5GBaseChecker's NAS alphabet, and learned device machines compared with it.

The two device machines in tests/data/fsm are the model's own machine with one
transition changed each (tests/data/README.md): the deviations 5GBaseChecker's published
machines show — a null-security plain SECURITY MODE COMMAND accepted, a plain
AUTHENTICATION REQUEST answered after security."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ue_stack.cli import main
from ue_stack.fsm import alphabet, dot, machine, properties
from ue_stack.nas import protection

ROOT = Path(__file__).resolve().parents[2]
DEVICES = ROOT / "tests" / "data" / "fsm"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "fsm-deviations.schema.json").read_text())


@pytest.fixture(scope="module")
def model() -> machine.Mealy:
    return machine.model_machine()


def _export(tmp_path: Path, name: str = "model.dot") -> Path:
    out = tmp_path / name
    assert main(["fsm", "--alphabet", "5gbasechecker", "--dot", str(out)]) == 0
    return out


def _diff(device: Path, outdir: Path) -> tuple[int, list[dict]]:
    status = main(["fsm", "--alphabet", "5gbasechecker", "--diff", str(device),
                   "-o", str(outdir)])
    deviations = json.loads((outdir / "deviations.json").read_text())
    Draft202012Validator(SCHEMA).validate(deviations)
    return status, deviations


# -- the exported machine --------------------------------------------------------------

def test_two_exports_are_byte_identical(tmp_path):
    assert _export(tmp_path, "a.dot").read_bytes() == _export(tmp_path, "b.dot").read_bytes()


def test_the_machine_is_complete_over_the_15_nas_inputs_and_minimal(model):
    assert model.inputs == alphabet.INPUTS and len(model.inputs) == 15
    assert all(set(row) == set(alphabet.INPUTS) for row in model.delta)
    again, _ = machine.minimise(model)
    assert again.states == model.states
    assert machine.explore().machine.states > model.states  # minimisation merged some


def test_the_dot_is_the_learners_form_and_reads_back_as_the_same_machine(tmp_path, model):
    text = _export(tmp_path).read_text()
    assert 's0 -> s1 [label="enable_s1 / registration_request"];' in text
    assert "__start0 -> s0;" in text
    learned = dot.read("model.dot", text.encode())
    assert learned.initial == "s0"
    for s, row in enumerate(model.delta):
        assert {a: (f"s{t}", o) for a, (t, o) in row.items()} == learned.delta[f"s{s}"]


def test_the_machine_follows_registration_authentication_smc_accept(model):
    assert properties.follows_happy_path(model)


def test_the_machine_satisfies_5gbasecheckers_nas_properties_on_every_reachable_transition(
        model):
    assert properties.check(model) == []


def test_a_machine_that_answers_plain_authentication_after_smc_breaks_line_6(model):
    broken = machine.Mealy(model.inputs, [dict(row) for row in model.delta])
    after_smc = model.delta[model.delta[model.delta[0]["enable_s1"][0]][
        "auth_request_plain_text"][0]]["nas_sm_cmd"][0]
    broken.delta[after_smc]["auth_request_plain_text"] = (after_smc, "auth_response")
    found = {v.line for v in properties.check(broken)}
    assert found == {6}


def test_with_the_protection_boundary_switched_off_the_machine_breaks_the_properties(
        monkeypatch):
    monkeypatch.setattr(protection.Boundary, "admit", lambda self, *a: None)
    found = {v.line for v in properties.check(machine.model_machine())}
    assert {4, 6, 7, 9, 14} <= found, found


def test_every_output_is_the_alphabets_or_a_named_extension(model):
    outputs = {o for row in model.delta for _, o in row.values()}
    assert outputs <= set(alphabet.OUTPUTS.values()) | {alphabet.NULL_ACTION}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(alphabet.INPUTS), max_size=12))
def test_the_minimal_machine_predicts_the_model_on_any_word(word):
    """The equivalence oracle a learner would use: random words run on the real model
    from reset give the outputs the exported machine predicts."""
    outputs, _ = machine.word_records(word)
    assert outputs == _MODEL.run(word)


_MODEL = machine.model_machine()


# -- diff --------------------------------------------------------------------------------

def test_the_model_against_its_own_machine_has_no_deviation(tmp_path, capsys):
    status, deviations = _diff(_export(tmp_path), tmp_path / "self")
    assert (status, deviations) == (0, [])
    assert "device breaks" not in capsys.readouterr().out


def _replays(trace: Path) -> None:
    assert main(["replay", str(trace), "--check-expect"]) == 0


def test_a_device_that_accepts_a_null_security_plain_smc_is_reported(tmp_path, capsys):
    status, deviations = _diff(DEVICES / "device-accepts-null-plain-smc.dot", tmp_path)
    out = capsys.readouterr().out
    assert "line 12," in out and "line 13," in out  # the published properties it breaks
    assert status == 1
    assert deviations[0] == {
        "inputs": ["enable_s1", "auth_request_plain_text", "nas_sm_cmd_ns_plain_text"],
        "device": "nas_sm_complete", "model": "null_action",
        "clause": "TS 24.501 4.4.4.2, 5.4.2.2", "trace": deviations[0]["trace"]}
    _replays(tmp_path / deviations[0]["trace"])


def test_a_device_that_answers_a_plain_authentication_request_after_security_is_reported(
        tmp_path):
    status, deviations = _diff(DEVICES / "device-answers-plain-auth-after-security.dot",
                               tmp_path)
    assert status == 1
    first = deviations[0]
    assert first["inputs"][-1] == "auth_request_plain_text"
    assert "nas_sm_cmd" in first["inputs"]
    assert (first["device"], first["model"], first["clause"]) == (
        "auth_response", "null_action", "TS 24.501 4.4.4.2")
    trace = (tmp_path / first["trace"]).read_text().splitlines()
    assert json.loads(trace[0])["expect"] == {"verdict": "pass"}
    _replays(tmp_path / first["trace"])


def test_every_deviation_trace_replays_with_its_expectation(tmp_path):
    status, deviations = _diff(DEVICES / "device-accepts-null-plain-smc.dot", tmp_path)
    assert status == 1 and deviations
    assert main(["replay", str(tmp_path), "--check-expect"]) == 0


# -- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line"), [
    ('digraph g {\n  s0 -> s1 [label="enable_s1"];\n}\n', 2),
    ('digraph g {\n  s0 -> s1 [label="enable_s1 / registration_request"];\n  garbage here\n}\n',
     3),
    ('digraph g {\n  s0 -> s1 [label="a / x"];\n  s0 -> s0 [label="a / y"];\n}\n', 3),
])
def test_an_unusable_dot_is_one_line_naming_file_and_line_exit_2(tmp_path, capsys, text,
                                                                     line):
    bad = tmp_path / "bad.dot"
    bad.write_text(text)
    assert main(["fsm", "--alphabet", "5gbasechecker", "--diff", str(bad),
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"bad.dot:{line}:" in err


def test_diff_to_stdout_is_refused(tmp_path, capsys):
    assert main(["fsm", "--alphabet", "5gbasechecker", "--diff",
                 str(DEVICES / "device-accepts-null-plain-smc.dot"), "-o", "-"]) == 2
    assert "'-o'" in capsys.readouterr().err


def test_diff_needs_an_output_folder(capsys):
    assert main(["fsm", "--alphabet", "5gbasechecker", "--diff",
                 str(DEVICES / "device-accepts-null-plain-smc.dot")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_missing_device_file_is_one_line(tmp_path, capsys):
    assert main(["fsm", "--alphabet", "5gbasechecker", "--diff", str(tmp_path / "no.dot"),
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no.dot" in err


def test_the_device_machine_may_come_on_standard_input(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ue_stack", "fsm", "--alphabet", "5gbasechecker", "--diff",
         "-", "-o", str(tmp_path)],
        input=(DEVICES / "device-accepts-null-plain-smc.dot").read_bytes(),
        capture_output=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert json.loads((tmp_path / "deviations.json").read_text())[0]["model"] == "null_action"
