"""Names and numbers the demo county and the county at scale (scale.py) both use: the county's
departments, the township platform, Chinese ordinals, the ID number's check digit."""

from __future__ import annotations

COUNTY_DEPARTMENTS = [
    "县住建局",
    "县农业农村局",
    "县民政局",
    "县卫健委",
    "县水利局",
    "县公安局",
    "县市场监管局",
    "县供电公司",
    "县自来水公司",
    "中国移动县分公司",
]
TOWNSHIP_PLATFORM = "综合信息指挥室"

_CHINESE_NUMERALS = "零一二三四五六七八九十"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def numeral(n: int) -> str:
    """一 … 九十九: `第三网格`, `联村组团二`."""
    if n <= 10:
        return _CHINESE_NUMERALS[n]
    if n < 20:
        return "十" + _CHINESE_NUMERALS[n - 10]
    tens, ones = divmod(n, 10)
    return _CHINESE_NUMERALS[tens] + "十" + (_CHINESE_NUMERALS[ones] if ones else "")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]
