"""The OpenAPI document is valid OpenAPI 3 and describes every route with its errors."""

from openapi_spec_validator import validate

import gateway.service  # noqa: F401 - registers the routes
from gateway.http import ROUTES, openapi_path
from gateway.openapi import build_spec


def test_spec_is_valid_openapi_3():
    spec = build_spec()
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_route_is_documented_with_problems():
    spec = build_spec()
    assert len(ROUTES) >= 18
    for route in ROUTES:
        path, _ = openapi_path(route.path)
        operation = spec["paths"][path][route.method.lower()]
        assert operation["summary"]
        if route.auth:
            assert operation["security"] == [{"bearer": []}]
            assert "401" in operation["responses"] and "403" in operation["responses"]
        assert "503" in operation["responses"] and "504" in operation["responses"]
    assert spec["components"]["schemas"]["Problem"]["properties"]["code"]["type"] == "string"
    tree = spec["paths"]["/api/v1/org-units/{unit_id}"]["get"]
    assert tree["parameters"][0] == {
        "in": "path",
        "name": "unit_id",
        "required": True,
        "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1},
    }


def test_every_rate_is_documented_as_a_fraction():
    """One convention: rates are fractions from 0 to 1 in every answer."""
    rates = {
        (name, prop): spec
        for name, schema_ in build_spec()["components"]["schemas"].items()
        for prop, spec in schema_.get("properties", {}).items()
        if prop.endswith("_rate")
    }
    assert len(rates) >= 8
    wrong = [
        k
        for k, s in rates.items()
        if s.get("maximum") != 1 or s.get("minimum") != 0 or "0 到 1" not in s.get("description", "")
    ]
    assert wrong == []
