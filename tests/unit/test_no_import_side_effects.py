"""Importing `common` or a contracts module changes nothing global (issue 16 part 2): the
Chinese messages and sane-input checks live in the contracts' own field types, validators
and base schema; broker reconnection and GC tuning happen in `common.process.start()`."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# the wrappers themselves, and the message table keyed by marshmallow's own validator classes
WRAPPERS = {
    "common/contracts/fields.py",
    "common/contracts/validate.py",
    "common/contracts/base.py",
    "common/contracts/messages.py",
}


def test_importing_every_contract_leaves_marshmallow_and_kombu_as_they_were():
    probe = """
import gc, importlib, pkgutil
threshold = gc.get_threshold()
import common, common.contracts
for m in pkgutil.iter_modules(common.contracts.__path__):
    importlib.import_module("common.contracts." + m.name)
from marshmallow import Schema, fields, validate
from kombu import mixins
assert fields.String.default_error_messages["invalid"] == "Not a valid string.", "fields"
assert fields.Field.default_error_messages["required"] == "Missing data for required field."
assert validate.Range.message_min == "Must be {min_op} {{min}}.", "validators"
assert Schema._default_error_messages["unknown"] == "Unknown field.", "schema"
assert not getattr(mixins.ConsumerMixin, "_grassroots_patched", False), "reconnect"
assert gc.get_threshold() == threshold, "gc"
from common import process
process.start()
assert mixins.ConsumerMixin._grassroots_patched and gc.get_threshold() != threshold
print("unchanged")
"""
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "unchanged", run.stderr[-2000:]


def test_contracts_still_answer_in_chinese_and_refuse_odd_input():
    from common.contracts.base import load, schema
    from common.contracts.tasks import ReasonBody
    from common.errors import DomainError

    for body, errors in (
        ({}, {"reason": ["必填项"]}),
        ({"reason": 5}, {"reason": ["格式不正确"]}),
        ({"reason": "a\x00b"}, {"reason": ["不能包含控制字符"]}),
        ({"reason": "x" * 501}, {"reason": ["长度应在 1 到 500 之间"]}),
        ({"reason": "好", "extra": 1}, {"extra": ["不认识的字段"]}),
        ({"reason": "\u200b\u200d\u3000 "}, {"reason": ["不能只填空格"]}),  # invisible only
    ):
        try:
            load(schema(ReasonBody), body)
        except DomainError as exc:
            assert exc.fields == errors
        else:
            raise AssertionError(body)


def test_no_module_takes_field_types_or_validators_from_marshmallow_directly():
    direct = re.compile(r"^from marshmallow import .*\b(fields|validate|Schema)\b", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("common", "services")
        for path in (ROOT / folder).rglob("*.py")
        if str(path.relative_to(ROOT)) not in WRAPPERS and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use common.contracts.fields / validate / base.Schema"
