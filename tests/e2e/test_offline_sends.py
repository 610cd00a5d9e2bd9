"""What a phone queued while offline may arrive twice (a lost answer, a retry, two sends at
once when the signal returns): the client's key makes the second send return the first one's
result and record nothing (issue 18 part 5). Through the gateway, on PostgreSQL."""

import threading
import uuid
from datetime import UTC, datetime

import requests

from services.tasks.fieldwork.domain import month_of


def test_a_visit_and_a_letter_sent_twice_are_recorded_once(platform_pg):
    base = platform_pg.base_url + "/api/v1"
    who = {name: platform_pg.login(name) for name in ("admin", "member", "resident", "gridworker")}

    def req(method, path, user, **kw):
        return requests.request(method, base + path, headers=who[user], timeout=30, **kw)

    assert req("POST", "/visit-lists/sync", "admin").status_code == 200
    assert req("POST", "/visit-lists/generate", "admin", json={"month": month_of(datetime.now(UTC))}).ok
    households = [i["household_id"] for i in req("GET", "/visit-lists/mine", "member").json()["items"]]
    first_household, second_household = households[0], households[1]

    key = uuid.uuid4().hex
    visit = {
        "household_id": first_household,
        "notes": "山里没信号时记下的走访",
        "location": {"lat": 28.97, "lng": 118.87},
        "client_key": key,
        "needs": [{"title": "屋后水沟堵了", "description": "下雨就漫进院子"}],
    }
    first = req("POST", "/visits", "member", json=visit)
    assert first.status_code == 201, first.text
    assert first.json()["location"] == {"lat": 28.97, "lng": 118.87}
    assert first.json()["replayed"] is False and len(first.json()["matter_ids"]) == 1
    again = req("POST", "/visits", "member", json=visit)
    assert again.status_code == 201, again.text
    assert again.json()["replayed"] is True
    assert {k: again.json()[k] for k in ("id", "matter_ids", "notes", "location")} == {
        k: first.json()[k] for k in ("id", "matter_ids", "notes", "location")
    }
    recorded = req("GET", "/visits", "member", params={"household_id": first_household}).json()
    assert [v["id"] for v in recorded["items"]] == [first.json()["id"]]
    raised = req("GET", "/matters", "member", params={"per_page": 100}).json()["items"]
    assert [m["id"] for m in raised if m["title"] == "屋后水沟堵了"] == first.json()["matter_ids"]

    # one key is one visit: reused for another household it is refused, and records nothing
    clash = req("POST", "/visits", "member", json=visit | {"household_id": second_household})
    assert clash.status_code == 409, clash.text
    assert clash.json()["code"] == "conflict" and "另一户" in clash.json()["title"]
    assert req("GET", "/visits", "member", params={"household_id": second_household}).json()["items"] == []

    # two sends of one queued visit at the same moment: one visit
    raced = {"household_id": second_household, "notes": "信号回来时同时发出", "client_key": uuid.uuid4().hex}
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(req("POST", "/visits", "member", json=raced)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [201] * 4, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sorted(a.json()["replayed"] for a in answers) == [False, True, True, True]
    recorded = req("GET", "/visits", "member", params={"household_id": second_household}).json()["items"]
    assert [v["id"] for v in recorded] == [answers[0].json()["id"]]

    # a key that is not one is a clear 422 that records nothing
    bad = req(
        "POST", "/visits", "member", json={"household_id": first_household, "notes": "x", "client_key": "短"}
    )
    assert bad.status_code == 422 and "client_key" in bad.json()["errors"], bad.text

    # the resident's letter, queued and sent twice: one matter at the grid
    letter = {"kind": "text", "text": "路灯坏了好几天了", "client_key": uuid.uuid4().hex}
    sent = req("POST", "/mailbox", "resident", json=letter)
    resent = req("POST", "/mailbox", "resident", json=letter)
    assert sent.status_code == resent.status_code == 201, (sent.text, resent.text)
    assert (sent.json()["replayed"], resent.json()["replayed"]) == (False, True)
    assert resent.json()["matter_id"] == sent.json()["matter_id"]
    waiting = req("GET", "/matters", "gridworker", params={"mine": "true", "source": "mailbox"}).json()[
        "items"
    ]
    assert [m["id"] for m in waiting if m["title"].endswith("路灯坏了好几天了")] == [sent.json()["matter_id"]]
    # a new key is a new letter
    assert (
        req("POST", "/mailbox", "resident", json=letter | {"client_key": uuid.uuid4().hex}).json()[
            "matter_id"
        ]
        != sent.json()["matter_id"]
    )
