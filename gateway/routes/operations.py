"""Liveness, readiness, the OpenAPI document and its docs page."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import eventlet
from werkzeug.wrappers import Response

from common.config import SERVICES
from common.errors import DomainError
from common.remote import call
from gateway.http import json_response, route
from gateway.openapi import DOCS_HTML, DOCS_INIT_JS, build_spec
from gateway.web import http

try:
    from swagger_ui_bundle import swagger_ui_path
except ImportError:  # the docs page is a nicety; the API does not depend on it
    swagger_ui_path = None

READINESS_TIMEOUT = 2.0
CONSOLE_DIR = Path(__file__).resolve().parents[2] / "console" / "dist"


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

    @http("GET", "/docs/init.js")
    def docs_init(self, request):
        return Response(DOCS_INIT_JS, mimetype="text/javascript")

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

    # -- the reference web console (built into console/dist by `make up` when Node is present)

    @http("GET", "/console")
    def console_root(self, request):
        return Response(status=308, headers={"Location": "/console/"})

    @http("GET", "/console/")
    def console_index(self, request):
        return self.console_file(request, "index.html")

    @http("GET", "/console/<path:path>")
    def console_file(self, request, path: str):
        root = CONSOLE_DIR.resolve()
        target = (root / path).resolve()
        if not root.is_dir():
            return Response(
                "控制台尚未构建:安装 Node.js 后运行 make up(API 不受影响)。\n"
                "The console is not built: install Node.js and run make up (the API works without it).\n",
                status=404,
                mimetype="text/plain",
            )
        if root not in target.parents and target != root:
            return Response("not found", status=404)
        if not target.is_file():
            target = root / "index.html"  # client-side routes
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        response = Response(target.read_bytes(), mimetype=mime)
        if "/assets/" in str(target):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
