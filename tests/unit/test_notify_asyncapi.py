"""docs/asyncapi.yaml is what scripts/gen_asyncapi.py makes from the event catalogue now:
add an event without regenerating and this fails."""

import importlib.util
from pathlib import Path

import jsonschema
import yaml

from common.contracts.events import CATALOGUE
from common.events import EXCHANGE

ROOT = Path(__file__).resolve().parents[2]


def generator():
    spec = importlib.util.spec_from_file_location("gen_asyncapi", ROOT / "scripts" / "gen_asyncapi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_document_is_the_generated_one():
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert committed == generator().render(), (
        "docs/asyncapi.yaml is stale: run python scripts/gen_asyncapi.py"
    )


def test_every_catalogued_event_has_a_channel_operation_and_json_schema():
    doc = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert doc["asyncapi"] == "3.0.0" and doc["defaultContentType"] == "application/cloudevents+json"
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == set(CATALOGUE)
    schemas = doc["components"]["schemas"]
    for key, channel in doc["channels"].items():
        assert channel["bindings"]["amqp"]["exchange"]["name"] == EXCHANGE
        assert doc["operations"][f"receive_{key}"]["channel"] == {"$ref": f"#/channels/{key}"}
        message = doc["components"]["messages"][key]
        assert message["payload"]["allOf"][1]["properties"]["type"] == {"const": channel["address"]}
        jsonschema.Draft202012Validator.check_schema(schemas[f"{key}_data"])


def test_the_json_schema_accepts_what_the_marshmallow_schema_accepts():
    doc = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
    data = {
        "assignment_id": 1,
        "task_id": 2,
        "matter_code": "M1",
        "status": "returned",
        "actor_id": None,
        "assignee_id": 4,
        "deadline": "2026-12-01",
        "reason": "材料不全",
        "village_id": 5,
    }
    type_ = "grassroots.tasks.assignment.returned.v1"
    assert CATALOGUE[type_].schema().validate(data) == {}
    schema = doc["components"]["schemas"][type_.replace(".", "_") + "_data"]
    jsonschema.validate(data, schema)
    bad = {**data, "assignment_id": "one"}
    assert CATALOGUE[type_].schema().validate(bad)
    try:
        jsonschema.validate(bad, schema)
        raise AssertionError("the JSON Schema accepted a string id")
    except jsonschema.ValidationError:
        pass
