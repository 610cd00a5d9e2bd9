"""Routes of the tasks area: the matter catalogue, tasks (screening, review, dispatch),
assignments ("my tasks"), the ledger and task statistics (taskflow capability)."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from common import roles as groups
from common.contracts import catalogue
from common.contracts import figures as f
from common.contracts import tasks as t
from common.contracts.screening import SuggestAnswer
from common.remote import call, rpc_timeout
from gateway.http import route

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(
        content, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


class TaskflowRoutes:
    # -- catalogue ---------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/catalogue",
        summary="事项清单 / matter catalogue",
        tag="catalogue",
        query=catalogue.CatalogueQuery,
        response=catalogue.CatalogueMatterPage,
    )
    def catalogue_list(self, request, actor, query):
        return call(self.tasks, "tasks", "catalogue_list", actor, query)

    @route(
        "GET",
        "/api/v1/catalogue/export",
        summary="导出事项清单(.xlsx)/ export the catalogue",
        tag="catalogue",
    )
    def catalogue_export(self, request, actor):
        content = base64.b64decode(call(self.tasks, "tasks", "catalogue_export", actor))
        return _xlsx(content, "catalogue.xlsx")

    @route(
        "POST",
        "/api/v1/catalogue/import",
        summary="导入事项清单(.xlsx)/ import the catalogue",
        tag="catalogue",
        upload=True,
        response=catalogue.CatalogueReport,
        roles=groups.COUNTY_ADMIN,
        description="表头:事项编码、事项名称、类别、可派层级、主管部门、默认期限(天)、重大事项、完成佐证、关键词、说明、状态。"
        "新编码新增,内容有变化的生成新版本,状态为“停用”的停用;整体校验,有错误则不写入。",
    )
    def catalogue_import(self, request, actor, upload):
        _, content = upload
        encoded = base64.b64encode(content).decode("ascii")
        return call(self.tasks, "tasks", "catalogue_import", actor, encoded, timeout=max(rpc_timeout(), 60))

    @route(
        "POST",
        "/api/v1/catalogue/seed-default",
        summary="载入默认事项清单 / load the default catalogue",
        tag="catalogue",
        response=catalogue.CatalogueReport,
        roles=groups.COUNTY_ADMIN,
    )
    def catalogue_seed_default(self, request, actor):
        return call(self.tasks, "tasks", "catalogue_seed_default", actor)

    @route(
        "POST",
        "/api/v1/catalogue/suggest",
        summary="按任务内容推荐事项 / suggest matters for a text",
        tag="catalogue",
        body=catalogue.SuggestRequest,
        response=SuggestAnswer,
        description="按名称、别名、关键词(jieba 分词,BM25)打分;低于置信度阈值时返回 no_match 和“未找到匹配事项”。",
    )
    def catalogue_suggest(self, request, actor, body):
        return call(self.tasks, "tasks", "catalogue_suggest", actor, body)

    @route(
        "POST",
        "/api/v1/catalogue",
        summary="新增事项 / add a matter",
        tag="catalogue",
        body=catalogue.CatalogueMatterCreate,
        response=catalogue.CatalogueMatter,
        status=201,
        roles=groups.COUNTY_ADMIN,
    )
    def catalogue_create(self, request, actor, body):
        return call(self.tasks, "tasks", "catalogue_create", actor, body)

    @route(
        "GET",
        "/api/v1/catalogue/<string:code>",
        summary="事项详情及历史版本 / a matter and its versions",
        tag="catalogue",
        response=catalogue.CatalogueMatterDetail,
    )
    def catalogue_get(self, request, actor, code):
        return call(self.tasks, "tasks", "catalogue_get", actor, code)

    @route(
        "PUT",
        "/api/v1/catalogue/<string:code>",
        summary="修改事项(生成新版本)/ new version of a matter",
        tag="catalogue",
        body=catalogue.CatalogueMatterUpdate,
        response=catalogue.CatalogueMatter,
        roles=groups.COUNTY_ADMIN,
    )
    def catalogue_update(self, request, actor, body, code):
        return call(self.tasks, "tasks", "catalogue_update", actor, code, body)

    @route(
        "POST",
        "/api/v1/catalogue/<string:code>/retire",
        summary="停用事项 / retire a matter",
        tag="catalogue",
        response=catalogue.CatalogueMatter,
        roles=groups.COUNTY_ADMIN,
    )
    def catalogue_retire(self, request, actor, code):
        return call(self.tasks, "tasks", "catalogue_retire", actor, code)

    # -- tasks -------------------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/tasks",
        summary="下派任务(自动过筛)/ send a task (screened at once)",
        tag="tasks",
        body=t.TaskCreate,
        response=t.Task,
        status=201,
        roles=groups.TASK_SENDERS,
        description="带过筛编码的任务立即过筛:通过则待镇街审核,否则驳回并写明原因;"
        "不带编码的任务返回三个推荐事项,由发送人选定后补录编码。",
    )
    def task_submit(self, request, actor, body):
        return call(self.tasks, "tasks", "task_submit", actor, body)

    @route(
        "GET",
        "/api/v1/tasks",
        summary="任务列表 / tasks",
        tag="tasks",
        query=t.TasksQuery,
        response=t.TaskPage,
    )
    def task_list(self, request, actor, query):
        return call(self.tasks, "tasks", "task_list", actor, query)

    @route(
        "POST",
        "/api/v1/tasks/check-deadlines",
        summary="立即执行到期提醒与逾期检查 / run the deadline check now",
        tag="tasks",
        body=t.TaskCheckDeadlines,
        response=t.TaskDeadlineReport,
        roles=groups.COUNTY_ADMIN,
    )
    def task_check_deadlines(self, request, actor, body):
        return call(self.tasks, "tasks", "task_check_deadlines", body.get("now"), actor)

    @route("GET", "/api/v1/tasks/<int:task_id>", summary="任务详情 / a task", tag="tasks", response=t.Task)
    def task_get(self, request, actor, task_id):
        return call(self.tasks, "tasks", "task_get", actor, task_id)

    @route(
        "POST",
        "/api/v1/tasks/<int:task_id>/code",
        summary="补录过筛编码 / give the screening code",
        tag="tasks",
        body=t.TaskCode,
        response=t.Task,
        roles=groups.TASK_SENDERS,
    )
    def task_code(self, request, actor, body, task_id):
        return call(self.tasks, "tasks", "task_code", actor, task_id, body)

    @route(
        "POST",
        "/api/v1/tasks/<int:task_id>/approve",
        summary="审核通过 / approve",
        tag="tasks",
        response=t.Task,
        roles=groups.TOWNSHIP,
    )
    def task_approve(self, request, actor, task_id):
        return call(self.tasks, "tasks", "task_approve", actor, task_id)

    @route(
        "POST",
        "/api/v1/tasks/<int:task_id>/return",
        summary="审核退回 / return to the sender",
        tag="tasks",
        body=t.ReasonBody,
        response=t.Task,
        roles=groups.TOWNSHIP,
    )
    def task_return(self, request, actor, body, task_id):
        return call(self.tasks, "tasks", "task_return", actor, task_id, body)

    @route(
        "POST",
        "/api/v1/tasks/<int:task_id>/withdraw",
        summary="撤回任务 / withdraw a task",
        tag="tasks",
        body=t.WithdrawBody,
        response=t.Task,
        roles=groups.TASK_SENDERS,
        description="仅限任务的发送人(或其上级县级管理员),且任务尚在待补过筛编码或待审核;"
        "撤回后不再计入在办任务(多头派单核查),已收到待审核提醒的审核人会收到通知。",
    )
    def task_withdraw(self, request, actor, body, task_id):
        return call(self.tasks, "tasks", "task_withdraw", actor, task_id, body)

    @route(
        "PATCH",
        "/api/v1/tasks/<int:task_id>",
        summary="修改派发对象或期限 / edit targets or deadline",
        tag="tasks",
        body=t.TaskEdit,
        response=t.Task,
        roles=groups.TOWNSHIP,
    )
    def task_edit(self, request, actor, body, task_id):
        return call(self.tasks, "tasks", "task_edit", actor, task_id, body)

    @route(
        "POST",
        "/api/v1/tasks/<int:task_id>/decision",
        summary="记录集体讨论决定 / record the collective decision",
        tag="tasks",
        body=t.DecisionCreate,
        response=t.Task,
        status=201,
        roles=groups.TOWNSHIP,
    )
    def task_decision(self, request, actor, body, task_id):
        return call(self.tasks, "tasks", "task_record_decision", actor, task_id, body)

    @route(
        "POST",
        "/api/v1/tasks/<int:task_id>/dispatch",
        summary="派单(一个、多个或全镇所有村)/ dispatch to villages",
        tag="tasks",
        body=t.DispatchRequest,
        response=t.Task,
        roles=groups.TOWNSHIP,
        description="village_ids:指定村;org_unit_id:该乡镇下任务对象内的所有村;都不填:任务全部对象。",
    )
    def task_dispatch(self, request, actor, body, task_id):
        return call(
            self.tasks, "tasks", "task_dispatch", actor, task_id, body, timeout=max(rpc_timeout(), 30)
        )

    # -- assignments -------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/assignments",
        summary="我的任务 / my tasks",
        tag="assignments",
        query=t.AssignmentsQuery,
        response=t.AssignmentPage,
    )
    def assignment_list(self, request, actor, query):
        return call(self.tasks, "tasks", "assignment_list", actor, query)

    @route(
        "GET",
        "/api/v1/assignments/progress",
        summary="各村办理进度 / progress by village",
        tag="assignments",
        query=t.ProgressQuery,
        response=t.VillageProgress,
        many=True,
    )
    def assignment_progress(self, request, actor, query):
        return call(self.tasks, "tasks", "assignment_progress", actor, query)

    @route(
        "GET",
        "/api/v1/assignments/<int:assignment_id>",
        summary="任务办理单 / an assignment",
        tag="assignments",
        response=t.Assignment,
    )
    def assignment_get(self, request, actor, assignment_id):
        return call(self.tasks, "tasks", "assignment_get", actor, assignment_id)

    @route(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/assign",
        summary="分派到网格或人员 / pass on to a grid or person",
        tag="assignments",
        body=t.AssignRequest,
        response=t.Assignment,
        roles=groups.ASSIGNERS,
        description="grid_id:本村网格(可同时指定该网格的网格员或包格干部 assignee_id);"
        "只填 assignee_id:直接交给本村的村两委干部、网格员或村党组织书记(网格员在其网格办理,其余在村里办理)。"
        "被分派人收到待办提醒。",
    )
    def assignment_assign(self, request, actor, body, assignment_id):
        return call(self.tasks, "tasks", "assignment_assign", actor, assignment_id, body)

    @route(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/claim",
        summary="领办 / claim",
        tag="assignments",
        response=t.Assignment,
        roles=groups.TASK_WORKERS,
    )
    def assignment_claim(self, request, actor, assignment_id):
        return call(self.tasks, "tasks", "assignment_claim", actor, assignment_id)

    @route(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/start",
        summary="开始办理 / start",
        tag="assignments",
        response=t.Assignment,
    )
    def assignment_start(self, request, actor, assignment_id):
        return call(self.tasks, "tasks", "assignment_start", actor, assignment_id)

    @route(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/submit",
        summary="提交办理结果及佐证 / submit with evidence",
        tag="assignments",
        body=t.SubmitRequest,
        response=t.Assignment,
    )
    def assignment_submit(self, request, actor, body, assignment_id):
        return call(self.tasks, "tasks", "assignment_submit", actor, assignment_id, body)

    @route(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/accept",
        summary="验收通过 / accept",
        tag="assignments",
        response=t.Assignment,
    )
    def assignment_accept(self, request, actor, assignment_id):
        return call(self.tasks, "tasks", "assignment_accept", actor, assignment_id)

    @route(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/return",
        summary="退回重办 / return with a reason",
        tag="assignments",
        body=t.ReasonBody,
        response=t.Assignment,
    )
    def assignment_return(self, request, actor, body, assignment_id):
        return call(self.tasks, "tasks", "assignment_return", actor, assignment_id, body)

    # -- ledger ------------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/ledger",
        summary="台账 / the ledger",
        tag="ledger",
        query=t.LedgerQuery,
        response=t.LedgerPage,
    )
    def ledger_list(self, request, actor, query):
        return call(self.tasks, "tasks", "ledger_list", actor, query)

    @route(
        "GET",
        "/api/v1/ledger/export",
        summary="导出村月度台账(.xlsx)/ a village's monthly ledger",
        tag="ledger",
        query=t.LedgerExportQuery,
    )
    def ledger_export(self, request, actor, query):
        result = call(self.tasks, "tasks", "ledger_export", actor, query, timeout=max(rpc_timeout(), 30))
        name = f"ledger-{query.get('village_id')}-{query.get('month')}.xlsx"
        return _xlsx(base64.b64decode(result["content_b64"]), name)

    # -- statistics --------------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/stats/tasks",
        summary="任务统计 / task statistics",
        tag="stats",
        query=t.StatsQuery,
        response=t.TaskStats,
        description="from/to:月份 YYYY-MM;同时给出等长上一周期的数字与变化。",
    )
    def stats_tasks(self, request, actor, query):
        return call(self.tasks, "tasks", "taskflow_stats_summary", actor, query)

    @route(
        "GET",
        "/api/v1/stats/tasks/rejections",
        summary="过筛驳回统计(按原因、发送人、月份)/ rejections",
        tag="stats",
        query=t.RejectionsQuery,
        response=t.RejectionStats,
    )
    def stats_rejections(self, request, actor, query):
        return call(self.tasks, "tasks", "taskflow_stats_rejections", actor, query)

    @route(
        "GET",
        "/api/v1/stats/tasks/villages",
        summary="各村每月收到的任务及环比 / tasks reaching each village",
        tag="stats",
        query=t.StatsQuery,
        response=t.VillageStats,
    )
    def stats_villages(self, request, actor, query):
        return call(self.tasks, "tasks", "taskflow_stats_villages", actor, query)

    @route(
        "GET",
        "/api/v1/stats/figures",
        summary="文章口径的治理成效数据 / the figures the articles quote",
        tag="stats",
        query=f.FiguresQuery,
        response=f.Figures,
        description=(
            "任一地方(org_unit_id,默认本人所在)、任一时段(from/to,月份 YYYY-MM,默认本年)的:过筛驳回件次、"
            "下村进社任务及较上期变化、难事办结率与平均办结天数(本期与上期)、小微事项上报率及变化、"
            "点兵点将解决事项、规范执行的五议两公开与联席会议。上期为紧邻的等长时段。"
        ),
    )
    def stats_figures(self, request, actor, query):
        return call(self.tasks, "tasks", "seed_figures", actor, query)

    @route(
        "GET",
        "/api/v1/stats/figures/export",
        summary="治理成效数据报表(xlsx)/ the figures as a spreadsheet",
        tag="stats",
        query=f.FiguresQuery,
    )
    def stats_figures_export(self, request, actor, query):
        result = call(
            self.tasks, "tasks", "seed_figures_report", actor, query, timeout=max(rpc_timeout(), 30)
        )
        return _xlsx(base64.b64decode(result["content_b64"]), "figures.xlsx")
