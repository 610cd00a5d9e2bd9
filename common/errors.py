"""Error types that cross the bus intact.

A service raises `DomainError(code, params, fields)`; nameko serialises its args and,
because the class is registered with `deserialize_to_instance`, the gateway gets the
same exception back and renders it as application/problem+json in Chinese or English.
Messages live in one catalogue keyed by the stable machine code.
"""

from __future__ import annotations

import json

from nameko.exceptions import deserialize_to_instance

# code: (HTTP status, Chinese message, English message). Messages may use {params}.
CATALOGUE: dict[str, tuple[int, str, str]] = {
    "validation_failed": (422, "提交的数据有误,请检查标出的字段", "The submitted data is invalid"),
    "bad_json": (400, "请求体不是合法的 JSON", "The request body is not valid JSON"),
    "unsupported_media_type": (415, "请求体必须是 application/json", "The body must be application/json"),
    "payload_too_large": (413, "请求体过大", "The request body is too large"),
    "not_found": (404, "找不到{what}", "{what_en} not found"),
    "route_not_found": (404, "没有这个接口", "No such route"),
    "method_not_allowed": (405, "该接口不支持此请求方法", "Method not allowed"),
    "unauthenticated": (401, "请先登录", "Authentication required"),
    "token_invalid": (401, "登录凭证无效,请重新登录", "The token is invalid"),
    "token_expired": (401, "登录已过期,请重新登录", "The token has expired"),
    "login_failed": (401, "用户名或密码错误", "Wrong username or password"),
    "account_locked": (
        423,
        "密码错误次数过多,账号已锁定,请 {minutes} 分钟后再试",
        "Too many failed logins; try again in {minutes} minutes",
    ),
    "too_many_requests": (429, "请求过于频繁,请稍后再试", "Too many requests; slow down"),
    "token_revoked": (401, "该登录凭证已退出,请重新登录", "The token has been revoked"),
    "forbidden": (403, "您的角色无权进行此操作", "Your role may not do this"),
    "out_of_scope": (403, "超出您的管辖范围", "Outside your part of the org tree"),
    "conflict": (409, "{detail}", "{detail_en}"),
    "rating_code_invalid": (
        422,
        "评价码无效、已过期或已使用",
        "The rating code is invalid, expired or already used",
    ),
    "visit_already_rated": (409, "该户已评价过这次走访", "The household has already rated this visit"),
    "too_many_attempts": (
        429,
        "错误次数过多,请 {minutes} 分钟后再试",
        "Too many failed attempts; wait {minutes} minutes",
    ),
    "attachment_rejected": (422, "附件不符合要求:{detail}", "The attachment was refused: {detail_en}"),
    "import_invalid": (
        422,
        "导入文件有 {count} 处错误,未写入任何数据",
        "The import file has {count} errors; nothing was written",
    ),
    "import_unreadable": (400, "无法读取导入文件:{detail}", "Cannot read the import file: {detail_en}"),
    "decision_required": (
        409,
        "重大事项须先记录集体讨论决定,才能派单",
        "A major matter needs a recorded collective decision before dispatch",
    ),
    "evidence_missing": (
        422,
        "该事项办结需提供佐证材料:{missing}",
        "The matter needs this evidence to complete: {missing_en}",
    ),
    "evidence_not_uploaded": (
        422,
        "佐证材料须是先上传到平台的附件,请检查标出的引用",
        "Evidence must be attachments uploaded to the platform first: see the references named",
    ),
    "step_out_of_order": (
        409,
        "议事程序须按顺序办理,当前应办理第 {position} 步“{step}”",
        "Steps go in order; the current step is {position} ({step})",
    ),
    "step_returned": (
        422,
        "该步骤未通过,已退回:{reasons}",
        "The step failed its evidence or rules and was returned: {reasons_en}",
    ),
    "procedure_required": (
        409,
        "该事项须先完成{templates}程序,才能验收办结",
        "This matter must complete its procedure ({templates}) before it can be accepted",
    ),
    "bidding_closed": (409, "竞榜已截止", "Bidding for this project has closed"),
    "service_unavailable": (
        503,
        "{service} 服务暂时不可用,请稍后重试",
        "The {service} service is unavailable",
    ),
    "service_timeout": (504, "{service} 服务响应超时,请稍后重试", "The {service} service timed out"),
    "internal_error": (500, "服务器内部错误", "Internal server error"),
    "token_idle": (401, "长时间未操作,请重新登录", "The session was idle too long; log in again"),
    "credentials_changed": (
        401,
        "账号的密码、角色或状态已变更,请重新登录",
        "The account's password, roles or status changed; log in again",
    ),
    "password_change_required": (
        403,
        "请先修改初始密码(或已过期的密码)",
        "Change your initial (or expired) password first",
    ),
    # Open311 GeoReport v2 (rendered in the specification's error format)
    "open311_service_code_missing": (400, "缺少 service_code", "service_code is missing"),
    "open311_service_unknown": (404, "没有这个服务类别:{code}", "No service with code {code}"),
    "open311_location_missing": (
        400,
        "请提供位置:address_string,或 lat 和 long",
        "A location is required: address_string, or lat and long",
    ),
    "open311_identity_missing": (
        400,
        "未登录反映诉求时,须留手机号(phone)和所在网格编号(attribute[grid_id])",
        "Without a resident token, phone and attribute[grid_id] are required",
    ),
    "open311_api_key_invalid": (403, "api_key 或登录凭证无效", "The api_key or token is invalid"),
    "open311_format_unsupported": (404, "只支持 json 和 xml 格式", "Only json and xml are supported"),
    "open311_jurisdiction_unknown": (
        404,
        "没有这个辖区:{jurisdiction}",
        "Unknown jurisdiction {jurisdiction}",
    ),
    "outbound_target_refused": (
        422,
        "不允许向该地址发送:{reason}",
        "Outbound calls to this address are refused: {reason_en}",
    ),
    "import_too_large": (
        413,
        "导入文件解压后过大(上限 {limit_mb} MB)或压缩比异常,请拆分后再导入",
        "The import file inflates beyond {limit_mb} MB or compresses suspiciously well; split it",
    ),
    "import_too_many_rows": (
        422,
        "导入文件超过 {limit} 行,请拆分后再导入",
        "The import file has more than {limit} rows; split it",
    ),
}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@deserialize_to_instance
class DomainError(Exception):
    """A refusal the caller can act on. Args stay JSON-serialisable for the bus."""

    def __init__(self, code: str, params: dict | str | None = None, fields: dict | str | None = None):
        # nameko stringifies every non-string arg when it serialises an exception, so
        # params and fields travel as JSON text and keep their numbers and nesting.
        self.code = code
        self.params = json.loads(params) if isinstance(params, str) else (params or {})
        self.fields = json.loads(fields) if isinstance(fields, str) else (fields or {})
        super().__init__(
            code,
            json.dumps(self.params, ensure_ascii=False, default=str),
            json.dumps(self.fields, ensure_ascii=False, default=str),
        )

    @property
    def status(self) -> int:
        return CATALOGUE.get(self.code, (400,))[0]

    def message(self, lang: str = "zh") -> str:
        _, zh, en = CATALOGUE.get(self.code, (400, self.code, self.code))
        params = self.params
        if lang == "en" and "detail" in params and "detail_en" not in params:
            params = {**params, "detail_en": "The request conflicts with the current state"}
        if lang == "en":  # a name (a step's, a template's) reads the same in both languages
            params = {f"{k}_en": v for k, v in params.items() if f"{k}_en" not in params} | params
        return (en if lang == "en" else zh).format_map(_Safe(params))

    def __str__(self) -> str:
        return f"{self.code}: {self.message('en')}"


def conflict(detail_zh: str, detail_en: str) -> DomainError:
    """409: what the current state does not allow, said in both languages."""
    return DomainError("conflict", {"detail": detail_zh, "detail_en": detail_en})


def refused(code: str, detail_zh: str, detail_en: str) -> DomainError:
    """A refusal whose catalogue message takes a detail, said in both languages."""
    return DomainError(code, {"detail": detail_zh, "detail_en": detail_en})


def not_found(what_zh: str, what_en: str | None = None) -> DomainError:
    return DomainError("not_found", {"what": what_zh, "what_en": what_en or what_zh})
