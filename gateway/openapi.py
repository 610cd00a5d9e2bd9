"""OpenAPI 3 generated from the route registry and the same marshmallow contracts the
services validate with."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from common import roles
from common.contracts.base import Problem
from common.errors import CATALOGUE
from gateway.http import ROUTES, openapi_path
from gateway.openapi_links import add_links

ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "415", "422", "423", "429", "503", "504"}


def build_spec() -> dict:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="基层治理开放平台 API (Grassroots governance platform)",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[marshmallow],
        info={
            "description": "Tasks, field work, scores and events for county, township, village and grid. "
            "Errors are application/problem+json with a stable `code`; messages are Chinese unless "
            "`Accept-Language: en` is sent.",
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Problem", schema=Problem)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    codes_by_status: dict[int, list[str]] = {}
    for code, (status, _, _) in CATALOGUE.items():
        codes_by_status.setdefault(status, []).append(code)
    for status in sorted(ERROR_STATUSES):
        spec.components.response(
            f"E{status}",
            {
                "description": "错误 / error: " + ", ".join(codes_by_status.get(int(status), [])),
                "content": {"application/problem+json": {"schema": problem_ref}},
            },
        )

    paths: dict[str, dict] = {}
    for r in ROUTES:
        path, params = openapi_path(r.path)
        if r.query is not None:
            params = params + [{"in": "query", "schema": r.query}]
        operation: dict = {
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": f"{r.method.lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '').replace('-', '_')}",
            "parameters": params,
            "responses": {},
        }
        if r.description or r.roles:
            operation["description"] = r.description + (
                " 角色 roles: " + ", ".join(f"{roles.label(x)} {x}" for x in r.roles) if r.roles else ""
            )
        if r.roles:
            operation["x-roles"] = list(r.roles)  # enforced by the gateway (gateway/http.py)
        if r.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": r.body}}}
        if r.upload:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"file": {"type": "string", "format": "binary"}},
                            "required": ["file"],
                        }
                    }
                },
            }
        ok: dict = {"description": "成功 / OK"}
        if r.response is not None:
            schema = {"type": "array", "items": r.response} if r.many else r.response
            ok["content"] = {"application/json": {"schema": schema}}
        operation["responses"][str(r.status)] = ok
        statuses = {
            "404",
            "422",
            "429",
            "503",
            "504",
        }  # 404: what a request names may not exist; 429: rate limits
        if r.body is not None or r.upload:
            statuses |= {"400", "413", "415"}
        if r.method != "GET":
            statuses.add("409")  # a change that conflicts with the current state
        if r.path == "/api/v1/auth/login":
            statuses.add("423")  # account locked
        if r.auth:
            operation["security"] = [{"bearer": []}]
            statuses |= {"401", "403", "404"}
        for status in sorted(statuses):
            operation["responses"][status] = {"$ref": f"#/components/responses/E{status}"}
        paths.setdefault(path, {})[r.method.lower()] = operation
    add_links(paths)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


DOCS_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>基层治理开放平台 API 文档</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""
# A file of its own, not an inline script, so the page's CSP can say script-src 'self'.
DOCS_INIT_JS = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true});
"""
