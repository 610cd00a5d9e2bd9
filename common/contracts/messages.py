"""Chinese-first validation messages, with their English counterparts.

The contracts' own field types, validators and base schema (common/contracts/fields.py,
validate.py, base.py) take their Chinese texts from here, so every service's field errors
are Chinese; `to_english` turns them back for a client that asks for English. Nothing in
marshmallow itself is changed.
"""

from __future__ import annotations

import re

from marshmallow import validate

# (Chinese template, English template); {name} placeholders shared by both.
FIELD_MESSAGES = {
    "required": ("必填项", "Missing data for required field."),
    "null": ("不能为空", "Field may not be null."),
    "invalid": ("格式不正确", "Not a valid value."),
    "unknown": ("不认识的字段", "Unknown field."),
    "type": ("类型不正确", "Invalid input type."),
    "too_large": ("数值过大", "Number too large."),
}
# (validator, attribute, Chinese, English) as they read once rendered. Range formats its
# messages twice (operator words first), hence the doubled braces when installing.
VALIDATOR_MESSAGES = [
    (validate.OneOf, "default_message", "必须是以下之一:{choices}", "Must be one of: {choices}."),
    (validate.Range, "message_min", "应不小于 {min}", "Must be greater than or equal to {min}."),
    (validate.Range, "message_max", "应不大于 {max}", "Must be less than or equal to {max}."),
    (validate.Range, "message_all", "应在 {min} 到 {max} 之间", "Must be between {min} and {max}."),
    (validate.Length, "message_min", "长度至少为 {min}", "Shorter than minimum length {min}."),
    (validate.Length, "message_max", "长度最多为 {max}", "Longer than maximum length {max}."),
    (
        validate.Length,
        "message_all",
        "长度应在 {min} 到 {max} 之间",
        "Length must be between {min} and {max}.",
    ),
    (validate.Length, "message_equal", "长度应为 {equal}", "Length must be {equal}."),
    (validate.Regexp, "default_message", "格式不正确", "String does not match expected pattern."),
    (validate.Email, "default_message", "不是有效的邮箱地址", "Not a valid email address."),
    (validate.URL, "default_message", "不是有效的网址", "Not a valid URL."),
]
EXTRA_MESSAGES = {
    "date_range": ("日期应在 {min} 年到 {max} 年之间", "The date must be between the years {min} and {max}."),
    "offset": ("时区偏移超出范围", "The time zone offset is out of range."),
    "blank": ("不能只填空格", "Must not be blank."),
    "control": ("不能包含控制字符", "Control characters are not allowed."),
    "integer": ("应为整数", "Must be a whole number."),
    "id": ("应为正整数编号", "Must be a positive whole number id."),
    "deadline_past": ("期限不能早于今天", "The deadline cannot be before today."),
    "deadline_not_future": ("竞榜截止时间须晚于当前时间", "The deadline must lie in the future."),
    # evidence must be uploaded attachments (services/tasks/fieldwork/evidence.py)
    "attachment_ref": ("「{ref}」不是已上传附件的编号", "“{ref}” is not the id of an uploaded attachment."),
    "attachment_missing": ("附件 {ref} 不存在", "Attachment {ref} does not exist."),
    "attachment_foreign": (
        "附件 {ref} 不是本人或本村上传的",
        "Attachment {ref} was not uploaded by you or your village.",
    ),
    "attachment_not_photo": ("附件 {ref} 不是照片", "Attachment {ref} is not a photo."),
    "attachment_not_document": (
        "附件 {ref} 不是文件或照片",
        "Attachment {ref} is not a document or a photo.",
    ),
    "attachment_later": ("附件 {ref} 上传于提交之后", "Attachment {ref} was uploaded after this submission."),
    # the services' own field messages, one pair each (tests/unit/test_messages_english.py
    # finds any Chinese field message in the code that has no English here)
    "body_object": ("请求体必须是 JSON 对象", "The body must be a JSON object."),
    "file_field": ("请上传文件(表单字段 file)", "Upload a file (form field file)."),
    "iso_time": ("应为 ISO 8601 时间", "Must be an ISO 8601 time."),
    "iso_date": ("应为 YYYY-MM-DD", "Must be a date as YYYY-MM-DD."),
    "month": ("月份格式应为 YYYY-MM", "A month is written YYYY-MM."),
    "month_since_2000": ("月份格式应为 YYYY-MM(2000 年以后)", "A month is written YYYY-MM (from 2000)."),
    "month_short": ("月份应为 YYYY-MM", "A month is written YYYY-MM."),
    "period": ("期间应为 YYYY-MM、YYYY-Qn 或 YYYY", "A period is written YYYY-MM, YYYY-Qn or YYYY."),
    "week": ("周的格式应为 YYYY-Www,如 2026-W14", "A week is written YYYY-Www, e.g. 2026-W14."),
    "year_range": ("年份应在 {min} 到 {max} 之间", "The year must be between {min} and {max}."),
    "months_ordered": ("起始月份不能晚于结束月份", "The first month cannot come after the last."),
    "phone": ("手机号应为11位数字", "A mobile number has 11 digits."),
    "id_number": ("身份证号应为18位", "An ID card number has 18 characters."),
    "code": (
        "编码只能包含字母、数字、下划线和连字符,最长32位",
        "A code has letters, digits, underscores and hyphens only, at most 32.",
    ),
    "matter_code": (
        "事项编码只能包含字母、数字、下划线和连字符,最长32位",
        "A matter code has letters, digits, underscores and hyphens only, at most 32.",
    ),
    "rule_code": (
        "规则编号只能包含字母、数字、下划线和连字符,最长32位",
        "A rule code has letters, digits, underscores and hyphens only, at most 32.",
    ),
    "rule_code_repeated": ("规则编号重复", "The rule code is repeated."),
    "rule_pattern": ("关键词和正则表达式至少填写一项", "Give keywords, a regular expression or both."),
    "regex": ("正则表达式无效:{detail}", "The regular expression is invalid: {detail}"),
    "username": (
        "账号只能包含字母、数字、下划线、点和连字符",
        "A username has letters, digits, underscores, dots and hyphens only.",
    ),
    "username_taken": ("账号已被使用", "The username is taken."),
    "code_taken": ("编码已存在", "The code already exists."),
    "password_length": ("密码长度应在 8 到 128 之间", "A password has 8 to 128 characters."),
    "password_same": ("新密码不能与原密码相同", "The new password must differ from the old one."),
    "password_wrong": ("原密码不正确", "The current password is wrong."),
    "event_pattern": (
        "事件类型应为以点分隔的单词,可用 * 匹配一个单词、# 匹配任意多个",
        "An event type is words joined by dots; * matches one word, # any number.",
    ),
    "org_path": ("组织路径形如 /1/5/23/", "An org path looks like /1/5/23/."),
    "http_url": ("应为 http(s) 地址", "Must be an http(s) address."),
    "org_id": ("组织编号无效", "Not a valid org unit id."),
    "org_unknown": ("组织不存在:{ids}", "No such org unit: {ids}"),
    "org_choose": ("请选择要统计的组织", "Choose the org unit to count."),
    "org_children": ("只能按下级组织分组", "Figures can be grouped by child org units only."),
    "target_level": (
        "只能派往乡镇、村或网格:{names}",
        "Only a township, village or grid can be a target: {names}",
    ),
    "targets_or_deadline": ("请至少修改对象或期限之一", "Change the targets, the deadline or both."),
    "villages_or_unit": (
        "village_ids 与 org_unit_id 只能选其一",
        "Give village_ids or org_unit_id, not both.",
    ),
    "not_village": ("{name}不是村(社区)", "{name} is not a village (community)."),
    "must_village": ("须为村(社区)", "Must be a village (community)."),
    "must_township": ("须为乡镇(街道)", "Must be a township (subdistrict)."),
    "matter_for_village": (
        "须为事项清单中在用、可派到村的事项",
        "Must be a matter of the catalogue, in use and dispatchable to villages.",
    ),
    "meeting_future": ("会议日期不能晚于今天", "The meeting date cannot be after today."),
    "subject_one": (
        "须指定 assignment_id 或 village_id 之一",
        "Give assignment_id or village_id, one of them.",
    ),
    "village_title": ("村级事项须填写标题", "A village's own matter needs a title."),
    "notice_order": ("公示截止时间须晚于张贴时间", "A notice must end after it is posted."),
    "not_bid": ("不是该项目的竞榜", "Not a bid on this project."),
    "step_keys": ("步骤标识不能重复", "Step keys must not repeat."),
    "grid_of_village": ("只能分派到本村的网格", "Only a grid of this village can be given it."),
    "grid_people": (
        "只能分派给该网格的网格员或包格干部",
        "Only that grid's grid worker or linked cadre can be given it.",
    ),
    "evidence_needed": ("该事项办结需提供{label}", "This evidence is required to complete the matter."),
    "result_note": ("请写明办理结果", "Write down what was done."),
    "attachment_own": (
        "附件不存在或不是本人上传的",
        "The attachment does not exist or was not uploaded by you.",
    ),
    "attach_kind": ("请附上{label}", "Attach a photo or voice message as asked."),
    "client_key": (
        "发送编号应为 8 到 64 位字母、数字、“-”或“_”",
        "A client key is 8 to 64 letters, digits, '-' or '_'.",
    ),
    "visit_future": ("走访时间不能晚于当前时间", "The visit time cannot be in the future."),
    "visit_late": ("只能补录两个月内的走访", "Only visits of the last two months can be recorded late."),
    "visit_empty": ("请写下走访情况,或附上照片", "Write what the visit found, or attach a photo."),
    "mailbox_empty": ("请写下您要反映的事情", "Write what you want to raise."),
    "open311_empty": (
        "请写下您要反映的事情,或附上图片",
        "Write what you want to raise, or attach a picture.",
    ),
    "grid_choose": ("请选择您所在的网格", "Choose your grid."),
    "grid_give": ("请填写所在网格编号", "Give your grid's number."),
    "grid_number": ("网格编号应为数字", "The grid number must be a number."),
    "grid_unknown": ("没有这个网格", "No such grid."),
    "department_unknown": ("没有这个部门", "No such department."),
    "number": ("编号应为数字", "The id must be a number."),
    "span": (
        "起止时间须先后有序,且不超过 90 天",
        "The start must come before the end, at most 90 days apart.",
    ),
    "open_closed": ("状态只能是 open 或 closed", "The status must be open or closed."),
    "category_matter": ("该类别下没有这个事项", "This category has no such matter."),
    "link_kind": ("未知的联系类型", "Unknown kind of link."),
    "role_unknown": ("未知的角色", "Unknown role."),
    "board_kind": ("{label}不支持该对象类型", "This board does not rank that kind of subject."),
    "reason_blank": ("请写明退回原因", "Give the reason for returning it."),
    "assign_to": ("请选择分派的网格或人员", "Choose a grid or a person to pass it on to."),
    "assignee_outside": (
        "只能分派给本村的村两委干部、网格员或村党组织书记",
        "Only a village cadre, grid worker or the secretary of this village can be given it.",
    ),
}
SCHEMA_MESSAGES = {
    "type": ("数据格式不正确", "Invalid input type."),
    "unknown": ("不认识的字段", "Unknown field."),
}


def _pattern(zh_template: str) -> re.Pattern:
    escaped = re.escape(zh_template)
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*)", escaped) + "$")


_PAIRS = [
    *FIELD_MESSAGES.values(),
    *SCHEMA_MESSAGES.values(),
    *EXTRA_MESSAGES.values(),
    *((zh, en) for _, _, zh, en in VALIDATOR_MESSAGES),
]
_TRANSLATIONS = [(_pattern(zh), en) for zh, en in _PAIRS]


def to_english(errors):
    """Translate a (nested) marshmallow error structure; unknown texts stay as they are."""
    if isinstance(errors, dict):
        return {key: to_english(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [to_english(value) for value in errors]
    if isinstance(errors, str):
        for pattern, en in _TRANSLATIONS:
            match = pattern.match(errors)
            if match:
                return en.format(**match.groupdict())
    return errors
