"""docs/schema/scenario.schema.json is what the parser accepts: generated from its tables
(kept equal here), every built-in scenario validates, and a typo fails both."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from ue_stack.errors import InputError
from ue_stack.scenarios import builtin_names, builtin_text, parse_scenario
from ue_stack.scenarios.schema import scenario_schema

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "schema" / "scenario.schema.json"


def test_the_committed_schema_is_the_generated_one():
    generated = orjson.dumps(scenario_schema(), option=orjson.OPT_INDENT_2) + b"\n"
    assert COMMITTED.read_bytes() == generated, (
        "the parser's tables changed: python -m ue_stack.scenarios.schema > "
        "docs/schema/scenario.schema.json")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(COMMITTED.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_scenario_validates(validator, name):
    errors = [e.message for e in validator.iter_errors(tomllib.loads(builtin_text(name)))]
    assert not errors, errors


def test_a_misspelt_step_field_fails_the_schema_and_the_parser(validator):
    text = builtin_text("happy-path").replace("af_fqdn", "af_fdqn", 1)
    assert list(validator.iter_errors(tomllib.loads(text)))
    with pytest.raises(InputError):
        parse_scenario(text, "mine.toml")
