"""Open311 GeoReport v2 under /open311/v2/ (the villager mailbox for outside clients), and
hotspot early warning under /api/v1/hotspots.

GeoReport conventions: the format is the path's extension (`.json` or `.xml`), POST bodies
are form-encoded with attributes as `attribute[code]`, `jurisdiction_id` is optional
(one county per deployment), and errors are `[{"code": 404, "description": "..."}]` (JSON)
or `<errors><error><code/><description/></error></errors>` (XML) with the HTTP status.

Identity: a resident's token as `Authorization: Bearer …`, or the resident's own Open311
key (issued at POST /api/v1/open311/keys) as `api_key`; a token is refused as `api_key`.
Without either, a request is anonymous and needs `phone` and `attribute[grid_id]`.

The GeoReport routes are plain nameko `http` entrypoints, outside the OpenAPI document: their
contract is the GeoReport v2 specification (its formats and error bodies, not problem+json),
and `discovery.json` points clients to it.
"""

from __future__ import annotations

import json
import logging
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from common import roles as groups
from common.contracts import open311 as o
from common.contracts.ids import valid_id
from common.errors import DomainError
from common.remote import call
from gateway import auditing, auth, clientaddr, session
from gateway.http import language, route
from gateway.web import http

log = logging.getLogger(__name__)
BASE = "/open311/v2"
FORMATS = ("json", "xml")
PLURALS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


