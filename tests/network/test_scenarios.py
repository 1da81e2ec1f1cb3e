"""The scenario format and the built-in library."""

from __future__ import annotations

import pytest

from ue_stack.errors import InputError
from ue_stack.events import SendN1
from ue_stack.nas.messages import nas
from ue_stack.network.amf import AmfState
from ue_stack.scenarios import (
    INVARIANT_IDS,
    LIBRARY,
    OPS,
    builtin_names,
    builtin_scenarios,
    load_scenario,
    parse_scenario,
)
from ue_stack.trace import schema

REQUIRED = {  # the list -> our names
    "happy path": "happy-path",
    "re-authentication between AF sessions": "reauth-between-af-sessions",
    "W1 deferral on": "w1-defer-on",
    "W1 deferral off": "w1-defer-off",
    "W2 SMC lost": "w2-smc-lost",
    "W2 SMC rejected": "w2-smc-rejected",
    "MAC failure then recovery": "mac-failure-recovery",
    "synch failure and resynchronisation": "synch-failure-resync",
    "separation bit 0": "separation-bit-zero",
    "ngKSI in use": "ngksi-in-use",
    "authentication reject then AKMA rejected": "auth-reject-akma-rejected",
    "USIM removal": "usim-removal",
    "power cycle keeps KAUSF": "power-cycle-keeps-kausf",
    "AAnF context removal": "aanf-context-remove",
}

GOOD = """\
name = "tiny"
description = "a tiny scenario"

[ue]
supi = "001010000000001"
k = "465b5ce8b199b49faa5f0a2ee238a6bc"
opc = "cd63cb71954a9f4e48a5994e37a02baf"

[[step]]
t = 1.0
kind = "ue"
op = "register"

[[step]]
t = 0.0
kind = "ue"
op = "power_on"

[[step]]
t = 5.0
kind = "app"
op = "kaf_request"
app = "mail"
af_fqdn = "af.example.com"
ua_id = "0100000007"
"""


def test_library_has_every_required_scenario_with_happy_path_first():
    names = builtin_names()
    assert names[0] == "happy-path"
    assert set(REQUIRED.values()) <= set(names)
    assert names[: len(LIBRARY)] == list(LIBRARY)


@pytest.mark.parametrize("scenario", builtin_scenarios(), ids=lambda s: s.name)
def test_each_builtin_scenario_loads_and_is_unambiguous(scenario):
    assert scenario.description and "\n" not in scenario.description
    assert set(scenario.expect) == {"per-kaf", "legacy-cache"}
    for expect in scenario.expect.values():
        assert set(expect.violations) <= set(INVARIANT_IDS)
    times = [s.t for s in scenario.steps]
    assert times == sorted(times)
    assert scenario.steps[0].op == "power_on"
    twin = scenario.build_twin()
    assert twin.amf(scenario.ue.supi).state is AmfState.DEREGISTERED


@pytest.mark.parametrize(("name", "verdict", "violations"), [
    ("happy-path", "pass", ()),
    ("reauth-between-af-sessions", "pass", ()),
    ("w1-defer-on", "pass", ()),
    ("w1-defer-off", "fail", ("AKMA-4",)),
    ("w2-smc-lost", "fail", ("AKMA-4",)),
    ("w2-smc-rejected", "fail", ("AKMA-4",)),
    ("smc-nia0-rejected", "fail", ("AKMA-4",)),
    ("aanf-context-remove", "fail", ("AKMA-4",)),
    ("auth-reject-akma-rejected", "pass", ()),
])
def test_builtin_per_kaf_expectations(name, verdict, violations):
    expect = load_scenario(name).expect_for("per-kaf")
    assert (expect.verdict, expect.violations) == (verdict, violations)


def test_reauth_scenario_expects_legacy_cache_to_break_akma_1_and_4():
    expect = load_scenario("reauth-between-af-sessions").expect_for("legacy-cache")
    assert (expect.verdict, expect.violations) == ("fail", ("AKMA-1", "AKMA-4"))


def test_scenario_ops_are_the_trace_ops_plus_simulation_only_net_ops():
    """docs/trace-format.md: app/ue ops and fields are the trace's; net adds simulation ops
    (and leaves out the ops an importer measures in a capture, `aanf_registered`)."""
    for kind in ("app", "ue"):
        assert {op: set(f) for op, f in OPS[kind].items()} == {
            op: set(f) for op, f in schema.OPS[kind].items()
        }
    for op, fields in schema.OPS["net"].items():
        if op not in schema.OBSERVED_NET_OPS:
            assert set(fields) <= set(OPS["net"][op])


