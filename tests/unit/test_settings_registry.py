"""common/settings.py lists every setting the code reads, and nothing the code no longer reads."""

import ast
import re
from pathlib import Path

from common import settings

ROOT = Path(__file__).resolve().parents[2]
CODE = ("common", "services", "gateway", "scripts", "bench", "tests")
# a setting's name as the code spells it; the BENCH_* sizes are one family in the README
SETTING = re.compile(
    r"^(?:(?:GOV|NOTIFY|OUTBOX|SCORING|AMQP|WEB|TEST)_[A-Z0-9_]+|(?:[A-Z]+_)?DATABASE_URL|CHROMIUM)$"
)
# `<SERVICE>_DATABASE_URL` is built from the service's name (common.config.database_url)
SERVICES = ("grids", "tasks", "scoring", "notify")


def _python_files():
    for folder in CODE:
        yield from (ROOT / folder).rglob("*.py")


def names_in_code() -> dict[str, set[str]]:
    """Every string constant shaped like a setting's name, with the files it occurs in."""
    found: dict[str, set[str]] = {}
    for path in _python_files():
        if "migrations/versions" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.match(node.value):
                found.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_setting_the_code_names_is_in_the_registry():
    missing = {name: sorted(files) for name, files in names_in_code().items() if name not in settings.BY_NAME}
    assert not missing, f"add these to common/settings.py: {missing}"


def test_every_registered_setting_is_read_somewhere():
    in_code = set(names_in_code())
    in_code |= {f"{s.upper()}_DATABASE_URL" for s in SERVICES}
    shell = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "scripts").glob("*.sh"))
    shell += (ROOT / "deploy" / "nameko.yaml").read_text(encoding="utf-8")
    unread = [n for n in settings.BY_NAME if n not in in_code and not re.search(rf"\b{n}\b", shell)]
    assert not unread, f"common/settings.py lists settings nothing reads: {unread}"


def test_the_scanner_sees_a_setting_read_through_env():
    # the scan is what the two tests above rely on: a known read must be among its findings
    assert "common/remote.py" in names_in_code()["GOV_RPC_TIMEOUT"]
    assert "services/notify/settings.py" in names_in_code()["NOTIFY_MAX_ATTEMPTS"]


def test_the_retention_defaults_are_the_registered_ones():
    from common.retention import DEFAULTS

    for name, days in DEFAULTS.items():
        assert settings.BY_NAME[name].default == f"`{days}`"


def test_each_name_is_registered_once_with_a_known_reader():
    all_names = [n for s in settings.SETTINGS for n in s.names]
    assert len(all_names) == len(set(all_names))
    assert {s.where for s in settings.SETTINGS} <= {"env", "nameko", "scripts", "tests"}
