"""Cell values: a cell's text turned into its field's value (levels, link kinds and roles by
their Chinese labels, phones, ID numbers), or `BadValue` with a Chinese message."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from services.grids.domain import (
    LEVEL_LABELS,
    LINK_LABELS,
    ROLE_LABELS,
    Level,
    LinkKind,
    Role,
    valid_id_number,
    valid_phone,
)


class BadValue(ValueError):
    """A cell that cannot be turned into its field's value; the message is Chinese."""


FULL_WIDTH = str.maketrans({"\uff08": "(", "\uff09": ")", "\uff0c": ",", "\uff1b": ";", "\u3000": " "})


def normalise_label(text: str) -> str:
    """Full-width brackets as half-width, no spaces: `县（市、区）` matches `县(市、区)`."""
    return text.translate(FULL_WIDTH).replace(" ", "")


def _choice(enum_cls: type, labels: dict, extra: dict[str, Any], what: str) -> Callable[[str], Any]:
    """A parser accepting an enum's Chinese label, its value, or an extra spelling."""
    table = {normalise_label(label): member for member, label in labels.items()}
    table.update({member.value: member for member in enum_cls})
    table.update(extra)
    allowed = "、".join(labels.values())

    def parse(text: str) -> Any:
        member = table.get(normalise_label(text)) or table.get(text.lower())
        if member is None:
            raise BadValue(f"{what}“{text}”无效,应为:{allowed}")
        return member

    return parse


parse_level = _choice(
    Level, LEVEL_LABELS, {"县": Level.county, "乡镇": Level.township, "村": Level.village}, "层级"
)
parse_link_kind = _choice(LinkKind, LINK_LABELS, {}, "类型")
_parse_role = _choice(Role, ROLE_LABELS, {"党员": Role.member}, "角色")  # 联户党员 or plain 党员
_ROLE_SEPARATORS = re.compile(r"[、,;/\s]+")


def parse_roles(text: str) -> list[Role]:
    """`党员、网格员`, `member,grid_worker`, full-width `,` or `;` too."""
    roles: list[Role] = []
    for part in filter(None, _ROLE_SEPARATORS.split(text.translate(FULL_WIDTH))):
        role = _parse_role(part)
        if role not in roles:
            roles.append(role)
    return roles


def parse_phone(text: str) -> str:
    phone = text.replace(" ", "").replace("-", "")
    if not valid_phone(phone):
        raise BadValue(f"手机号“{text}”格式不正确,应为 11 位手机号")
    return phone


def parse_id_number(text: str) -> str:
    if not valid_id_number(text):
        raise BadValue(f"身份证号“{text}”无效:应为 18 位且校验位正确(Excel 中请将该列设为文本格式)")
    return text.upper()
