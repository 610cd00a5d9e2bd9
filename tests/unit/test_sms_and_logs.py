"""The demo SMS outbox (0600, every line marked demo, the code never in the log) and the
log filter that blanks secrets and masks phone and ID numbers."""

import json
import logging
import os
import stat

import pytest

from common.redact import BriefExpectedErrors, RedactSecrets, redact
from services.tasks.fieldwork import domain, sms

TEXT = "【三联工程】党员刚刚走访了您家,请对本次走访评价(1-5分)。评价码:K7QX3M9P,7天内有效。"
LINKED = TEXT + "点此评价:https://zhili.example.gov.cn/console/m/rate?code=K7QX3M9P"


def test_the_rating_sms_links_to_the_rating_page_when_the_platform_has_a_public_address():
    assert domain.rating_sms("K7QX3M9P", None) == TEXT
    assert domain.rating_sms("K7QX3M9P", "https://zhili.example.gov.cn/") == LINKED


class RealSms:
    def send(self, household_id, text, purpose):
        raise AssertionError("not called here")


def test_demo_outbox_is_private_marked_demo_and_keeps_the_code_out_of_the_log(tmp_path, caplog):
    path = tmp_path / "sms" / "outbox.jsonl"
    path.parent.mkdir()
    path.write_text("")
    path.chmod(0o644)  # left behind by an older version: tightened on the next send
    with caplog.at_level(logging.DEBUG):
        sms.DemoOutboxSms(path).send(7, TEXT, "visit_rating")
        sms.DemoOutboxSms(path).send(8, TEXT, "visit_rating")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(m["demo"], m["household_id"], m["text"]) for m in lines] == [(True, 7, TEXT), (True, 8, TEXT)]
    assert "household 7" in caplog.text and "K7QX3M9P" not in caplog.text


def test_production_refuses_the_demo_outbox(monkeypatch):
    monkeypatch.delenv("GOV_SMS_ADAPTER", raising=False)
    monkeypatch.setenv("GOV_ENV", "demo")
    sms.ensure_real_sender_in_production()
    monkeypatch.setenv("GOV_ENV", "production")
    with pytest.raises(RuntimeError, match="GOV_SMS_ADAPTER"):
        sms.ensure_real_sender_in_production()
    monkeypatch.setenv("GOV_SMS_ADAPTER", f"{__name__}:RealSms")
    sms.ensure_real_sender_in_production()
    assert isinstance(sms.default_sender(), RealSms)


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        (TEXT, "K7QX3M9P", "评价码:[redacted]"),
        (LINKED, "K7QX3M9P", "/console/m/rate?code=[redacted]"),
        ('login {"username": "admin", "password": "Demo@2026"}', "Demo@2026", "admin"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi", "Bearer [redacted]"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl seen", "eyJhbGciOiJIUzI1NiJ9", " seen"),
        ("GOV_FIELD_KEYS=k1:AQEBAQEBAQEBAQEBAQEBAQ==", "AQEBAQEBAQEBAQEBAQEBAQ", "GOV_FIELD_KEYS="),
        ("call 13812345678 now", "13812345678", "138****5678"),
        ("id 330102199001011234", "330102199001011234", "330102********1234"),
    ],
)
def test_redaction(line, secret, kept):
    clean = redact(line)
    assert secret not in clean and kept in clean


def test_the_filter_cleans_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactSecrets())
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            logger.info("sent %s to %s", TEXT, "13812345678")
            try:
                raise ValueError("bad password=hunter22")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    assert "K7QX3M9P" not in caplog.text and "13812345678" not in caplog.text
    assert "hunter22" not in caplog.text and "password=[redacted]" in caplog.text


def test_a_refusal_is_one_line_and_a_failure_keeps_its_traceback(caplog):
    logger = logging.getLogger("test.brief")
    logger.addFilter(BriefExpectedErrors())
    try:
        with caplog.at_level(logging.INFO, logger="test.brief"):
            for message in ("(expected) error handling worker %s: %s", "error handling worker %s: %s"):
                try:
                    raise LookupError("找不到任务")
                except LookupError as exc:
                    logger.warning(message, "tasks.task_get", exc, exc_info=True)
    finally:
        logger.filters.clear()
    expected, unexpected = caplog.records
    assert expected.exc_info is None and "Traceback" not in caplog.text.split("\n")[0]
    assert unexpected.exc_info is not None and caplog.text.count("Traceback") == 1
