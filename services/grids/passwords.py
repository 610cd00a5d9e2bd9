"""Password rules for 等保 level 3 (GB/T 22239-2019 身份鉴别): plain Python, no framework.

A password is set when an account is granted or its owner changes it; both go through
`problems`. Logging in with an older password that predates the rules still works (the
demo accounts), but a granted account must change its password at first login.
"""

from __future__ import annotations

import functools
import string
from datetime import datetime, timedelta
from pathlib import Path

MIN_LENGTH = 8
MIN_CLASSES = 3
COMMON_FILE = Path(__file__).resolve().parents[2] / "config" / "common-passwords.txt"


def classes(password: str) -> int:
    """How many of the four classes (ASCII lower, upper, digit; anything else) it uses."""
    sets = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    found = [any(c in chars for c in password) for chars in sets]
    found.append(any(not any(c in chars for chars in sets) for c in password))
    return sum(found)


@functools.cache
def common_passwords(path: Path = COMMON_FILE) -> frozenset[str]:
    """The shipped list of well-known passwords, lower case (read once, on first use)."""
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def problems(
    password: str,
    username: str | None,
    common: frozenset[str],
    refused: frozenset[str] = frozenset(),
) -> list[str]:
    """What is wrong with a new password, in Chinese; an empty list when it is acceptable."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"密码至少 {MIN_LENGTH} 位")
    if classes(password) < MIN_CLASSES:
        found.append("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类")
    if username and username.lower() in password.lower():
        found.append("密码不能包含账号名")
    if password.lower() in common:
        found.append("密码过于常见,请换一个")
    if password in refused:
        found.append("不能使用演示密码")
    return found


def expired(changed_at: datetime | None, now: datetime, max_days: int | None) -> bool:
    """True when a maximum age is set and the password is older (or its age unknown)."""
    if not max_days:
        return False
    if changed_at is None:
        return True
    if changed_at.tzinfo is None:  # SQLite hands back naive UTC
        changed_at = changed_at.replace(tzinfo=now.tzinfo)
    return now - changed_at > timedelta(days=max_days)
