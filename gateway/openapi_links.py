"""OpenAPI links: what a created resource's id leads to.

A POST to a collection that answers with the new resource links to every operation on
that resource (`/tasks` -> `/tasks/{task_id}`, `/tasks/{task_id}/approve`, ...), with its
`id` (or `code`) from the response body and the collection's own path parameters.
Clients and generators can follow them; schemathesis' stateful tests do (tests/e2e).
"""

from __future__ import annotations

import re

PARAM = re.compile(r"\{(\w+)\}")


def _created(operation: dict) -> tuple[dict, set[str]] | None:
    """The success response of `operation` and its body's fields, when it is one object."""
    for status, response in operation["responses"].items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if status.startswith("2") and isinstance(schema, type):
            return response, set(schema._declared_fields)
    return None


def _key(param: str, fields: set[str]) -> str | None:
    """The body field that fills `param`: a catalogue entry is named by its `code`, a row by its `id`."""
    key = "code" if param == "code" else "id" if param.endswith("_id") else None
    return key if key in fields else None


def add_links(paths: dict[str, dict]) -> None:
    for path, operations in paths.items():
        created = _created(operations["post"]) if "post" in operations else None
        if created is None:
            continue
        response, fields = created
        own = PARAM.findall(path)
        links = {}
        for target, target_operations in paths.items():
            rest = target[len(path) + 1 :]
            if not target.startswith(path + "/{") or len(PARAM.findall(rest)) != 1:
                continue  # not on the created resource, or needing ids it did not make
            (new,) = PARAM.findall(rest)
            key = _key(new, fields)
            if key is None:
                continue
            parameters = {p: f"$request.path.{p}" for p in own} | {new: f"$response.body#/{key}"}
            for operation in target_operations.values():
                name = operation["operationId"]
                links[name] = {"operationId": name, "parameters": parameters}
        if links:
            response["links"] = links
