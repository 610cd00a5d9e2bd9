"""Who is told what: the rule table. Data, not code.

Each rule: `on` — an AMQP topic pattern over event types (so the consumer binds exactly
these patterns, and `grassroots.scoring.praise.#` catches whatever versions scoring adds);
`when` — optional field → allowed values; `people` — fields of `data` holding person ids
(an int or a list of ints); `roles` — org roles at the event's place, resolved through
grids: `grid:<key>` (a key of grids `responsible_for_grid`: grid_workers, cadres,
village_secretaries, team_cadres, for `data.grid_id`), `village:<role>` (people with that
role in `data.village_ids` or `data.village_id`), `township:<role>` (in
`data.township_id`), `county:<role>` (in `data.county_id`), `department:department_staff` (every staff member of
`data.department_id`); `level:role@field` takes the units from `data.field` instead;
`fallback` — roles asked only when `people` gave nobody;
`skip_actor` — the person who did it (`data.actor_id`) is not told (default true);
`title` / `body` — Chinese templates over `data` (a field `x` with labels also gives
`{x_text}`; missing fields render empty); `default_body` when `body` renders empty.
"""

from __future__ import annotations

from common import roles

RULES: list[dict] = [
    # -- grids: a person's own registration and links -----------------------------------
    {
        "on": "grassroots.grids.person.assigned.v1",
        "kind": "assigned",
        "people": ["id"],
        "title": "您的岗位已登记",
        "body": "您已被登记为{roles_text}。",
    },
    {
        "on": "grassroots.grids.link.created.v1",
        "kind": "linked",
        "when": {"kind": ["member_household", "cadre_grid"]},
        "people": ["source_id"],
        "title": "新增{kind_text}",
        "body": "您有一项新的{kind_text}(编号 {target_id})。",
    },
    # -- tasks: dispatch and the life of an assignment ------------------------------------
    {
        "on": "grassroots.tasks.task.dispatched.v1",
        "kind": "dispatched",
        "roles": ["village:village_secretary"],
        "title": "新任务:{title}",
        "body": "镇街已向本村派发任务“{title}”(事项 {matter_code}),截止 {deadline}。",
    },
    {
        "on": "grassroots.tasks.task.received.v1",
        "kind": "review",
        "roles": ["township:township_leader"],
        "title": "待审核任务:{title}",
        "body": "任务“{title}”(事项 {matter_code})已通过过筛,请审核后派发。",
    },
    {  # a task across several townships is reviewed at the county
        "on": "grassroots.tasks.task.received.v1",
        "kind": "review",
        "when": {"township_id": [None]},
        "roles": ["county:county_admin"],
        "title": "待审核任务:{title}",
        "body": "任务“{title}”(事项 {matter_code})涉及多个乡镇,已通过过筛,请审核后派发。",
    },
    {  # the leaders who were asked to review it (task.received) need not any more
        "on": "grassroots.tasks.task.withdrawn.v1",
        "kind": "withdrawn",
        "when": {"from_status": ["pending_review"]},
        "roles": ["township:township_leader"],
        "title": "任务已撤回:{title}",
        "body": "待审核任务“{title}”(事项 {matter_code})已由发送方撤回,无需再审核。{reason}",
    },
    {
        "on": "grassroots.tasks.task.withdrawn.v1",
        "kind": "withdrawn",
        "when": {"from_status": ["pending_review"], "township_id": [None]},
        "roles": ["county:county_admin"],
        "title": "任务已撤回:{title}",
        "body": "待审核任务“{title}”(事项 {matter_code})已由发送方撤回,无需再审核。{reason}",
    },
    {
        "on": "grassroots.tasks.task.returned.v1",
        "kind": "returned",
        "people": ["sender_id"],
        "skip_actor": False,
        "title": "任务被退回:{title}",
        "body": "您发送的任务“{title}”被镇街退回,原因:{reason}。请修改后重新发送。",
    },
    {
        "on": "grassroots.tasks.task.rejected.v1",
        "kind": "rejected",
        "people": ["sender_id"],
        "skip_actor": False,
        "title": "任务未通过过筛:{title}",
        "body": "您发送的任务“{title}”被过筛驳回:{reason_label}。",
    },
    {
        "on": "grassroots.tasks.assignment.assigned.v1",
        "kind": "dispatched",
        "people": ["assignee_id"],
        "title": "派给您的任务:{title}",
        "body": "任务“{title}”已交由您办理,截止 {deadline}。",
    },
    {
        "on": "grassroots.tasks.assignment.returned.v1",
        "kind": "returned",
        "people": ["assignee_id"],
        "fallback": ["village:village_secretary"],
        "title": "任务被退回:{title}",
        "body": "任务“{title}”被退回,原因:{reason}。请修改后重新提交。",
    },
    {
        "on": "grassroots.tasks.assignment.due_soon.v1",
        "kind": "due_soon",
        "people": ["assignee_id"],
        "fallback": ["village:village_secretary"],
        "title": "任务即将到期:{title}",
        "body": "任务“{title}”将于 {deadline} 到期,请抓紧办理。",
    },
    {
        "on": "grassroots.tasks.assignment.overdue.v1",
        "kind": "overdue",
        "people": ["assignee_id"],
        "roles": ["village:village_secretary"],
        "title": "任务已逾期:{title}",
        "body": "任务“{title}”已超过截止时间 {deadline},尚未完成。",
    },
    {
        "on": "grassroots.tasks.assignment.submitted.v1",
        "kind": "acceptance",
        "roles": ["township:township_leader"],
        "title": "待验收:{title}",
        "body": "任务“{title}”已提交办理结果,请验收。",
    },
    {
        "on": "grassroots.tasks.assignment.accepted.v1",
        "kind": "accepted",
        "people": ["assignee_id"],
        "title": "任务已验收:{title}",
        "body": "您办理的任务“{title}”已通过验收。",
    },
    # -- fieldwork: the escalation ladder, ratings and alerts -------------------------------
    {
        "on": "grassroots.tasks.matter.reported.v1",
        "kind": "reported",
        "people": ["handler_id"],
        "fallback": ["grid:grid_workers"],
        "title": "网格新事项:{title}",
        "body": "网格内有新事项“{title}”(来源:{source_text}),请及时处置。",
    },
    {
        "on": "grassroots.tasks.matter.escalated.v1",
        "kind": "escalated",
        "when": {"level": ["village"]},
        "people": ["handler_id"],
        "fallback": ["village:village_secretary"],
        "title": "难事转交给您:{title}",
        "body": "事项“{title}”已从{from_level_text}上报到{level_text}({reason_text}),请协调办理。",
    },
    {
        "on": "grassroots.tasks.matter.escalated.v1",
        "kind": "escalated",
        "when": {"level": ["department"]},
        "people": ["handler_id"],
        "roles": ["township:township_leader"],
        "title": "事项上报至乡镇平台:{title}",
        "body": "事项“{title}”已从{from_level_text}上报到乡镇平台({reason_text}),请派单到部门。",
    },
    {  # every staff member of the department, until one takes it
        "on": "grassroots.tasks.matter.dispatched.v1",
        "kind": "dispatched",
        "people": ["handler_id"],
        "roles": ["department:department_staff"],
        "title": "点兵点将:{title}",
        "body": "乡镇平台已将事项“{title}”派给本部门,请接单办理,截止 {deadline}。",
    },
    # -- the requester is told at each step of their matter --------------------------------
    {
        "on": "grassroots.tasks.matter.escalated.v1",
        "kind": "progress",
        "people": ["reporter_id"],
        "title": "您反映的事项已上报:{title}",
        "body": "您反映的“{title}”已从{from_level_text}转到{level_text}办理。",
    },
    {
        "on": "grassroots.tasks.matter.dispatched.v1",
        "kind": "progress",
        "people": ["reporter_id"],
        "title": "您反映的事项已派到部门:{title}",
        "body": "您反映的“{title}”已由乡镇平台派给职能部门办理。",
    },
    {
        "on": "grassroots.tasks.matter.taken.v1",
        "kind": "progress",
        "people": ["reporter_id"],
        "title": "部门已接单:{title}",
        "body": "职能部门已接单办理您反映的“{title}”。",
    },
    {
        "on": "grassroots.tasks.matter.resolved.v1",
        "kind": "resolved",
        "people": ["reporter_id", "member_id"],
        "title": "事项已办结:{title}",
        "body": "您反映的事项“{title}”已办结,欢迎评价。",
    },
    {
        "on": "grassroots.tasks.matter.rated.v1",
        "kind": "rating",
        "people": ["handler_id"],
        "title": "收到评价:{title}",
        "body": "群众对事项“{title}”的办理评价为 {rating} 星。",
    },
    {
        "on": "grassroots.tasks.visit.rated.v1",
        "kind": "rating",
        "people": ["member_id"],
        "title": "走访获得评价",
        "body": "您 {month} 的一次入户走访获得了 {rating} 星评价。",
    },
    {  # a matter past its time at the top of the ladder: one alert per matter
        "on": "grassroots.tasks.alert.raised.v1",
        "kind": "alert",
        "when": {"kind": ["matter_overdue"]},
        "people": ["person_ids"],
        "skip_actor": False,
        "title": "事项超时预警",
        "body": "{message}",
    },
    {  # lagging rates: one message per person per check, naming every member, grid and village
        "on": "grassroots.tasks.alert_digest.issued.v1",
        "kind": "alert",
        "people": ["person_id"],
        "skip_actor": False,
        "title": "{title}",
        "body": "{message}",
    },
    # -- procedures and the project board --------------------------------------------------
    {
        "on": "grassroots.tasks.procedure.step_returned.v1",
        "kind": "returned",
        "roles": ["village:village_secretary"],
        "skip_actor": False,
        "title": "程序步骤被退回:{title}",
        "body": "“{title}”的一个步骤未通过,请按退回理由补正后重新办理。",
    },
    {
        "on": "grassroots.tasks.project.awarded.v1",
        "kind": "project",
        "people": ["winner_bidder_id"],
        "roles": ["village:village_secretary"],
        "skip_actor": False,
        "title": "揭榜中标:{title}",
        "body": "本村竞榜的项目“{title}”已中标并生成任务,理由:{reason}。请按期办理。",
    },
    {
        "on": "grassroots.tasks.project.awarded.v1",
        "kind": "project",
        "people": ["lost_bidder_ids"],
        "roles": ["village:village_secretary@lost_village_ids"],
        "skip_actor": False,
        "title": "揭榜结果:{title}",
        "body": "项目“{title}”已由其他村揭榜,理由:{reason}。感谢本村参与竞榜。",
    },
    # -- scoring: praise and its own alerts (any version it publishes) ----------------------
    {
        "on": "grassroots.scoring.praise.#",
        "kind": "praise",
        "people": ["person_id", "member_id", "person_ids"],
        "skip_actor": False,
        "title": "您获得表扬",
        "body": "{message}",
        "default_body": "您的工作获得表扬,请到指数与榜单中查看。",
    },
    {
        "on": "grassroots.scoring.score.dropped.#",
        "kind": "alert",
        "people": ["person_id", "member_id", "person_ids"],
        "roles": ["village:village_secretary"],
        "skip_actor": False,
        "title": "指数预警",
        "body": "{message}",
        "default_body": "您负责的工作指数下降,请到指数与榜单中查看。",
    },
    {
        "on": "grassroots.scoring.grid_colour.changed.#",
        "kind": "alert",
        "when": {"colour": ["red"]},
        "roles": ["grid:grid_workers", "village:village_secretary"],
        "skip_actor": False,
        "title": "网格亮红灯",
        "body": "网格本月堡垒指数 {value},被评为红色网格,请关注。",
    },
    # -- hotspots: the township sees a growing cluster of requests early -----------------
    {
        "on": "grassroots.tasks.hotspot.detected.v1",
        "kind": "alert",
        "roles": ["township:township_leader"],
        "skip_actor": False,
        "title": "诉求热点预警:{label}",
        "body": "{message}",
    },
]

ROLE_LABELS = {name: roles.label(name) for name in roles.ROLES}
LEVEL_LABELS = {"grid": "网格", "village": "村", "department": "部门", "township": "乡镇"}

# field -> labels for its values; `{field_text}` in a template shows the label
LABELS: dict[str, dict[str, str]] = {
    "roles": ROLE_LABELS,
    "kind": {"member_household": "联系户", "cadre_grid": "联系网格", "team_village": "联系村"},
    "level": LEVEL_LABELS,
    "from_level": LEVEL_LABELS,
    "reason": {"manual": "人工上报", "deadline": "超时自动上报"},
    "source": {"visit": "走访", "mailbox": "村民信箱", "grid": "网格巡查", "open311": "外部系统"},
}
