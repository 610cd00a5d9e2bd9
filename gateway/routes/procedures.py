"""Routes of the procedures area: procedure templates, running a procedure step by step
with its evidence (五议两公开, 村务联席会议), the ledger chain's verification and export,
the project board (揭榜) and the statistics of all three."""

from __future__ import annotations

import base64

from common import roles as groups
from common.contracts import procedures as c
from common.remote import call, rpc_timeout
from gateway.http import route
from gateway.routes.tasks import _xlsx


class ProceduresRoutes:
    # -- templates ---------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/procedure-templates",
        summary="议事程序模板 / procedure templates",
        tag="procedures",
        response=c.Template,
        many=True,
    )
    def template_list(self, request, actor):
        return call(self.tasks, "tasks", "template_list", actor)

    @route(
        "POST",
        "/api/v1/procedure-templates/seed-default",
        summary="载入默认程序模板 / load the default templates",
        tag="procedures",
        response=c.TemplateReport,
        roles=groups.COUNTY_ADMIN,
    )
    def template_seed_default(self, request, actor):
        return call(self.tasks, "tasks", "template_seed_default", actor)

    @route(
        "POST",
        "/api/v1/procedure-templates",
        summary="新增程序模板 / add a template",
        tag="procedures",
        body=c.TemplateCreate,
        response=c.Template,
        status=201,
        roles=groups.COUNTY_ADMIN,
    )
    def template_create(self, request, actor, body):
        return call(self.tasks, "tasks", "template_create", actor, body)

    @route(
        "GET",
        "/api/v1/procedure-templates/<string:code>",
        summary="程序模板及历史版本 / a template and its versions",
        tag="procedures",
        response=c.TemplateDetail,
    )
    def template_get(self, request, actor, code):
        return call(self.tasks, "tasks", "template_get", actor, code)

    @route(
        "PUT",
        "/api/v1/procedure-templates/<string:code>",
        summary="调整程序模板(生成新版本)/ new version of a template",
        tag="procedures",
        body=c.TemplateUpdate,
        response=c.Template,
        roles=groups.COUNTY_ADMIN,
    )
    def template_update(self, request, actor, code, body):
        return call(self.tasks, "tasks", "template_update", actor, code, body)

    # -- procedures --------------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/procedures",
        summary="启动议事程序 / start a procedure for a matter",
        tag="procedures",
        body=c.ProcedureStart,
        response=c.Procedure,
        status=201,
        roles=groups.PROCEDURE_STARTERS,
    )
    def procedure_start(self, request, actor, body):
        return call(self.tasks, "tasks", "procedure_start", actor, body)

    @route(
        "GET",
        "/api/v1/procedures",
        summary="议事程序 / procedures",
        tag="procedures",
        query=c.ProceduresQuery,
        response=c.ProcedurePage,
    )
    def procedure_list(self, request, actor, query):
        return call(self.tasks, "tasks", "procedure_list", actor, query)

    @route(
        "GET",
        "/api/v1/procedures/<int:procedure_id>",
        summary="议事程序详情 / a procedure with its steps and returns",
        tag="procedures",
        response=c.Procedure,
    )
    def procedure_get(self, request, actor, procedure_id):
        return call(self.tasks, "tasks", "procedure_get", actor, procedure_id)

    @route(
        "POST",
        "/api/v1/procedures/<int:procedure_id>/steps/<int:position>/complete",
        summary="完成程序步骤(附佐证)/ complete a step with its evidence",
        tag="procedures",
        body=c.StepComplete,
        response=c.Procedure,
        roles=groups.PROCEDURE_STARTERS,
        description="按顺序办理;佐证或规则不满足时该步骤被退回并留痕,返回 422 step_returned 及原因。",
    )
    def procedure_complete_step(self, request, actor, procedure_id, position, body):
        return call(self.tasks, "tasks", "procedure_complete_step", actor, procedure_id, position, body)

    # -- the ledger chain --------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/ledger-chain/verify",
        summary="校验台账哈希链 / verify the ledger chains",
        tag="ledger",
        query=c.ChainQuery,
        response=c.ChainReport,
        roles=groups.CHAIN_READERS,
        description="逐村校验每条台账记录的规范内容、前一哈希与本条哈希,报告第一处断链。",
    )
    def ledger_chain_verify(self, request, actor, query):
        return call(self.tasks, "tasks", "ledger_chain_verify", actor, query, timeout=max(rpc_timeout(), 30))

    @route(
        "GET",
        "/api/v1/ledger-chain/export",
        summary="导出村台账及哈希(.xlsx)/ a village's chained ledger for archives",
        tag="ledger",
        query=c.ChainExportQuery,
        roles=groups.CHAIN_READERS,
    )
    def ledger_chain_export(self, request, actor, query):
        result = call(
            self.tasks, "tasks", "ledger_chain_export", actor, query, timeout=max(rpc_timeout(), 30)
        )
        name = f"ledger-chain-{query.get('ledger')}-{query.get('village_id')}.xlsx"
        return _xlsx(base64.b64decode(result["content_b64"]), name)

    # -- project board -----------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/projects",
        summary="发布揭榜项目 / post a project",
        tag="projects",
        body=c.ProjectCreate,
        response=c.ProjectDetail,
        status=201,
        roles=groups.TOWNSHIP,
    )
    def project_post(self, request, actor, body):
        return call(self.tasks, "tasks", "project_post", actor, body)

    @route(
        "GET",
        "/api/v1/projects",
        summary="揭榜项目 / the project board",
        tag="projects",
        query=c.ProjectsQuery,
        response=c.ProjectPage,
    )
    def project_list(self, request, actor, query):
        return call(self.tasks, "tasks", "project_list", actor, query)

    @route(
        "GET",
        "/api/v1/projects/<int:project_id>",
        summary="揭榜项目及竞榜材料对比 / a project and its bids side by side",
        tag="projects",
        response=c.ProjectDetail,
    )
    def project_get(self, request, actor, project_id):
        return call(self.tasks, "tasks", "project_get", actor, project_id)

    @route(
        "POST",
        "/api/v1/projects/<int:project_id>/bids",
        summary="竞榜 / bid for a project",
        tag="projects",
        body=c.BidCreate,
        response=c.Bid,
        status=201,
        roles=groups.BIDDERS,
    )
    def project_bid(self, request, actor, project_id, body):
        return call(self.tasks, "tasks", "project_bid", actor, project_id, body)

    @route(
        "POST",
        "/api/v1/projects/<int:project_id>/award",
        summary="公开揭榜 / award a project",
        tag="projects",
        body=c.AwardRequest,
        response=c.ProjectDetail,
        roles=groups.TOWNSHIP,
        description="竞榜截止后,乡镇比较各村材料并说明理由公开揭榜;揭榜即生成给中榜村的任务(过筛、审核、派单)。",
    )
    def project_award(self, request, actor, project_id, body):
        return call(
            self.tasks, "tasks", "project_award", actor, project_id, body, timeout=max(rpc_timeout(), 15)
        )

    # -- statistics --------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/stats/procedures",
        summary="议事程序与揭榜统计 / procedures and project board statistics",
        tag="procedures",
        query=c.StatsQuery,
        response=c.ProcedureStats,
        roles=groups.PROCEDURE_FIGURE_READERS,
    )
    def procedures_stats(self, request, actor, query):
        return call(self.tasks, "tasks", "procedures_stats_summary", actor, query)
