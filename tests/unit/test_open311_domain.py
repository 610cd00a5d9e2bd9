"""Open311 rules in plain Python: services from the catalogue, definitions, status words,
the agency responsible, and the GeoReport XML and error rendering of the gateway."""

import json
import xml.etree.ElementTree as ET

import xmltodict

from common.errors import DomainError
from gateway.routes.open311 import error_response, to_xml
from services.tasks.open311 import domain
from services.tasks.taskflow.catalogue_default import default_matters

ROWS = [domain.CatalogueRow(m["code"], m["name"], m["category"], m["keywords"]) for m in default_matters()]


def test_services_are_the_catalogue_categories_with_their_code_prefix():
    services = {s.code: s for s in domain.services_from(ROWS)}
    assert (
        services["RJ"].name == "人居环境" and ("RJ003", "农村生活垃圾收运点位排查") in services["RJ"].matters
    )
    assert (
        services["FX"].name == "防汛防台" and services["QT"].name == "其他诉求" and not services["QT"].matters
    )
    assert list(services) == sorted(services)
    assert "垃圾" in " ".join(services["RJ"].keywords) and len(services["RJ"].keywords) <= 12
    # an empty catalogue still has 其他诉求; a category whose prefix is taken gets a numbered code
    assert [s.code for s in domain.services_from([])] == ["QT"]
    clash = domain.services_from(
        [domain.CatalogueRow("AB1", "a", "甲"), domain.CatalogueRow("AB2", "b", "乙")]
    )
    assert {s.code for s in clash} == {"AB", "AB2", "QT"}


def test_definition_lists_the_matters_and_the_grid_attribute():
    rj = next(s for s in domain.services_from(ROWS) if s.code == "RJ")
    attrs = domain.definition(rj)["attributes"]
    assert [a["code"] for a in attrs] == ["matter_code", "grid_id"] and [a["order"] for a in attrs] == [1, 2]
    assert (
        attrs[0]["datatype"] == "singlevaluelist"
        and {"key": "RJ001", "name": "人居环境整治月度检查"} in attrs[0]["values"]
    )
    qt = domain.definition(domain.Service("QT", "其他诉求", "", [], []))
    assert [a["code"] for a in qt["attributes"]] == ["grid_id"]


def test_status_words_follow_the_ladder():
    assert domain.open311_status("open") == domain.open311_status("taken") == "open"
    assert domain.open311_status("resolved") == domain.open311_status("rated") == "closed"
    names = {"grid": "一网格", "village": "溪口村", "township": "溪口镇"}
    assert domain.agency("grid", None, names) == "一网格网格员"
    assert domain.agency("village", None, names) == "溪口村党组织"
    assert domain.agency("department", None, names) == "溪口镇四平台"
    assert domain.agency("department", "县水务集团", names) == "县水务集团"
    assert domain.status_notes("village", "open", None, "溪口村党组织") == "难事协办(村):由溪口村党组织处理中"
    assert "已接单" in domain.status_notes("department", "taken", None, "县水务集团")
    assert domain.status_notes("department", "resolved", "已修复", "x") == "已办结:已修复"


def test_xml_follows_the_georeport_shapes():
    text = to_xml("services", "service", [{"service_code": "RJ", "metadata": True, "group": None}])
    parsed = xmltodict.parse(text)["services"]["service"]
    assert parsed == {"service_code": "RJ", "metadata": "true", "group": None}
    definition = {
        "service_code": "RJ",
        "attributes": [{"code": "m", "values": [{"key": "a", "name": "<&>"}]}],
    }
    root = ET.fromstring(to_xml("service_definition", None, definition))
    assert root.find("attributes/attribute/values/value/name").text == "<&>"


def test_errors_use_the_specification_format_and_status():
    response = error_response(DomainError("open311_service_unknown", {"code": "ZZ"}), "json", "en")
    assert response.status_code == 404
    assert json.loads(response.get_data()) == [{"code": 404, "description": "No service with code ZZ"}]
    invalid = DomainError("validation_failed", fields={"lat": ["超出范围"]})
    response = error_response(invalid, "xml", "zh")
    assert response.status_code == 400 and response.mimetype == "text/xml"
    error = ET.fromstring(response.get_data()).find("error")
    assert error.findtext("code") == "400" and "lat: 超出范围" in error.findtext("description")
