"""The gateway's web server: nameko's, with TLS when it has a certificate and the
security headers (gateway.headers) on every response.

GOV_TLS_CERT and GOV_TLS_KEY name PEM files; with both set the gateway speaks only HTTPS
on WEB_SERVER_ADDRESS. Without them it speaks HTTP, for a TLS-terminating ingress or
proxy in front (deploy/k8s) and for `make up` on 127.0.0.1. Every entrypoint of the
gateway uses `http` from here, so they all share this one server.
"""

from __future__ import annotations

import logging
import ssl

from eventlet import wsgi
from eventlet.green import ssl as green_ssl
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer

from common.config import env
from gateway import headers

log = logging.getLogger(__name__)


def tls_files() -> tuple[str, str] | None:
    cert, key = env("GOV_TLS_CERT"), env("GOV_TLS_KEY")
    if bool(cert) != bool(key):
        raise RuntimeError("GOV_TLS_CERT and GOV_TLS_KEY must be set together")
    return (cert, key) if cert else None


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = green_ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class GatewayWebServer(WebServer):
    _tls: ssl.SSLContext | None = None

    def setup(self):
        files = tls_files()
        self._tls = tls_context(*files) if files else None  # a bad file stops the start, loudly
        super().setup()

    def get_wsgi_app(self):
        return headers.middleware(super().get_wsgi_app(), tls=self._tls is not None)

    def get_wsgi_server(self, sock, wsgi_app, protocol=None, debug=False):
        if self._tls is None:
            return super().get_wsgi_server(sock, wsgi_app, debug=debug)
        # eventlet's own protocol closes TLS connections cleanly (nameko's skips that)
        return super().get_wsgi_server(sock, wsgi_app, protocol=wsgi.HttpProtocol, debug=debug)

    def process_request(self, sock, address):
        if self._tls is not None:
            # The handshake runs in the request's own green thread, so a client that
            # never completes one holds up nobody else.
            try:
                sock = self._tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                log.info("TLS handshake with %s failed: %s", address, exc)
                sock.close()
                return
        super().process_request(sock, address)


class GatewayHttp(HttpRequestHandler):
    server = GatewayWebServer()


http = GatewayHttp.decorator
