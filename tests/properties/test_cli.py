"""``--property FILE`` on replay, check and simulate, and ``explain --property``
(docs/properties.md): results beside the invariants in the same shape,
errors as one line, the examples of the docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ue_stack import api
from ue_stack.cli import main
from ue_stack.properties import load_properties

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "traces"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "report.schema.json").read_text())

KAF_FRESH = """
[[property]]
id = "P-KAF-FRESH"
text = "every KAF comes from the last KAKMA NAS gave this UE"
clause = "TS 24.501 4.21"
per = ["ue"]
formula = '''event == "kaf_derived"
    -> k_akma_fp == last(k_akma_fp, event == "primitive" and name == "ObtainAkmaKeyConfirm")'''

[[property]]
id = "P-KAF-ASKED"
text = "every KAF derivation names the confirm it used"
formula = 'event == "kaf_derived" -> has(corr)'
"""


def write(tmp_path: Path, text: str, name: str = "p.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_property_violation_is_reported_like_an_invariants(tmp_path):
    """The legacy-cache trace: the second KAF comes from a cached KAKMA (no new confirm).
    It is the KAKMA NAS gave last (no re-authentication), so P-KAF-FRESH holds; it names
    no confirm, so P-KAF-ASKED fails where AKMA-1 does. The entries have the invariants'
    shape; the violation names input, line and invariant = the property id."""
    report = api.replay(TRACES / "akma-1-legacy-cache-no-reauth.jsonl",
                        property=[write(tmp_path, KAF_FRESH)]).to_dict()
    Draft202012Validator(SCHEMA).validate(report)
    assert report["invariants"]["P-KAF-FRESH"] == {"checked": 2, "violations": 0}
    assert report["invariants"]["P-KAF-ASKED"] == {"checked": 2, "violations": 1}
    assert list(report["invariants"])[-2:] == ["P-KAF-FRESH", "P-KAF-ASKED"]  # after the ten
    mine = [v for v in report["violations"] if v["invariant"] == "P-KAF-ASKED"]
    akma1 = [v for v in report["violations"] if v["invariant"] == "AKMA-1"]
    assert len(mine) == 1 and set(mine[0]) == set(akma1[0])
    assert (mine[0]["input"], mine[0]["seq"], mine[0]["line"]) == (
        akma1[0]["input"], akma1[0]["seq"], akma1[0]["line"])
    assert mine[0]["message"] == ("every KAF derivation names the confirm it used: false at "
                                  "this kaf_derived line")
    assert report["properties"]["P-KAF-FRESH"]["clause"] == "TS 24.501 4.21"


def test_an_expectation_is_compared_with_the_invariants_only(tmp_path):
    """A trace that expects fail with AKMA-1 still meets it when a property fails too; a
    trace that expects pass does not when a property fails (the verdict is fail)."""
    props = write(tmp_path, KAF_FRESH)
    argv = ["--check-expect", "--property", props]
    assert main(["replay", str(TRACES / "akma-1-legacy-cache-no-reauth.jsonl"), *argv]) == 0
    assert api.replay(TRACES / "akma-1-legacy-cache-no-reauth.jsonl",
                      property=[props]).verdict == "fail"
    always_false = write(tmp_path, '[[property]]\nid = "P-NEVER"\nformula = "has(no_such)"\n',
                         "never.toml")
    assert main(["replay", str(TRACES / "happy-path.jsonl"), "--check-expect",
                 "--property", always_false]) == 1


def test_check_and_simulate_take_properties_too(tmp_path):
    props = write(tmp_path, KAF_FRESH)
    checked = api.check(TRACES / "logs" / "akma-2-confirm-from-pending-kausf.jsonl",
                        property=[props]).to_dict()
    Draft202012Validator(SCHEMA).validate(checked)
    assert checked["invariants"]["P-KAF-FRESH"] == {"checked": 1, "violations": 0}
    simulated = api.simulate("reauth-between-af-sessions", app_mode="legacy-cache",
                             property=[props]).to_dict()
    Draft202012Validator(SCHEMA).validate(simulated)
    assert simulated["invariants"]["P-KAF-ASKED"]["violations"] == 1


def test_a_recorded_trace_expects_only_invariants(tmp_path):
    trace = tmp_path / "rec.jsonl"
    main(["simulate", "reauth-between-af-sessions", "--app-mode", "legacy-cache",
          "--record", str(trace), "--property", write(tmp_path, KAF_FRESH)])
    header = json.loads(trace.read_text().splitlines()[0])
    assert header["expect"]["violations"] == ["AKMA-1", "AKMA-4"]


def test_several_files_and_parallel_replay_give_the_same_report(tmp_path):
    first = write(tmp_path, KAF_FRESH)
    second = write(tmp_path, '[[property]]\nid = "P-OK"\nformula = '
                             "'event == \"af_session\" -> result == \"ok\"'\n", "b.toml")
    one = api.replay(TRACES, property=[first, second]).to_dict()
    two = api.replay(TRACES, property=[first, second], jobs=2).to_dict()
    assert one == two
    assert {"P-KAF-FRESH", "P-OK"} <= set(one["invariants"])


@pytest.mark.parametrize(("text", "says"), [
    ('[[property]]\nid = "P-X"\nformula = \'event == "a" -> lst(k, x == 1) == 2\'\n',
     "p.toml:3: property 'P-X', formula column 17: unknown function 'lst' (known: has, "
     "last, prev)"),
    ('[[property]]\nid = "P-X"\nformula = """\nevent == "a"\n  -> seq == "one"\n"""\n',
     "p.toml:5: property 'P-X', formula column 13: seq (a number) can never equal the "
     "literal 'one' (a string)"),
    ('[[property]]\nid = "P-X"\nformula = \'event == ("a"\'\n',
     "p.toml:3: property 'P-X', formula column 10: unexpected '('"),
    ('[[property]]\nid = "AKMA-1"\nformula = \'has(x)\'\n',
     "p.toml:2: field 'id': property 'AKMA-1': id already used by an invariant"),
    ('[[property]]\nid = "P-X"\nformla = \'has(x)\'\n',
     "p.toml:3: field 'formla': property 'P-X': unknown key 'formla'"),
    ('[[property]]\nid = "P-X"\nformula = \'has(x)\'\nper = "ue"\n',
     "p.toml:4: field 'per': property 'P-X': per must be a list of field names"),
    # a key's error names its line; a key that is missing, the table's [[property]] line
    ('[[property]]\nid = "P-A"\nformula = \'has(x)\'\n\n[[property]]\nid = "P-B"\n'
     'text = "no formula"\n', "p.toml:5: field 'formula': property 'P-B': needs a formula"),
    ('[[property]]\nid = "P-X"\nformula = """\nevent == "a"\n"""\nclause = 3\n',
     "p.toml:6: field 'clause': property 'P-X': clause must be a string"),
    ('[[property]\n', "not TOML"),
    ('title = "x"\n', "unknown table or key 'title'"),
])
def test_an_unusable_property_file_is_one_stderr_line_and_exit_2(tmp_path, capsys, text, says):
    props = write(tmp_path, text)
    log = tmp_path / "run.jsonl"
    status = main(["replay", str(TRACES / "happy-path.jsonl"), "--property", props,
                   "--log", str(log)])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
    assert not log.exists()  # refused before anything ran


@pytest.mark.parametrize("formula", ["not " * 600 + "x == 1",
                                     " and ".join(f"x == {n}" for n in range(3000))])
def test_a_formula_beyond_the_checkers_limits_is_one_line_and_exit_2(tmp_path, capsys, formula):
    props = write(tmp_path, f'[[property]]\nid = "P-DEEP"\nformula = "{formula}"\n')
    assert main(["check", str(TRACES / "logs"), "--property", props]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "property 'P-DEEP'" in err and "too long or nests" in err


def test_a_long_flat_chain_compiles():
    """400 alternatives, or 300 parentheses: flat in the generated code (Python nests at
    most 200 brackets)."""
    from ue_stack.properties.monitor import compile_formula

    assert compile_formula(" or ".join(f"seq == {n}" for n in range(400)))
    assert compile_formula("(" * 300 + "seq == 1" + ")" * 300)


def test_the_same_id_in_two_files_is_refused(tmp_path, capsys):
    props = write(tmp_path, KAF_FRESH)
    assert main(["check", str(TRACES / "logs"), "--property", props, "--property", props]) == 2
    err = capsys.readouterr().err
    assert f"{props}:3: field 'id'" in err and "id already used by a property of" in err


def test_explain_lists_the_properties_of_a_file(tmp_path, capsys):
    props = write(tmp_path, KAF_FRESH)
    assert main(["explain", "--property", props]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("P-KAF-FRESH  every KAF comes from the last KAKMA NAS "
                                   "gave this UE")
    assert "  clause:  TS 24.501 4.21" in out and "  slices:  one per ue" in out
    assert main(["explain", "P-NOPE", "--property", props]) == 2


DOCS = (ROOT / "docs" / "properties.md").read_text()


def test_every_toml_example_of_the_docs_loads(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", DOCS, re.S)
    assert len(blocks) >= 4
    for n, block in enumerate(blocks):
        assert load_properties([write(tmp_path, block, f"doc{n}.toml")])


def test_no_kaf_after_the_usim_became_invalid_until_power_on(tmp_path):
    """The docs' first example, on an exchange log: a KAF derived after `usim invalid`
    violates it; after a power-on it is allowed again."""
    block = re.findall(r"```toml\n(.*?)```", DOCS, re.S)[0]
    lines = [
        {"event": "usim", "action": "invalid"},
        {"event": "kaf_derived", "app": "mail"},
        {"event": "input", "kind": "ue", "action": "power_on"},
        {"event": "kaf_derived", "app": "mail"},
    ]
    log = tmp_path / "x.jsonl"
    log.write_text("".join(json.dumps({"seq": n, "t": n, "ue": "001010000000001", **r}) + "\n"
                           for n, r in enumerate(lines, 1)))
    report = api.check(log, property=[write(tmp_path, block)]).to_dict()
    found = [v["seq"] for v in report["violations"] if v["invariant"].startswith("P-")]
    assert found == [2]


def test_the_html_report_shows_a_property_beside_the_invariants(tmp_path):
    page = tmp_path / "r.html"
    main(["replay", str(TRACES / "akma-1-legacy-cache-no-reauth.jsonl"),
          "--property", write(tmp_path, KAF_FRESH), "--html", str(page)])
    assert page.read_text().count("P-KAF-ASKED") >= 2


def test_sarif_and_junit_show_a_property_like_an_invariant(tmp_path):
    """The CI outputs read the report generically: a property is a SARIF rule with its
    text and clause, its violation a result and a JUnit failure of that type."""
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    main(["replay", str(TRACES / "akma-1-legacy-cache-no-reauth.jsonl"),
          "--property", write(tmp_path, KAF_FRESH), "--sarif", str(sarif),
          "--junit", str(junit)])
    run = json.loads(sarif.read_text())["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["P-KAF-FRESH"]["properties"]["clause"] == "TS 24.501 4.21"
    assert [r["ruleId"] for r in run["results"]].count("P-KAF-ASKED") == 1
    assert 'type="P-KAF-ASKED"' in junit.read_text()


@pytest.mark.parametrize("pid", ["", " P", "P\nQ", "x" * 101])
def test_an_id_is_one_printable_line(tmp_path, capsys, pid):
    # a JSON string is a TOML basic string here (the escapes are the same)
    props = write(tmp_path, f'[[property]]\nid = {json.dumps(pid)}\nformula = "has(x)"\n')
    assert main(["check", str(TRACES / "logs"), "--property", props]) == 2
    assert "needs an id" in capsys.readouterr().err
