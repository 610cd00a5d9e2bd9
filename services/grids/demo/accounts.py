"""The demo accounts: the people of the demo county who can sign in, one of each role, all
with the same password (changed already, so the demo does not ask for a new one)."""

from __future__ import annotations

from services.grids.domain import Role

DEMO_PASSWORD = "Demo@2026"

DEMO_ACCOUNTS: list[dict] = [
    {
        "username": "admin",
        "role": Role.county_admin.value,
        "description": "县级管理员：青溪县县委社会工作部的平台管理员，可查看和管理全县",
    },
    {
        "username": "township",
        "role": Role.township_leader.value,
        "description": "镇街分管领导：第一个乡镇的分管领导，审核并派发本镇任务",
    },
    {
        "username": "township2",
        "role": Role.township_leader.value,
        "description": "镇街分管领导：第二个乡镇的分管领导，看不到第一个乡镇的数据",
    },
    {
        "username": "dept",
        "role": Role.department_staff.value,
        "description": "部门工作人员：县住建局的工作人员，接收点兵点将派来的工单",
    },
    {
        "username": "secretary",
        "role": Role.village_secretary.value,
        "description": "村党组织书记：第一个乡镇第一个村的书记，接收难事协办",
    },
    {
        "username": "cadre",
        "role": Role.village_cadre.value,
        "description": "村两委干部：同一个村的两委干部，包联该村两个网格（含第一网格）",
    },
    {
        "username": "gridworker",
        "role": Role.grid_worker.value,
        "description": "网格员：该村第一网格的专职网格员",
    },
    {
        "username": "member",
        "role": Role.member.value,
        "description": "党员：第一网格的联户党员，联系约11户",
    },
    {
        "username": "team",
        "role": Role.team_cadre.value,
        "description": "组团干部：第一个乡镇联村组团的干部，该组团联系这个村",
    },
    {
        "username": "resident",
        "role": Role.resident.value,
        "description": "居民：住在第一网格的一户户主，可通过村民信箱反映诉求",
    },
]
