"""The route decorator every gateway entrypoint uses, and the HTTP edges it handles:
authentication, JSON parsing, problem+json errors, language, a registry for OpenAPI.

Payload validation belongs to the owning service (its contract schema); the gateway
documents those same schemas and turns their errors into 422 problems.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from marshmallow import Schema
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from common.contracts.ids import MAX_ID, valid_path_int
from common.contracts.messages import to_english
from common.errors import DomainError, not_found
from gateway import clientaddr, session
from gateway.web import http

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 1 * 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass
class RouteSpec:
    method: str
    path: str
    summary: str
    tag: str
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    auth: bool = True
    upload: bool = False
    # the roles that may call it (a group of common.roles), enforced here before the service is
    # asked; empty: anyone signed in, the service deciding by role and place
    roles: tuple[str, ...] = ()
    description: str = ""
    sensitive: bool = False  # answers personal data in full: every successful read is audited


ROUTES: list[RouteSpec] = []


def language(request: Request) -> str:
    header = (request.headers.get("Accept-Language") or "").strip().lower()
    return "en" if header.startswith("en") else "zh"


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, default=_default)
    return Response(body, status=status, mimetype="application/json", headers=headers)


def problem(error: DomainError, lang: str) -> Response:
    body = {
        "type": f"/problems/{error.code}",
        "title": error.message(lang),
        "status": error.status,
        "code": error.code,
    }
    detail = error.params.get("detail_en") if lang == "en" else None
    if detail or error.params.get("detail"):
        body["detail"] = str(detail or error.params["detail"])
    if error.fields:
        body["errors"] = to_english(error.fields) if lang == "en" else error.fields
    response = Response(
        json.dumps(body, ensure_ascii=False, default=_default),
        status=error.status,
        mimetype="application/problem+json",
    )
    response.headers["Content-Language"] = "en" if lang == "en" else "zh-CN"
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="grassroots"'
    if error.status == 503:
        response.headers["Retry-After"] = "5"
    return response


def read_json(request: Request) -> dict:
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise DomainError("payload_too_large")
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise DomainError("unsupported_media_type")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        raise DomainError("payload_too_large")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise DomainError("bad_json") from exc
    if not isinstance(payload, dict):
        raise DomainError("validation_failed", fields={"_schema": ["请求体必须是 JSON 对象"]})
    return payload


def read_upload(request: Request) -> tuple[str, bytes]:
    """The one file of a multipart/form-data upload, as (name, bytes)."""
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
        raise DomainError("payload_too_large")
    if request.mimetype != "multipart/form-data":
        raise DomainError("unsupported_media_type")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError("validation_failed", fields={"file": ["请上传文件(表单字段 file)"]})
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError("payload_too_large")
    return upload.filename, content


def route(method: str, path: str, *, summary: str, tag: str, **options):
    """Register an entrypoint: `fn(self, request, actor=..., query=..., body=..., **path_params)`."""
    spec = RouteSpec(method=method, path=path, summary=summary, tag=tag, **options)
    ROUTES.append(spec)

    def decorator(fn):
        @functools.wraps(fn)
        def entrypoint(self, request: Request, **params):
            lang = language(request)
            client, actor, code = clientaddr.of(request), None, None
            try:
                kwargs = dict(params)
                if not all(valid_path_int(k, v) for k, v in params.items() if isinstance(v, int)):
                    raise not_found("该记录", "The record")  # /tasks/0 or /tasks/2**64 names no row
                if spec.auth:
                    actor = session.authenticate(self, request, f"{method} {path}", client)
                    kwargs["actor"] = actor
                    if spec.roles and not set(actor.get("roles") or ()) & set(spec.roles):
                        raise DomainError("forbidden")
                if spec.query is not None:
                    kwargs["query"] = request.args.to_dict()
                if spec.body is not None:
                    kwargs["body"] = read_json(request)
                if spec.upload:
                    kwargs["upload"] = read_upload(request)
                result = fn(self, request, **kwargs)
                response = result if isinstance(result, Response) else json_response(result, spec.status)
            except DomainError as error:
                code, response = error.code, problem(error, lang)
            except Exception:  # noqa: BLE001 - whatever it was, the client gets a problem, not a stack trace
                log.exception("unhandled error on %s %s", method, path)
                response = problem(DomainError("internal_error"), lang)
            session.after(self, request, actor, client, response, code, spec.sensitive)
            return response

        return http(method, path)(entrypoint)

    return decorator


def unmatched(request: Request, path: str) -> Response:
    """404 or 405 as problem+json for what no route took."""
    rules = Map([Rule(r.path, methods=[r.method], endpoint=str(i)) for i, r in enumerate(ROUTES)])
    try:
        rules.bind("localhost").match("/" + path, method=request.method)
        error = DomainError("route_not_found")
    except MethodNotAllowed:
        error = DomainError("method_not_allowed")
    except NotFound:
        error = DomainError("route_not_found")
    return problem(error, language(request))


ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(path: str) -> tuple[str, list[dict]]:
    """`/org-units/<int:unit_id>` -> (`/org-units/{unit_id}`, its path parameters)."""
    params = []
    for converter, name in _CONVERTER.findall(path):
        schema = {"type": "string"}
        if converter == "int":
            schema = ID_SCHEMA if name.endswith("_id") else {**ID_SCHEMA, "minimum": 0}
        params.append({"in": "path", "name": name, "required": True, "schema": dict(schema)})
    return _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", path), params
