"""Login, the org tree, people, households, links and bulk imports (grids service)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from werkzeug.wrappers import Response

from common import roles as groups
from common.contracts import grids as g
from common.contracts.base import load
from common.errors import DomainError
from common.remote import call, rpc_timeout
from gateway import auth, clientaddr
from gateway.http import route
from gateway.ratelimit import login_limiter
from gateway.routes.accounts import account_changed, hashing_timeout, token_answer


class OrgRoutes:
    # -- authentication ---------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/auth/login",
        summary="登录,换取访问令牌 / log in",
        tag="auth",
        auth=False,
        body=g.LoginRequest,
        response=g.LoginResponse,
    )
    def login(self, request, body):
        client = clientaddr.of(request)
        if not login_limiter.allow(client):
            raise DomainError("too_many_requests")
        data = load(g.LoginRequest(), body)
        claims = call(self.grids, "grids", "authenticate", data["username"], data["password"], client)
        return token_answer(self, claims)

    @route("GET", "/api/v1/me", summary="当前登录人 / who am I", tag="auth", response=g.Actor)
    def me(self, request, actor):
        return {k: v for k, v in actor.items() if k not in auth.INTERNAL}

    @route(
        "POST",
        "/api/v1/auth/logout",
        summary="退出登录(令牌作废)/ log out (revoke this token)",
        tag="auth",
        response=g.LogoutResponse,
    )
    def logout(self, request, actor):
        # the whole session ends: refreshed tokens share its jti, and live until its end at most
        expires_at = datetime.fromtimestamp(actor["sexp"], tz=UTC).isoformat()
        result = call(self.grids, "grids", "revoke_token", actor, actor["jti"], expires_at)
        self.revoked.add(actor["jti"], float(actor["sexp"]))  # this replica at once; others via the event
        return result

    @route(
        "GET",
        "/api/v1/audit",
        summary="审计记录 / the audit trail",
        tag="auth",
        query=g.AuditQuery,
        response=g.AuditPage,
        roles=groups.AUDIT_READERS,
        description="县级管理员和审计员看全部记录,镇街领导看本辖区;只读,没有修改或删除接口。",
    )
    def audit_log(self, request, actor, query):
        return call(self.grids, "grids", "audit_log", actor, query)

    # -- org tree ---------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/org/tree",
        summary="组织架构树(本人管辖范围)/ org tree in scope",
        tag="org",
        query=g.TreeQuery,
        response=g.TreeNode,
        many=True,
    )
    def org_tree(self, request, actor, query):
        return call(self.grids, "grids", "tree", actor, query)

    @route(
        "GET", "/api/v1/org-units/<int:unit_id>", summary="组织详情 / org unit", tag="org", response=g.OrgUnit
    )
    def org_unit(self, request, actor, unit_id):
        return call(self.grids, "grids", "org_unit", actor, unit_id)

    @route(
        "POST",
        "/api/v1/org-units",
        summary="新增乡镇、村或网格 / add an org unit",
        tag="org",
        body=g.OrgUnitCreate,
        response=g.OrgUnit,
        status=201,
        roles=groups.TOWNSHIP,
    )
    def create_org_unit(self, request, actor, body):
        return call(self.grids, "grids", "create_org_unit", actor, body)

    @route(
        "GET",
        "/api/v1/departments",
        summary="部门列表 / departments",
        tag="org",
        response=g.Department,
        many=True,
    )
    def departments(self, request, actor):
        return call(self.grids, "grids", "departments", actor)

    # -- people -----------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/people",
        summary="人员列表 / people in scope",
        tag="people",
        query=g.PeopleQuery,
        response=g.PersonPage,
    )
    def people(self, request, actor, query):
        return call(self.grids, "grids", "people", actor, query)

    @route(
        "GET",
        "/api/v1/people/<int:person_id>",
        summary="人员详情 / a person",
        tag="people",
        response=g.Person,
    )
    def person(self, request, actor, person_id):
        return call(self.grids, "grids", "person", actor, person_id)

    @route(
        "POST",
        "/api/v1/people",
        summary="新增人员 / add a person",
        tag="people",
        body=g.PersonCreate,
        response=g.Person,
        status=201,
        roles=groups.ACCOUNT_ADMINS,
    )
    def create_person(self, request, actor, body):
        return call(self.grids, "grids", "create_person", actor, body)

    @route(
        "PUT",
        "/api/v1/people/<int:person_id>/account",
        summary="开通账号或重设密码 / grant a login",
        tag="people",
        body=g.AccountGrant,
        response=g.Person,
        roles=groups.ACCOUNT_ADMINS,
    )
    def grant_account(self, request, actor, person_id, body):
        answer = call(self.grids, "grids", "grant_account", actor, person_id, body, timeout=hashing_timeout())
        return account_changed(self, answer)

    # -- households -------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/households",
        summary="户列表 / households in scope",
        tag="households",
        query=g.HouseholdsQuery,
        response=g.HouseholdPage,
    )
    def households(self, request, actor, query):
        return call(self.grids, "grids", "households", actor, query)

    @route(
        "GET",
        "/api/v1/households/<int:household_id>",
        summary="户详情 / a household",
        tag="households",
        response=g.Household,
    )
    def household(self, request, actor, household_id):
        return call(self.grids, "grids", "household", actor, household_id)

    @route(
        "POST",
        "/api/v1/households",
        summary="新增户 / add a household",
        tag="households",
        body=g.HouseholdCreate,
        response=g.Household,
        status=201,
    )
    def create_household(self, request, actor, body):
        return call(self.grids, "grids", "create_household", actor, body)

    # -- links ------------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/links",
        summary="联系关系(联户、联格、联村)/ links",
        tag="links",
        query=g.LinksQuery,
        response=g.LinkPage,
    )
    def links(self, request, actor, query):
        return call(self.grids, "grids", "links", actor, query)

    @route(
        "POST",
        "/api/v1/links",
        summary="建立联系关系 / create a link",
        tag="links",
        body=g.LinkCreate,
        response=g.Link,
        status=201,
        roles=groups.ACCOUNT_ADMINS,
    )
    def create_link(self, request, actor, body):
        return call(self.grids, "grids", "create_link", actor, body)

    @route(
        "DELETE",
        "/api/v1/links/<int:link_id>",
        summary="解除联系关系 / end a link",
        tag="links",
        response=g.Link,
        roles=groups.ACCOUNT_ADMINS,
    )
    def end_link(self, request, actor, link_id):
        return call(self.grids, "grids", "end_link", actor, link_id)

    # -- imports ----------------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/imports/<string:kind>",
        summary="批量导入(.xlsx/.csv)/ bulk import",
        tag="imports",
        upload=True,
        response=g.ImportReport,
        roles=groups.TOWNSHIP,
        description="kind: tree, people, households, links. 整体校验,有任何错误则不写入,并返回逐行中文错误。",
    )
    def import_file(self, request, actor, upload, kind):
        filename, content = upload
        encoded = base64.b64encode(content).decode("ascii")
        return call(
            self.grids, "grids", "import_file", actor, kind, filename, encoded, timeout=max(rpc_timeout(), 60)
        )

    @route(
        "GET",
        "/api/v1/imports/<string:kind>/template",
        summary="导入模板下载 / import template (.xlsx)",
        tag="imports",
    )
    def import_template(self, request, actor, kind):
        content = base64.b64decode(call(self.grids, "grids", "import_template", kind))
        return Response(
            content,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{kind}-template.xlsx"'},
        )
