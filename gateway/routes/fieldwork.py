"""Routes of the fieldwork area (tasks service): visit lists and visits, household ratings,
the escalation ladder, the villager mailbox, attachments, alerts and statistics."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from common import roles as groups
from common.contracts import fieldwork as f
from common.remote import call
from gateway.downloads import file_headers
from gateway.http import route

TAG = "fieldwork"


def _client(request) -> str:
    # the address the gateway sees; a proxy in front must not let clients choose their own key
    return request.remote_addr or "unknown"


class FieldworkRoutes:
    # -- visit lists ------------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/visit-lists/generate",
        summary="生成某月走访清单(幂等)/ issue a month's visit lists",
        tag=TAG,
        body=f.GenerateLists,
        response=f.GenerateReport,
        roles=groups.COUNTY_ADMIN,
        description="每月初定时自动生成;重复执行只补齐缺少的部分,不会重复发事件。",
    )
    def visit_lists_generate(self, request, actor, body):
        month = body.get("month")
        return call(self.tasks, "tasks", "visit_generate_lists", month, actor, timeout=120)

    @route(
        "POST",
        "/api/v1/visit-lists/sync",
        summary="从组织服务同步党员联户关系 / refresh the member↔household replica",
        tag=TAG,
        response=f.SyncReport,
        roles=groups.COUNTY_ADMIN,
    )
    def visit_lists_sync(self, request, actor):
        return call(self.tasks, "tasks", "fieldwork_sync_links", actor, timeout=300)

    @route(
        "GET",
        "/api/v1/visit-lists/mine",
        summary="我的走访清单(已走访的户有标记)/ my visit list",
        tag=TAG,
        query=f.MonthQuery,
        response=f.MyList,
        roles=groups.MEMBER,
    )
    def visit_lists_mine(self, request, actor, query):
        return call(self.tasks, "tasks", "visit_my_list", actor, query)

    @route(
        "GET",
        "/api/v1/visit-lists",
        summary="辖区内党员走访进度 / visit progress per member in scope",
        tag=TAG,
        query=f.ListsQuery,
        response=f.ListPage,
        roles=groups.PLACE_LEADERS,
    )
    def visit_lists(self, request, actor, query):
        return call(self.tasks, "tasks", "visit_lists", actor, query)

    # -- visits and ratings -----------------------------------------------------------

    @route(
        "POST",
        "/api/v1/visits",
        summary="记录一次走访 / record a visit",
        tag=TAG,
        body=f.VisitCreate,
        response=f.Visit,
        status=201,
        roles=groups.MEMBER,
        description="走访中提出的诉求各成为一件网格层级的事项(微事快办);系统向该户手机发送一次性评价码。",
    )
    def visit_record(self, request, actor, body):
        return call(self.tasks, "tasks", "visit_record", actor, body)

    @route(
        "GET",
        "/api/v1/visits",
        summary="走访记录 / visits",
        tag=TAG,
        query=f.VisitsQuery,
        response=f.VisitPage,
    )
    def visits(self, request, actor, query):
        return call(self.tasks, "tasks", "visit_list_visits", actor, query)

    @route("GET", "/api/v1/visits/<int:visit_id>", summary="走访详情 / a visit", tag=TAG, response=f.Visit)
    def visit(self, request, actor, visit_id):
        return call(self.tasks, "tasks", "visit_get", actor, visit_id)

    @route(
        "POST",
        "/api/v1/visits/<int:visit_id>/rating-code",
        summary="重发评价码 / send the household a new rating code",
        tag=TAG,
        response=f.RatingCodeSent,
        roles=groups.MEMBER,
        description="仅限走访的党员本人,且该户尚未评价;此前未用的评价码随即作废;每次走访每小时最多 3 次(429)。",
    )
    def rating_code_resend(self, request, actor, visit_id):
        return call(self.tasks, "tasks", "rating_code_resend", actor, visit_id)

    @route(
        "POST",
        "/api/v1/ratings",
        summary="农户凭评价码评价走访 / a household rates a visit with its code",
        tag=TAG,
        auth=False,
        body=f.RatingSubmit,
        response=f.RatingResult,
        description="无需登录:评价码只发给被走访的户,一次有效;错误次数过多会被暂时拒绝(429)。",
    )
    def rating_submit(self, request, body):
        return call(self.tasks, "tasks", "rating_submit", _client(request), body)

    # -- matters ----------------------------------------------------------------------

    @route(
        "POST",
        "/api/v1/matters",
        summary="上报网格事项 / report a matter in a grid",
        tag=TAG,
        body=f.MatterCreate,
        response=f.Matter,
        status=201,
        roles=groups.MATTER_HANDLERS,
    )
    def matter_create(self, request, actor, body):
        return call(self.tasks, "tasks", "matter_create", actor, body)

    @route(
        "GET",
        "/api/v1/matters",
        summary="事项列表 / matters",
        tag=TAG,
        query=f.MattersQuery,
        response=f.MatterPage,
    )
    def matters(self, request, actor, query):
        return call(self.tasks, "tasks", "matter_list", actor, query)

    @route(
        "GET",
        "/api/v1/matters/<int:matter_id>",
        summary="事项详情及办理台账 / a matter and its ledger",
        tag=TAG,
        response=f.Matter,
    )
    def matter(self, request, actor, matter_id):
        return call(self.tasks, "tasks", "matter_get", actor, matter_id)

    @route(
        "GET",
        "/api/v1/matters/<int:matter_id>/requester",
        summary="诉求人联系方式(完整手机号)/ how to reach the requester",
        tag=TAG,
        response=f.Requester,
        roles=groups.STAFF,
        sensitive=True,
        description="仅限接单部门(事项已派给本部门)和事项当前层级的办理人(网格员、包格干部、村党组织书记、"
        "乡镇四平台);看不到该事项的返回 404,看得到但不是办理人的返回 403。每次查看记入审计记录。",
    )
    def matter_requester(self, request, actor, matter_id):
        return call(self.tasks, "tasks", "matter_requester", actor, matter_id)

    @route(
        "POST",
        "/api/v1/matters/<int:matter_id>/escalate",
        summary="上报上一级(网格→村→乡镇四平台)/ escalate",
        tag=TAG,
        body=f.MatterStep,
        response=f.Matter,
        roles=groups.MATTER_HANDLERS,
    )
    def matter_escalate(self, request, actor, body, matter_id):
        return call(self.tasks, "tasks", "matter_escalate", actor, matter_id, body)

    @route(
        "POST",
        "/api/v1/matters/<int:matter_id>/dispatch",
        summary="四平台派单给部门(点兵点将)/ dispatch to a department",
        tag=TAG,
        body=f.MatterDispatch,
        response=f.Matter,
        roles=groups.DISPATCH_DESKS,
        description="乡镇分管领导、乡镇四平台工作人员,或联系该村的组团干部(组团联村),"
        "只能派给服务该地的部门(县级部门或本乡镇四平台)。",
    )
    def matter_dispatch(self, request, actor, body, matter_id):
        return call(self.tasks, "tasks", "matter_dispatch", actor, matter_id, body)

    @route(
        "POST",
        "/api/v1/matters/<int:matter_id>/take",
        summary="部门接单 / the department takes the order",
        tag=TAG,
        body=f.MatterStep,
        response=f.Matter,
        roles=groups.DEPARTMENT_STAFF,
    )
    def matter_take(self, request, actor, body, matter_id):
        return call(self.tasks, "tasks", "matter_take", actor, matter_id, body)

    @route(
        "POST",
        "/api/v1/matters/<int:matter_id>/resolve",
        summary="办结 / resolve",
        tag=TAG,
        body=f.MatterStep,
        response=f.Matter,
    )
    def matter_resolve(self, request, actor, body, matter_id):
        return call(self.tasks, "tasks", "matter_resolve", actor, matter_id, body)

    @route(
        "POST",
        "/api/v1/matters/<int:matter_id>/rate",
        summary="诉求人评价办理结果 / the requester rates the result",
        tag=TAG,
        body=f.MatterRate,
        response=f.Matter,
    )
    def matter_rate(self, request, actor, body, matter_id):
        return call(self.tasks, "tasks", "matter_rate", actor, matter_id, body)

    @route(
        "POST",
        "/api/v1/matters/check-deadlines",
        summary="按时限自动上报(手动触发)/ escalate overdue matters now",
        tag=TAG,
        body=f.DeadlineCheck,
        response=f.DeadlineReport,
        roles=groups.COUNTY_ADMIN,
        description="定时任务每分钟执行;可指定 now 以某一时刻为准检查。",
    )
    def matter_check_deadlines(self, request, actor, body):
        return call(self.tasks, "tasks", "matter_check_deadlines", body.get("now"), actor, timeout=60)

    # -- villager mailbox and attachments ---------------------------------------------

    @route(
        "POST",
        "/api/v1/mailbox",
        summary="村民信箱:写一写、喊一喊、拍一拍 / villager mailbox",
        tag=TAG,
        body=f.MailboxCreate,
        response=f.MailboxReceipt,
        status=201,
    )
    def mailbox(self, request, actor, body):
        return call(self.tasks, "tasks", "mailbox_submit", actor, body)

    @route(
        "POST",
        "/api/v1/mailbox/public",
        summary="新乡人留言(无需登录)/ a newcomer writes without an account",
        tag=TAG,
        auth=False,
        body=f.PublicMailboxCreate,
        response=f.MailboxReceipt,
        status=201,
    )
    def mailbox_public(self, request, body):
        return call(self.tasks, "tasks", "mailbox_submit_public", _client(request), body)

    @route(
        "POST",
        "/api/v1/mailbox/public/media",
        summary="新居民随手拍、语音留言(无需登录,限频)/ a newcomer's photo or voice clip",
        tag="mailbox",
        auth=False,
        upload=True,
        response=f.MailboxReceipt,
        status=201,
        description="multipart/form-data: file (照片或语音), grid_id, phone, text (可选).",
    )
    def mailbox_public_media(self, request, upload):
        filename, content = upload
        form = request.form.to_dict()
        form.pop("file", None)
        encoded = base64.b64encode(content).decode("ascii")
        return call(
            self.tasks, "tasks", "mailbox_submit_public_media", _client(request), form, filename, encoded
        )

    @route(
        "POST",
        "/api/v1/attachments",
        summary="上传照片、语音或文件 / upload an attachment",
        tag=TAG,
        upload=True,
        response=f.Attachment,
        status=201,
        description="表单字段 file;按文件内容识别类型:jpeg/png/webp、mp3/m4a/amr/wav、pdf,不超过 8 MB。",
    )
    def attachment_upload(self, request, actor, upload):
        filename, content = upload
        encoded = base64.b64encode(content).decode("ascii")
        return call(self.tasks, "tasks", "fieldwork_attachment_put", actor, filename, encoded, timeout=30)

    @route("GET", "/api/v1/attachments/<int:attachment_id>", summary="下载附件 / an attachment", tag=TAG)
    def attachment(self, request, actor, attachment_id):
        found = call(self.tasks, "tasks", "fieldwork_attachment_get", actor, attachment_id, timeout=30)
        return Response(
            base64.b64decode(found["content_b64"]),
            mimetype=found["content_type"],
            headers=file_headers(found["content_type"], found.get("filename"), f"attachment-{attachment_id}"),
        )

    # -- alerts, settings, statistics -------------------------------------------------

    @route(
        "GET",
        "/api/v1/alerts",
        summary="预警 / alerts",
        tag=TAG,
        query=f.AlertsQuery,
        response=f.AlertPage,
    )
    def alerts(self, request, actor, query):
        return call(self.tasks, "tasks", "alert_list", actor, query)

    @route(
        "POST",
        "/api/v1/alerts/check",
        summary="检查走访率、完成率并预警(手动触发)/ run the alert check",
        tag=TAG,
        body=f.AlertCheck,
        response=f.AlertReport,
        roles=groups.COUNTY_ADMIN,
    )
    def alerts_check(self, request, actor, body):
        return call(
            self.tasks, "tasks", "alert_check", body.get("month"), body.get("phase"), actor, timeout=120
        )

    @route(
        "GET",
        "/api/v1/stats/fieldwork",
        summary="走访率、完成率、满意度、难事办结率等统计 / fieldwork statistics",
        tag=TAG,
        query=f.StatsQuery,
        response=f.Stats,
        roles=groups.PLACE_LEADERS,
    )
    def fieldwork_stats(self, request, actor, query):
        return call(self.tasks, "tasks", "fieldwork_stats", actor, query, timeout=30)

    @route(
        "GET",
        "/api/v1/stats/fieldwork/settings",
        summary="办理时限与预警阈值 / deadlines and alert thresholds",
        tag=TAG,
        response=f.SettingsView,
        roles=groups.PLACE_LEADERS,
    )
    def fieldwork_settings(self, request, actor):
        return call(self.tasks, "tasks", "fieldwork_settings_get", actor)

    @route(
        "PUT",
        "/api/v1/stats/fieldwork/settings",
        summary="设置本县办理时限与预警阈值 / set the county's deadlines and thresholds",
        tag=TAG,
        body=f.Settings,
        response=f.SettingsView,
        roles=groups.COUNTY_ADMIN,
    )
    def fieldwork_settings_put(self, request, actor, body):
        return call(self.tasks, "tasks", "fieldwork_settings_put", actor, body)
