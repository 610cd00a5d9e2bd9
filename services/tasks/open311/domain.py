"""Rules of the Open311 GeoReport v2 face, in plain Python: which services (mailbox
categories) exist, what a service request's status says, who sees which fields.

- services: one per category of the matter catalogue (事项清单); its `service_code` is the
  letter prefix the category's matter codes share (人居环境 -> RJ), and the matters of the
  category are the values of its `matter_code` attribute. `QT` (其他诉求) is always there.
- status: open while the matter is open or taken on the ladder, closed once resolved or rated.
- identity: a resident's token (Authorization: Bearer, or the same token as `api_key`) files
  from the resident's own grid; anyone else files anonymously with a mobile number and the
  grid's number (`attribute[grid_id]`), rate-limited like the public mailbox.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from services.tasks.fieldwork.domain import LEVEL_LABELS, Level, Status

OTHER_CODE = "QT"
OTHER_NAME = "其他诉求"
GROUP = "村民信箱"
SOURCE = "open311"
_PREFIX = re.compile(r"^[A-Za-z]+")


@dataclass(frozen=True)
class CatalogueRow:
    code: str
    name: str
    category: str
    keywords: str = ""


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    keywords: list[str]
    matters: list[tuple[str, str]]  # (matter code, matter name)


def services_from(rows: list[CatalogueRow]) -> list[Service]:
    """The mailbox categories from the current catalogue, ordered by code, plus 其他诉求."""
    by_category: dict[str, list[CatalogueRow]] = {}
    for row in sorted(rows, key=lambda r: r.code):
        if row.category:
            by_category.setdefault(row.category, []).append(row)
    services: dict[str, Service] = {}
    for category, members in by_category.items():
        prefixes = Counter(m.group(0).upper() for r in members if (m := _PREFIX.match(r.code)))
        if not prefixes:
            continue
        code = sorted(prefixes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        if code in services or code == OTHER_CODE:
            code = f"{code}{len(services) + 1}"
        words = list(dict.fromkeys(w for r in members for w in r.keywords.split() if w))
        services[code] = Service(
            code=code,
            name=category,
            description="包括:" + "、".join(r.name for r in members),
            keywords=words[:12],
            matters=[(r.code, r.name) for r in members],
        )
    services[OTHER_CODE] = Service(
        OTHER_CODE, OTHER_NAME, "不属于以上类别的诉求、建议和咨询", ["咨询", "建议", "其他"], []
    )
    return [services[c] for c in sorted(services)]


def definition(service: Service) -> dict:
    """The GeoReport service definition: its attributes."""
    attributes = []
    if service.matters:
        attributes.append(
            {
                "variable": True,
                "code": "matter_code",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "事项清单中的具体事项(可不选)",
                "order": 1,
                "description": "具体事项",
                "values": [{"key": code, "name": name} for code, name in service.matters],
            }
        )
    attributes.append(
        {
            "variable": True,
            "code": "grid_id",
            "datatype": "number",
            "required": False,
            "datatype_description": "网格编号(见网格公示牌);未登录反映时必填,村民登录后默认为本人所在网格",
            "order": len(attributes) + 1,
            "description": "所在网格",
            "values": [],
        }
    )
    return {"service_code": service.code, "attributes": attributes}


# -- status -----------------------------------------------------------------------------


def open311_status(status: str) -> str:
    return "closed" if status in (Status.resolved.value, Status.rated.value) else "open"


def status_notes(level: str, status: str, resolution: str | None, agency: str) -> str:
    """What the resident reads about where their request stands (Chinese, from the ladder)."""
    if status == Status.rated.value:
        return f"已办结并评价。{resolution or ''}".strip()
    if status == Status.resolved.value:
        return f"已办结:{resolution}" if resolution else "已办结"
    step = LEVEL_LABELS[Level(level)]
    if status == Status.taken.value:
        return f"{step}:{agency}已接单,正在处理"
    return f"{step}:由{agency}处理中"


def agency(level: str, department: str | None, names: dict[str, str]) -> str:
    """Who handles it now: the grid, the village, the department, or the township platform."""
    if level == Level.department.value:
        return department or f"{names.get('township', '乡镇')}四平台"
    if level == Level.village.value:
        return f"{names.get('village', '')}村党组织".replace("村村", "村")
    return f"{names.get('grid', '')}网格员"


# Fields a requester who is not the reporter, and has no place covering it, does not see.
PRIVATE_FIELDS = ("description", "address", "lat", "long", "media_url")
