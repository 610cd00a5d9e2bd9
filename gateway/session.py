"""What the gateway does around every authenticated request: check the token against what
every replica knows (sign-outs, credential versions, a pending password change), hand back a
refreshed token, and send the audit record of refusals, exports, reads of personal data in
full and writes."""

from __future__ import annotations

from werkzeug.wrappers import Response

from common.errors import DomainError
from gateway import auditing, auth

# The only routes a person who must change their password may use meanwhile.
PASSWORD_CHANGE_ROUTES = {"POST /api/v1/auth/password", "POST /api/v1/auth/logout", "GET /api/v1/me"}
# Recorded by grids itself, with more detail than the gateway has.
SELF_AUDITED = ("/api/v1/auth/",)


def check(service, actor: dict) -> None:
    """401/403 unless the verified token is still good on this replica."""
    service.revoked.load_from(service.grids)
    if service.revoked.is_revoked(actor["jti"]):
        raise DomainError("token_revoked")
    service.credentials.load_from(service.grids)
    if service.credentials.is_stale(actor["id"], actor["cv"]):
        raise DomainError("credentials_changed")


def authenticate(service, request, route_key: str, client: str) -> dict:
    actor = auth.verify(request.headers.get("Authorization"), service.jwt_secret)
    check(service, actor)
    if actor["pwc"] and route_key not in PASSWORD_CHANGE_ROUTES:
        raise DomainError("password_change_required")
    return actor | {"client": client}


def after(
    service,
    request,
    actor: dict | None,
    client: str,
    response: Response,
    error_code: str | None,
    sensitive: bool = False,
) -> None:
    if actor is not None and response.status_code != 401:
        response.headers["X-Refreshed-Token"] = auth.refresh(actor, service.jwt_secret)
    if error_code == "login_failed" or (request.path.startswith(SELF_AUDITED) and response.status_code < 400):
        return
    disposition = response.headers.get("Content-Disposition", "")
    exported = "attachment" in disposition and not request.path.endswith("/template")
    found = auditing.what_to_record(request.method, response.status_code, exported, sensitive)
    if found is None:
        return
    action, outcome = found
    detail = {"status": response.status_code} | ({"code": error_code} if error_code else {})
    auditing.send(service.audit_publisher, auditing.record(actor, action, request, client, outcome, **detail))
