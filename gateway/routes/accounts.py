"""One's own account (password change, Open311 api_keys), disabling accounts, and the audit
trail's export (grids service)."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from common import roles as groups
from common.contracts import accounts as a
from common.contracts import grids as g
from common.remote import call, rpc_timeout
from gateway import auth
from gateway.http import route

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hashing_timeout() -> float:
    # argon2 is slow on purpose; a password change verifies one hash and makes another
    return max(rpc_timeout(), 10)


def token_answer(service, claims: dict) -> dict:
    """A new session for `claims` (a login, or the end of a password change)."""
    service.credentials.update(claims["id"], claims.get("cv", 1))
    token = auth.issue(claims, service.jwt_secret, auth.token_lifetime(), auth.idle_seconds())
    actor = {k: v for k, v in claims.items() if k not in ("cv", "must_change_password")}
    return {
        "token": token,
        "token_type": "Bearer",
        "expires_in": min(auth.token_lifetime(), auth.idle_seconds()),
        "actor": actor,
        "must_change_password": bool(claims.get("must_change_password")),
    }


def account_changed(service, answer: dict) -> dict:
    """This replica refuses the person's older tokens at once; the others on the event."""
    person = answer["person"]
    service.credentials.update(person["id"], answer["credential_version"])
    return person


class AccountRoutes:
    @route(
        "POST",
        "/api/v1/auth/password",
        summary="修改本人密码 / change my password",
        tag="auth",
        body=a.PasswordChange,
        response=a.PasswordChanged,
        description="至少 8 位,含大写、小写、数字、特殊字符中的三类,不含账号名,不是常见密码。"
        "修改后此前的登录凭证全部失效,返回新的凭证。",
    )
    def change_password(self, request, actor, body):
        claims = call(self.grids, "grids", "change_password", actor, body, timeout=hashing_timeout())
        return token_answer(self, claims)

    @route(
        "POST",
        "/api/v1/people/<int:person_id>/account/disable",
        summary="停用账号 / disable a login",
        tag="people",
        response=g.Person,
        roles=groups.ACCOUNT_ADMINS,
        description="停用后该账号无法登录,已签发的登录凭证立即失效。",
    )
    def disable_account(self, request, actor, person_id):
        return account_changed(
            self, call(self.grids, "grids", "set_account_disabled", actor, person_id, {"disabled": True})
        )

    @route(
        "POST",
        "/api/v1/people/<int:person_id>/account/enable",
        summary="启用账号 / enable a login",
        tag="people",
        response=g.Person,
        roles=groups.ACCOUNT_ADMINS,
    )
    def enable_account(self, request, actor, person_id):
        return account_changed(
            self, call(self.grids, "grids", "set_account_disabled", actor, person_id, {"disabled": False})
        )

    @route(
        "GET",
        "/api/v1/audit/export",
        summary="导出审计记录(.xlsx)/ export the audit trail",
        tag="auth",
        query=g.AuditQuery,
        roles=groups.AUDIT_EXPORTERS,
    )
    def audit_export(self, request, actor, query):
        content = base64.b64decode(call(self.grids, "grids", "audit_export", actor, query, timeout=60))
        return Response(
            content, mimetype=XLSX, headers={"Content-Disposition": 'attachment; filename="audit.xlsx"'}
        )

    # -- Open311 api_keys (residents) ------------------------------------------------

    @route(
        "POST",
        "/api/v1/open311/keys",
        summary="申请 Open311 api_key / issue my Open311 api_key",
        tag="open311",
        response=a.Open311Key,
        status=201,
        roles=groups.RESIDENT,
        description="api_key 只在此时显示一次;平台只保存其摘要。",
    )
    def issue_open311_key(self, request, actor):
        return call(self.grids, "grids", "issue_open311_key", actor)

    @route(
        "GET",
        "/api/v1/open311/keys",
        summary="我的 Open311 api_key / my Open311 api_keys",
        tag="open311",
        response=a.Open311Key,
        many=True,
        roles=groups.RESIDENT,
    )
    def open311_keys(self, request, actor):
        return call(self.grids, "grids", "open311_keys", actor)

    @route(
        "DELETE",
        "/api/v1/open311/keys/<int:key_id>",
        summary="作废 Open311 api_key / revoke an Open311 api_key",
        tag="open311",
        response=a.Open311Key,
        roles=groups.RESIDENT,
    )
    def revoke_open311_key(self, request, actor, key_id):
        return call(self.grids, "grids", "revoke_open311_key", actor, key_id)