# -- rendering -------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _element(tag: str, value) -> str:
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_element(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        child = PLURALS.get(tag, "item")
        return f"<{tag}>" + "".join(_element(child, v) for v in value) + f"</{tag}>"
    return f"<{tag}>{_text(value)}</{tag}>"


def to_xml(root: str, item: str | None, payload) -> str:
    """`<root><item>…</item>…</root>` for a list, `<root>…</root>` for one object."""
    if item is None:
        body = _element(root, payload)
    else:
        body = f"<{root}>" + "".join(_element(item, p) for p in payload) + f"</{root}>"
    return '<?xml version="1.0" encoding="utf-8"?>' + body


def render(fmt: str, payload, root: str, item: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(
            to_xml(root, item, payload),
            status=status,
            mimetype="text/xml",
            content_type="text/xml; charset=utf-8",
        )
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


def error_response(error: DomainError, fmt: str, lang: str) -> Response:
    status = 400 if error.status == 422 else error.status
    description = error.message(lang)
    if error.fields:
        details = "; ".join(
            f"{field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
            for field, msgs in error.fields.items()
        )
        description = f"{description}({details})"
    body = [{"code": status, "description": description}]
    response = render(fmt if fmt in FORMATS else "json", body, "errors", "error", status)
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _form(request: Request) -> dict:
    """GeoReport POST fields (form-encoded; query string too), with `attribute[x]` gathered."""
    merged: dict = {}
    for source in (request.args, request.form):
        for key in source:
            values = source.getlist(key)
            merged[key] = ",".join(values) if key.endswith("[]") else values[-1]
    payload: dict = {"attributes": {}}
    for key, value in merged.items():
        if key.startswith("attribute[") and "]" in key:
            payload["attributes"][key[len("attribute[") : key.index("]")]] = value
        elif key != "api_key":
            payload[key] = value
    return payload


class Open311Routes:
    # -- helpers (not entrypoints) ----------------------------------------------------

    def _open311(self, request: Request, fmt: str, run) -> Response:
        lang = language(request)
        try:
            if fmt not in FORMATS:
                raise DomainError("open311_format_unsupported")
            return run(self._open311_actor(request))
        except DomainError as error:
            return error_response(error, fmt, lang)
        except Exception:  # noqa: BLE001 - the client gets a GeoReport error, not a stack trace
            log.exception("unhandled error on %s %s", request.method, request.path)
            return error_response(DomainError("internal_error"), fmt, lang)

    def _open311_actor(self, request: Request) -> dict | None:
        """A session token in the header, or a resident's own api_key (never a token: a
        token in a URL ends up in logs and browser history)."""
        header = request.headers.get("Authorization")
        key = request.values.get("api_key")
        if not header and not key:
            return None
        client = clientaddr.of(request)
        try:
            if header:
                actor = session.authenticate(self, request, "OPEN311", client)
            elif auth.looks_like_jwt(key):
                raise DomainError("open311_api_key_invalid")
            else:
                actor = call(self.grids, "grids", "open311_key_actor", key) | {"client": client}
        except DomainError as exc:
            if exc.code in ("service_unavailable", "service_timeout"):
                raise
            entry = auditing.record(None, "request.refused", request, client, "refused", code=exc.code)
            auditing.send(self.audit_publisher, entry)
            raise DomainError("open311_api_key_invalid") from exc
        return actor

    # -- GeoReport v2 -----------------------------------------------------------------

    @http("GET", BASE + "/discovery.<fmt>")
    def open311_discovery(self, request, fmt):
        def run(actor):
            root = request.host_url.rstrip("/") + BASE + "/"
            return render(
                fmt,
                {
                    "changeset": "2026-11-01T00:00:00Z",
                    "contact": "县社会治理中心 / county governance centre",
                    "key_service": "村民登录后在 /api/v1/open311/keys 申请个人 api_key;未登录须留手机号和网格编号",
                    "endpoints": [
                        {
                            "specification": "http://wiki.open311.org/GeoReport_v2",
                            "url": root,
                            "changeset": "2026-11-01T00:00:00Z",
                            "type": "production",
                            "formats": ["application/json", "text/xml"],
                        }
                    ],
                },
                "discovery",
                None,
            )

        return self._open311(request, fmt, run)

    @http("GET", BASE + "/services.<fmt>")
    def open311_services(self, request, fmt):
        def run(actor):
            found = call(self.tasks, "tasks", "open311_services", request.args.get("jurisdiction_id"))
            return render(fmt, found, "services", "service")

        return self._open311(request, fmt, run)

    @http("GET", BASE + "/services/<code>.<fmt>")
    def open311_service_definition(self, request, code, fmt):
        def run(actor):
            found = call(
                self.tasks, "tasks", "open311_service_definition", code, request.args.get("jurisdiction_id")
            )
            return render(fmt, found, "service_definition", None)

        return self._open311(request, fmt, run)

    @http("POST", BASE + "/requests.<fmt>")
    def open311_submit(self, request, fmt):
        def run(actor):
            receipt = call(
                self.tasks, "tasks", "open311_submit", actor, request.remote_addr or "unknown", _form(request)
            )
            return render(fmt, [receipt], "service_requests", "request", 201)

        return self._open311(request, fmt, run)

    @http("GET", BASE + "/requests.<fmt>")
    def open311_requests(self, request, fmt):
        def run(actor):
            found = call(self.tasks, "tasks", "open311_requests", actor, request.args.to_dict())
            return render(fmt, found, "service_requests", "request")

        return self._open311(request, fmt, run)

    @http("GET", BASE + "/requests/<int:request_id>.<fmt>")
    def open311_request(self, request, request_id, fmt):
        def run(actor):
            if not valid_id(request_id):
                raise DomainError("route_not_found")
            found = call(
                self.tasks, "tasks", "open311_request", actor, request_id, request.args.get("jurisdiction_id")
            )
            return render(fmt, found, "service_requests", "request")

        return self._open311(request, fmt, run)

    # -- hotspot early warning --------------------------------------------------------

    @route(
        "GET",
        "/api/v1/hotspots",
        summary="热点预警(聚类分析、预测预警)/ hotspot alerts in scope",
        tag="hotspots",
        query=o.HotspotsQuery,
        response=o.HotspotPage,
        roles=groups.PLACE_LEADERS,
        description="相似诉求在某村或乡镇本周明显多于往常(z 分数)时的预警,附样例诉求;方法见 docs/hotspots.md。",
    )
    def hotspots(self, request, actor, query):
        return call(self.tasks, "tasks", "hotspot_list", actor, query)

    @route(
        "GET",
        "/api/v1/hotspots/<int:hotspot_id>",
        summary="热点预警详情 / a hotspot alert",
        tag="hotspots",
        response=o.Hotspot,
        roles=groups.PLACE_LEADERS,
    )
    def hotspot(self, request, actor, hotspot_id):
        return call(self.tasks, "tasks", "hotspot_get", actor, hotspot_id)

    @route(
        "POST",
        "/api/v1/hotspots/check",
        summary="检测某周的热点(幂等)/ run the hotspot check for a week",
        tag="hotspots",
        body=o.HotspotCheck,
        response=o.HotspotReport,
        roles=groups.COUNTY_ADMIN,
        description="每小时自动检测本周;重复执行不会重复预警。week 缺省为本周(ISO 周,北京时间)。",
    )
    def hotspot_check(self, request, actor, body):
        return call(self.tasks, "tasks", "hotspot_check", body.get("week"), actor, timeout=60)
