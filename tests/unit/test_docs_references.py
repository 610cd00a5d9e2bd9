"""docs/compliance.md and docs/reliability.md map promises to proof: every test they name
(`tests/...py::name`, or `tests/...py` alone) exists, so the documents cannot go stale."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# a file (with a test), or `::test` naming another test of the file named before it
TOKEN = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?|`::(\w+)")


def references(doc: str) -> list[tuple[str, str | None]]:
    found = []
    for line in (ROOT / "docs" / doc).read_text(encoding="utf-8").splitlines():
        last = None
        for file, name, other in TOKEN.findall(line):
            if file:
                last = file
                found.append((file, name or None))
            elif last:
                found.append((last, other))
    return found


@pytest.mark.parametrize("doc", ["compliance.md", "reliability.md"])
def test_every_test_a_document_names_exists(doc):
    refs = references(doc)
    assert len(refs) >= 20
    missing = []
    for path, name in refs:
        source = ROOT / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\b", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
