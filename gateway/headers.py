"""Security headers on every answer the gateway gives, whichever entrypoint made it.

A WSGI middleware (gateway.web installs it) so that nothing is missed: API answers and
their problems, the catch-all 404s, werkzeug's own 405s, /docs, the console, attachments
and Open311 all pass through it. No page may be framed (clickjacking), no type sniffed,
no referrer leaked; API answers are never cached (they carry personal data); each HTML
page gets the narrowest Content-Security-Policy it works under, and HSTS goes out only on
a TLS connection (over plain HTTP a browser would ignore it anyway).
"""

from __future__ import annotations

HSTS = "max-age=31536000; includeSubDomains"
_TAIL = "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
# The console (Vue 3 + Element Plus + ECharts, built by Vite): scripts from its own files
# only; Element Plus and ECharts set inline style attributes, so styles may be inline.
# Attachments are fetched with the bearer token and shown from blob: URLs: photos as images,
# voice messages (喊一喊) in an <audio> player on the phone app.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; " + _TAIL
)
# Swagger UI: its bundle and our init script from /docs/static; it inlines styles and
# data: SVG icons, and fetches /openapi.json and the API it tries out.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; " + _TAIL
)
# Everything else is data, never a page: nothing may load from it.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"


def csp_for(path: str) -> str:
    if path == "/console" or path.startswith("/console/"):
        return CONSOLE_CSP
    if path == "/docs" or path.startswith("/docs/"):
        return DOCS_CSP
    return DATA_CSP


def secure(headers: list[tuple[str, str]], path: str, tls: bool) -> list[tuple[str, str]]:
    """`headers` of an answer to `path`, with the security headers set (ours win)."""
    ours = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": csp_for(path),
    }
    if path.startswith("/api/"):
        ours["Cache-Control"] = "no-store"
    if tls:
        ours["Strict-Transport-Security"] = HSTS
    own = next((v for k, v in headers if k.lower() == "content-security-policy"), None)
    if own:  # a route's own (an attachment's sandbox) is stricter: keep it, never framed
        ours["Content-Security-Policy"] = (
            own if "frame-ancestors" in own else f"{own}; frame-ancestors 'none'"
        )
    names = {name.lower() for name in ours}
    return [(k, v) for k, v in headers if k.lower() not in names] + list(ours.items())


def middleware(app, tls: bool):
    """Wrap a WSGI app so every response it starts carries the headers above."""

    def secured(environ, start_response):
        path = environ.get("PATH_INFO") or "/"

        def start(status, headers, exc_info=None):
            return start_response(status, secure(headers, path, tls), exc_info)

        return app(environ, start)

    return secured
