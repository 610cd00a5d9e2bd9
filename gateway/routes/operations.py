"""Liveness, readiness, the OpenAPI document and its docs page."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import eventlet
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from common.config import SERVICES
from common.errors import DomainError
from common.remote import call
from gateway.http import json_response, route
from gateway.openapi import DOCS_HTML, build_spec

try:
    from swagger_ui_bundle import swagger_ui_path
except ImportError:  # the docs page is a nicety; the API does not depend on it
    swagger_ui_path = None

READINESS_TIMEOUT = 2.0


class OperationsRoutes:
    _spec: dict | None = None

    # -- operations -------------------------------------------------------------------

    @route("GET", "/healthz", summary="进程存活 / liveness", tag="operations", auth=False)
    def healthz(self, request):
        return {"status": "ok"}

    @route(
        "GET", "/readyz", summary="就绪:消息总线与各服务均可应答 / readiness", tag="operations", auth=False
    )
    def readyz(self, request):
        pool = eventlet.GreenPool(len(SERVICES))

        def ping(service: str) -> tuple[str, str]:
            try:
                call(getattr(self, service), service, "ping", timeout=READINESS_TIMEOUT)
                return service, "ok"
            except DomainError as error:
                return service, error.code

        checks = dict(pool.imap(ping, SERVICES))
        ready = all(v == "ok" for v in checks.values())
        return json_response(
            {"status": "ready" if ready else "not_ready", "services": checks}, 200 if ready else 503
        )

    @route(
        "GET",
        "/api/v1/ping",
        summary="经网关到服务的空调用(基准参照)/ bare RPC round trip",
        tag="operations",
        auth=False,
    )
    def ping(self, request):
        # The reference path of the gateway benchmark: HTTP + one RPC, no token, no database.
        return {"pong": call(self.grids, "grids", "ping")}

    @http("GET", "/openapi.json")
    def openapi(self, request):
        if OperationsRoutes._spec is None:
            OperationsRoutes._spec = build_spec()
        return json_response(OperationsRoutes._spec)

    @http("GET", "/docs")
    def docs(self, request):
        return Response(DOCS_HTML, mimetype="text/html")

    @http("GET", "/docs/static/<string:name>")
    def docs_static(self, request, name: str):
        if swagger_ui_path is None or "/" in name or name.startswith("."):
            return Response("not found", status=404)
        path = Path(swagger_ui_path) / name
        if not path.is_file():
            return Response("not found", status=404)
        return Response(
            path.read_bytes(), mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