def test_steps_are_typed_and_sorted_stably_by_time():
    s = parse_scenario(GOOD, "tiny.toml")
    assert [(st.t, st.op) for st in s.steps] == [(0.0, "power_on"), (1.0, "register"),
                                                (5.0, "kaf_request")]
    assert s.steps[2].fields["ua_id"] == bytes.fromhex("0100000007")
    assert s.steps[2].line == 19  # its [[step]] header
    assert s.network.snn == "5G:mnc001.mcc001.3gppnetwork.org"
    assert s.ue.sqn_ms == bytes(6) and s.expect == {}


def test_network_table_chooses_the_amf_algorithms_and_net_ops_carry_causes():
    """[network] nea/nia are what the AMF selects in SECURITY MODE COMMAND (5G-IA0 for a
    UE to reject, TS 24.501 5.4.2.3); a network deregistration may carry a 5GMM cause."""
    text = GOOD.replace("[ue]", "[network]\nnia = 0\n\n[ue]") + """
[[step]]
t = 9.0
kind = "net"
op = "deregister"
cause = 3
"""
    s = parse_scenario(text)
    assert s.build_twin().amf_config.nia == 0
    assert s.steps[-1].fields == {"cause": 3}


def test_load_scenario_reads_a_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(GOOD)
    assert load_scenario(path).name == "tiny"
    assert load_scenario(str(path)).path == str(path)


def test_scenario_ue_may_give_op_instead_of_opc():
    text = GOOD.replace('opc = "cd63cb71954a9f4e48a5994e37a02baf"',
                        'op = "cdc202d5123e20f62b6d676ac72cb318"')
    assert parse_scenario(text).ue.opc.hex() == "cd63cb71954a9f4e48a5994e37a02baf"


def test_usim_inserted_step_carries_a_typed_ue_and_provisions_the_twin():
    text = GOOD + """
[[step]]
t = 9.0
kind = "ue"
op = "usim_inserted"
[step.ue]
supi = "001010000000002"
k = "465b5ce8b199b49faa5f0a2ee238a6bc"
opc = "cd63cb71954a9f4e48a5994e37a02baf"
"""
    s = parse_scenario(text)
    assert isinstance(s.steps[-1].fields["ue"], schema.UeConfig)
    twin = s.build_twin()
    twin.handle_n1("001010000000002",
                   nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    sent = [e for e in twin.outbox.drain() if isinstance(e, SendN1)]
    assert [(e.supi, e.message.msg) for e in sent] == [
        ("001010000000002", "authentication_request")
    ]


@pytest.mark.parametrize(("change", "field", "line"), [
    (('op = "power_on"', 'op = "power_up"'), "step[2].op", 17),
    (('ua_id = "0100000007"', 'ua_id = "01"'), "step[3].ua_id", 25),
    (('ua_id = "0100000007"', 'ua_id = "0100000007"\ncolour = "red"'), "step[3].colour", 26),
    (('kind = "app"', 'kind = "apps"'), "step[3].kind", 21),
    (('k = "465b5ce8b199b49faa5f0a2ee238a6bc"\n', ''), "ue.k", 4),
    (('name = "tiny"', 'name = "Tiny Scenario"'), "name", 1),
    (('[ue]', '[network]\nmcc = "1"\n\n[ue]'), "network.mcc", 5),
    (('t = 5.0', 't = -5.0'), "step[3].t", 20),
    (('[ue]', '[network]\nnia = 8\n\n[ue]'), "network.nia", 5),
])
def test_bad_scenario_gives_input_error_naming_field_and_line(change, field, line):
    with pytest.raises(InputError) as err:
        parse_scenario(GOOD.replace(*change), "bad.toml")
    assert (err.value.file, err.value.field, err.value.line) == ("bad.toml", field, line)
    assert field in str(err.value) and "bad.toml:" in str(err.value)


def test_bad_expectation_is_an_input_error():
    text = GOOD + '\n[expect."per-kaf"]\nverdict = "pass"\nviolations = ["AKMA-4"]\n'
    with pytest.raises(InputError) as err:
        parse_scenario(text, "bad.toml")
    assert err.value.field == "expect.per-kaf.violations"
    text = GOOD + '\n[expect."per-kaf"]\nverdict = "fail"\nviolations = ["AKMA-9"]\n'
    with pytest.raises(InputError, match="AKMA-9"):
        parse_scenario(text, "bad.toml")


def test_invalid_toml_names_the_line():
    with pytest.raises(InputError) as err:
        parse_scenario(GOOD + "\n[[step]\n", "bad.toml")
    assert err.value.line == 27


def test_unknown_builtin_and_missing_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no built-in scenario"):
        load_scenario("no-such-scenario")
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "missing.toml")
    assert err.value.file.endswith("missing.toml")
