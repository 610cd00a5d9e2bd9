"""商用密码 through the running platform (PostgreSQL): logins, a visit's rating code sent
and used, a newcomer's mailbox letter. No password, token or rating code reaches any
process's log; the demo SMS outbox is private and marked demo; phones and ID numbers rest
sealed in both databases while the API still shows them to whoever may see them."""

import json
import os
import stat
from datetime import UTC, datetime

import requests
from sqlalchemy import text

from common.storage import make_engine
from services.grids.demo import DEMO_PASSWORD
from services.tasks.fieldwork.domain import month_of

NEWCOMER_PHONE = "13900004444"


def rows(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_no_secret_in_any_log_and_phones_rest_sealed(platform_pg, tmp_path):
    base = platform_pg.base_url + "/api/v1"
    secrets = [DEMO_PASSWORD, "Wrong@Pass2026"]
    r = requests.post(
        base + "/auth/login", json={"username": "admin", "password": "Wrong@Pass2026"}, timeout=10
    )
    assert r.status_code == 401
    who = {}
    for name in ("admin", "member", "gridworker"):
        r = requests.post(
            base + "/auth/login", json={"username": name, "password": DEMO_PASSWORD}, timeout=10
        )
        assert r.status_code == 200, r.text
        secrets.append(r.json()["token"])
        who[name] = {"Authorization": "Bearer " + r.json()["token"]}

    def req(method, path, user, **kw):
        return requests.request(method, base + path, headers=who.get(user, {}), timeout=30, **kw)

    assert req("POST", "/visit-lists/sync", "admin").status_code == 200
    assert (
        req("POST", "/visit-lists/generate", "admin", json={"month": month_of(datetime.now(UTC))}).status_code
        == 200
    )
    household = req("GET", "/visit-lists/mine", "member").json()["items"][0]["household_id"]
    r = req("POST", "/visits", "member", json={"household_id": household, "notes": "入户走访"})
    assert r.status_code == 201 and r.json()["rating_code_sent"], r.text

    outbox = tmp_path / "var" / "sms" / "outbox.jsonl"
    assert stat.S_IMODE(os.stat(outbox).st_mode) == 0o600
    (sent,) = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert sent["demo"] is True and sent["household_id"] == household
    code = sent["text"].split("评价码:")[1].split(",")[0]
    secrets.append(code)
    assert req("POST", "/ratings", None, json={"code": code, "rating": 5}).status_code == 200
    assert req("POST", "/ratings", None, json={"code": code, "rating": 4}).status_code == 422

    grid = req("GET", "/me", "gridworker").json()["org_unit_id"]
    r = req(
        "POST",
        "/mailbox/public",
        None,
        json={"grid_id": grid, "phone": NEWCOMER_PHONE, "text": "想了解办事流程"},
    )
    assert r.status_code == 201, r.text

    # the API shows the grid worker full phones, read back through the cipher
    shown = req("GET", "/households", "gridworker", params={"grid_id": grid}).json()["items"]
    phones = [h["phone"] for h in shown if h["phone"]]
    assert phones and all(p.isdigit() and len(p) == 11 for p in phones)

    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "logs").iterdir())
    assert "household" in logs  # the logs were written, and are what is searched
    for secret in secrets:
        assert secret not in logs
    assert NEWCOMER_PHONE not in logs

    env = platform_pg.env
    stored = rows(env["GRIDS_DATABASE_URL"], "SELECT phone FROM households WHERE phone IS NOT NULL")
    stored += rows(env["GRIDS_DATABASE_URL"], "SELECT id_number FROM residents WHERE id_number IS NOT NULL")
    assert len(stored) > 100 and all(v.startswith("enc1:sm4:") for (v,) in stored)
    assert not {p for p in phones} & {v for (v,) in stored}
    reporter = rows(
        env["TASKS_DATABASE_URL"], "SELECT reporter_phone FROM fw_matters WHERE reporter_phone IS NOT NULL"
    )
    assert reporter and all(v.startswith("enc1:sm4:") for (v,) in reporter)
    clients = [c for (c,) in rows(env["TASKS_DATABASE_URL"], "SELECT client FROM fw_attempts")]
    assert NEWCOMER_PHONE not in clients and len(clients) >= 2
