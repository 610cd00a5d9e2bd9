"""The edges of input every contract shares: ids, integers, literal searches."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from common.contracts.base import load
from common.contracts.fieldwork import PublicMailboxMedia
from common.contracts.grids import HouseholdsQuery, PersonCreate
from common.contracts.ids import MAX_ID, valid_id, valid_path_int
from common.contracts.messages import to_english
from common.contracts.procedures import ProjectCreate
from common.contracts.tasks import TaskCreate
from common.errors import DomainError
from common.storage import contains_text, make_engine
from gateway.openapi import build_spec

TASK = {"title": "秋季防火巡查", "target_ids": [1]}


def refused(contract, payload) -> dict:
    with pytest.raises(DomainError) as caught:
        load(contract, payload)
    assert caught.value.code == "validation_failed" and caught.value.status == 422
    return caught.value.fields


@pytest.mark.parametrize("bad", [0, -1, MAX_ID + 1, 2**64, 6.5, 6.0, "6", True, None, [1], {"id": 1}])
def test_a_body_id_is_a_positive_64_bit_json_integer(bad):
    errors = refused(TaskCreate(), {**TASK, "target_ids": [bad]})
    message = "不能为空" if bad is None else "应为正整数编号"
    assert errors == {"target_ids": {0: [message]}}
    english = "Field may not be null." if bad is None else "Must be a positive whole number id."
    assert to_english(errors) == {"target_ids": {0: [english]}}


def test_the_largest_id_is_taken_and_its_message_translates():
    assert load(TaskCreate(), {**TASK, "target_ids": [MAX_ID]})["target_ids"] == [MAX_ID]
    errors = refused(ProjectCreate(), {"township_id": 0})
    assert errors["township_id"] == ["应为正整数编号"]
    assert to_english(errors)["township_id"] == ["Must be a positive whole number id."]


@pytest.mark.parametrize(
    "text,ok", [("7", 7), ("007", 7), ("-7", None), ("7.5", None), ("1e3", None), ("٧", None)]
)
def test_a_query_string_id_is_decimal_digits(text, ok):
    if ok is None:
        assert "grid_id" in refused(HouseholdsQuery(), {"grid_id": text})
    else:
        assert load(HouseholdsQuery(), {"grid_id": text})["grid_id"] == ok


def test_every_integer_field_refuses_fractions_and_overflow():
    project = {"title": "x", "description": "x", "criteria": ["a"], "matter_code": "A1"}
    project["deadline"] = "2030-01-01T00:00:00+08:00"
    errors = refused(ProjectCreate(), {**project, "budget": 6.5})
    assert errors == {"budget": ["应为整数"]}
    assert to_english(errors) == {"budget": ["Must be a whole number."]}
    assert refused(ProjectCreate(), {**project, "budget": 10**30}) == {"budget": ["数值过大"]}
    assert load(ProjectCreate(), {**project, "budget": 600})["budget"] == 600


def test_an_id_in_a_body_is_never_a_string():
    person = {"code": "P1", "name": "张三", "roles": ["grid_worker"]}
    assert refused(PersonCreate(), {**person, "org_unit_id": "1"})["org_unit_id"] == ["应为正整数编号"]


def test_path_ids_outside_64_bits_name_nothing():
    assert valid_id(1) and valid_id(MAX_ID)
    assert not any(valid_id(v) for v in (0, -1, MAX_ID + 1, True, "1", 1.0))
    # a step's position counts from 0; ids from 1
    assert valid_path_int("position", 0) and not valid_path_int("task_id", 0)
    assert not valid_path_int("position", MAX_ID + 1)


def test_a_form_beside_an_upload_carries_ids_as_digits():
    form = {"grid_id": "12", "phone": "13900002222"}
    assert load(PublicMailboxMedia(), form)["grid_id"] == 12
    assert refused(PublicMailboxMedia(), {**form, "grid_id": "12.5"}) == {"grid_id": ["应为正整数编号"]}


def test_openapi_declares_id_bounds_in_paths_and_bodies():
    spec = build_spec()
    bounds = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
    (param,) = spec["paths"]["/api/v1/tasks/{task_id}"]["get"]["parameters"]
    assert param["schema"] == bounds
    body = spec["components"]["schemas"]["TaskCreate"]["properties"]["target_ids"]
    assert body["items"] == bounds


@pytest.mark.parametrize(
    "search,expected", [("100%", ["100%达标"]), ("a_b", ["a_b"]), ("\\", ["back\\slash"])]
)
def test_wildcards_in_a_search_match_themselves(tmp_path, search, expected):
    engine = make_engine(f"sqlite:///{tmp_path / 'search.db'}")
    table = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(50)))
    table.metadata.create_all(engine)
    names = ["100%达标", "1000 户", "a_b", "axb", "back\\slash", "plain"]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"name": n} for n in names])
        found = conn.scalars(select(table.c.name).where(contains_text([table.c.name], search))).all()
    assert sorted(found) == expected
