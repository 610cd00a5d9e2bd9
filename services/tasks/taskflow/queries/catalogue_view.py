"""Reading the matter catalogue, and its workbook out and in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import uploads, xlsx
from common.errors import DomainError, refused
from common.storage import contains_text, paginate
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Matter


def matter_dict(m: Matter) -> dict:
    return {
        "id": m.id,
        "code": m.code,
        "version": m.version,
        "current": m.current,
        "name": m.name,
        "category": m.category,
        "levels": list(m.levels),
        "level_labels": [domain.LEVEL_LABELS[x] for x in m.levels],
        "department": m.department,
        "default_days": m.default_days,
        "major": m.major,
        "evidence": list(m.evidence),
        "evidence_labels": [domain.EVIDENCE_LABELS[x] for x in m.evidence],
        "keywords": m.keywords,
        "aliases": m.aliases or "",
        "description": m.description,
        "created_at": m.created_at,
        "retired_at": m.retired_at,
        "retired": m.retired_at is not None,
    }


def catalogue(session: Session, q: dict) -> tuple[list[Matter], int]:
    query = select(Matter).where(Matter.current).order_by(Matter.code)
    if not q["include_retired"]:
        query = query.where(Matter.retired_at.is_(None))
    if q.get("q"):
        query = query.where(
            contains_text((Matter.name, Matter.code, Matter.keywords, Matter.aliases), q["q"])
        )
    if q.get("category"):
        query = query.where(Matter.category == q["category"])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    if q.get("level"):  # levels is JSON: filter the page in Python (the catalogue is small)
        rows = [m for m in rows if q["level"] in m.levels]
    return rows, total


def matter_versions(session: Session, code: str) -> list[Matter]:
    return list(session.scalars(select(Matter).where(Matter.code == code).order_by(Matter.version)))


XLSX_HEADERS = [
    "事项编码",
    "事项名称",
    "类别",
    "可派层级",
    "主管部门",
    "默认期限(天)",
    "重大事项",
    "完成佐证",
    "关键词",
    "说明",
    "状态",
    "别名",  # added later: workbooks without it still import, and keep the aliases
]


_LEVEL_OF = {v: k for k, v in domain.LEVEL_LABELS.items()}


_EVIDENCE_OF = {v: k for k, v in domain.EVIDENCE_LABELS.items()}


def catalogue_xlsx(session: Session) -> bytes:
    rows = (
        [
            m.code,
            m.name,
            m.category,
            "、".join(domain.LEVEL_LABELS[x] for x in m.levels),
            m.department,
            m.default_days,
            "是" if m.major else "否",
            "、".join(domain.EVIDENCE_LABELS[x] for x in m.evidence),
            m.keywords,
            m.description,
            "停用" if m.retired_at else "在用",
            m.aliases or "",
        ]
        for m in session.scalars(select(Matter).where(Matter.current).order_by(Matter.code))
    )
    return xlsx.write_workbook("事项清单", XLSX_HEADERS, rows)


def _split(text) -> list[str]:
    raw = str(text or "")
    for sep in (",", ",", "/", " ", ";", ";"):
        raw = raw.replace(sep, "、")
    return [p.strip() for p in raw.split("、") if p.strip()]


def parse_catalogue_xlsx(content: bytes) -> tuple[list[dict], list[dict]]:
    """Rows of a catalogue workbook (Chinese headers as exported), and row errors."""
    try:
        rows = uploads.xlsx_rows(content)  # size-checked, parsed off the hub
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same answer
        raise refused("import_unreadable", "不是有效的 .xlsx 文件", "not a valid .xlsx file") from exc
    if not rows:
        raise refused("import_unreadable", "文件是空的", "the file is empty")
    header = [str(h or "").strip() for h in rows[0]]
    missing = [h for h in XLSX_HEADERS[:8] if h not in header]
    if missing:
        raise refused(
            "import_unreadable", "缺少表头:" + "、".join(missing), "headers missing: " + ", ".join(missing)
        )
    col = {h: header.index(h) for h in XLSX_HEADERS if h in header}
    result, errors, seen = [], [], set()
    for n, row in enumerate(rows[1:], start=2):
        if not row or all(v in (None, "") for v in row):
            continue

        def cell(name, row=row):
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else None

        problems = []
        code = str(cell("事项编码") or "").strip()
        name = str(cell("事项名称") or "").strip()
        if not code or len(code) > 32:
            problems.append("事项编码不能为空且不超过32位")
        elif code in seen:
            problems.append(f"事项编码 {code} 重复")
        seen.add(code)
        if not name:
            problems.append("事项名称不能为空")
        levels = [_LEVEL_OF.get(x) for x in _split(cell("可派层级"))]
        if not levels or None in levels or "county" in levels:
            problems.append("可派层级只能填写 乡镇、村、网格")
        evidence = [_EVIDENCE_OF.get(x) for x in _split(cell("完成佐证"))]
        if None in evidence:
            problems.append("完成佐证只能填写 文字说明、照片、定位、附件")
        try:
            days = int(cell("默认期限(天)") or 7)
            if not 1 <= days <= 365:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("默认期限应为1到365之间的整数")
            days = 7
        major = str(cell("重大事项") or "否").strip()
        if major not in ("是", "否"):
            problems.append("重大事项填写 是 或 否")
        status = str(cell("状态") or "在用").strip()
        if status not in ("在用", "停用"):
            problems.append("状态填写 在用 或 停用")
        if problems:
            errors.append({"row": n, "errors": problems})
            continue
        extra = {"aliases": str(cell("别名") or "").strip()} if "别名" in col else {}
        result.append(
            extra
            | {
                "code": code,
                "name": name,
                "category": str(cell("类别") or "").strip(),
                "levels": levels,
                "department": str(cell("主管部门") or "").strip(),
                "default_days": days,
                "major": major == "是",
                "evidence": evidence,
                "keywords": str(cell("关键词") or "").strip(),
                "description": str(cell("说明") or "").strip(),
                "retired": status == "停用",
            }
        )
    return result, errors
