"""The pure rules of procedures (issue 7), each broken once: evidence, quorum, majority of
those entitled or present, attendance lists, posting periods, dates before the step opened
or in the future, template validation, and the hash chain's verification."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from common import crypto
from services.tasks.procedures import domain
from services.tasks.procedures.templates_default import default_templates

OPENED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = OPENED + timedelta(hours=5)
MEETING = {
    "evidence": ["held_at", "minutes", "attendance", "votes"],
    "rules": {
        "quorum": {"ratio": "2/3", "strict": False},
        "majority": {"ratio": "1/2", "strict": True, "of": "present"},
    },
    "roles": ["village_secretary"],
}


def meeting(entitled=30, present=20, votes_for=11, against=0, abstain=0, **extra) -> dict:
    return {
        "held_at": OPENED + timedelta(hours=1),
        "minutes": ["m1"],
        "attendance": {"entitled": entitled, "present": present, "names": [f"n{i}" for i in range(present)]},
        "votes": {"for": votes_for, "against": against, "abstain": abstain},
        **extra,
    }


def codes(step, evidence, opened=OPENED, now=NOW) -> list[str]:
    return [f.code for f in domain.check_step(step, evidence, opened, now)]


def test_a_meeting_that_meets_every_rule_passes():
    assert codes(MEETING, meeting()) == []


def test_missing_evidence_is_named():
    failures = domain.check_step(MEETING, {"held_at": OPENED + timedelta(hours=1)}, OPENED, NOW)
    assert failures[0].code == "evidence_missing"
    assert "会议记录" in failures[0].detail and "表决结果" in failures[0].detail


@pytest.mark.parametrize(
    ("present", "ok"),
    [(20, True), (19, False), (0, False)],  # two thirds of 30 is 20: at least 20
)
def test_quorum_two_thirds(present, ok):
    assert (
        "quorum_not_met" not in codes(MEETING, meeting(present=present, votes_for=present // 2 + 1))
    ) is ok


def test_strict_quorum_needs_more_than_half():
    step = {**MEETING, "rules": {"quorum": {"ratio": "1/2", "strict": True}}}
    assert codes(step, meeting(entitled=10, present=5, votes_for=5)) == ["quorum_not_met"]
    assert codes(step, meeting(entitled=10, present=6, votes_for=5)) == []


def test_majority_of_those_entitled_is_not_of_those_present():
    step = {**MEETING, "rules": {"majority": {"ratio": "1/2", "strict": True, "of": "entitled"}}}
    # 9 are entitled: 5 yes is more than half of them, 4 is not (though it is more than half of the 7 present)
    assert codes(step, meeting(entitled=9, present=7, votes_for=5)) == []
    assert codes(step, meeting(entitled=9, present=7, votes_for=4)) == ["majority_not_reached"]
    present_step = {**MEETING, "rules": {"majority": {"ratio": "1/2", "strict": True, "of": "present"}}}
    assert codes(present_step, meeting(entitled=9, present=7, votes_for=4)) == []


def test_a_tie_is_not_a_majority():
    assert "majority_not_reached" in codes(MEETING, meeting(present=20, votes_for=10, against=10))


def test_attendance_list_must_match_the_count_and_not_exceed_the_entitled():
    evidence = meeting()
    evidence["attendance"]["names"] = evidence["attendance"]["names"][:-1]
    assert "attendance_mismatch" in codes(MEETING, evidence)
    assert "attendance_mismatch" in codes(MEETING, meeting(entitled=10, present=12, votes_for=7))


def test_votes_cannot_exceed_those_present():
    assert "votes_exceed_present" in codes(MEETING, meeting(present=20, votes_for=15, against=6))


def test_evidence_dated_before_the_step_opened_is_refused():
    assert codes(MEETING, meeting(held_at=OPENED - timedelta(seconds=1))) == ["backdated"]
    assert codes(MEETING, meeting(held_at=OPENED)) == []


def test_evidence_dated_in_the_future_is_refused():
    assert codes(MEETING, meeting(held_at=NOW + timedelta(minutes=1))) == ["future_dated"]


NOTICE = {"evidence": ["notice"], "rules": {"notice_days": 5}, "roles": ["village_cadre"]}


def notice(posted, days):
    return {"notice": {"posted_at": posted, "until": posted + timedelta(days=days), "place": "公开栏"}}


def test_notice_must_be_posted_for_n_days():
    posted = OPENED + timedelta(hours=2)
    assert codes(NOTICE, notice(posted, 5)) == []
    assert codes(NOTICE, notice(posted, 4.9)) == ["notice_too_short"]


def test_notice_posted_before_the_step_opened_is_refused():
    assert codes(NOTICE, notice(OPENED - timedelta(days=1), 7)) == ["backdated"]


def test_proposals_need_at_least_the_minimum():
    step = {"evidence": ["proposals"], "rules": {"min_proposals": 2}, "roles": ["village_cadre"]}
    assert codes(step, {"proposals": [{"source": "member", "content": "a"}]}) == ["too_few_proposals"]
    assert codes(step, {"proposals": [{"source": "member", "content": "a"}] * 2}) == []
    assert codes(step, {"proposals": []}) == ["evidence_missing"]


def test_default_templates_are_valid_and_follow_zhejiang():
    templates = {t["code"]: t for t in default_templates()}
    for t in templates.values():
        assert domain.validate_steps(t["steps"]) == {}
    keys = [s["key"] for s in templates["WYLGK"]["steps"]]
    assert keys == [
        "proposal",
        "party_proposal",
        "joint_meeting",
        "members_meeting",
        "villagers_meeting",
        "resolution_public",
        "result_public",
    ]
    assert templates["WYLGK"]["applies_to_major"] is True


def test_template_validation_refuses_inconsistent_steps():
    bad = [
        {
            "key": "a",
            "name": "a",
            "roles": ["village_secretary"],
            "evidence": ["minutes"],
            "rules": {"quorum": {"ratio": "1/2"}},
        },
        {"key": "a", "name": "b", "roles": [], "evidence": ["notice"], "rules": {}},
        {
            "key": "c",
            "name": "c",
            "roles": ["x"],
            "evidence": ["attendance"],
            "rules": {"quorum": {"ratio": "3/2"}},
        },
        {"key": "d", "name": "d", "roles": ["x"], "evidence": [], "rules": {"notice_days": 3}},
    ]
    errors = domain.validate_steps(bad)
    assert set(errors) == {"steps", "0", "1", "2", "3"}


# -- the chain -------------------------------------------------------------------------------


def chain(n: int, algs: tuple[str, ...] = ("sha256",)) -> list[domain.Link]:
    """n links; link i hashed with algs[i-1] (the last one repeats)."""
    links, prev = [], domain.GENESIS
    for i in range(1, n + 1):
        content = f'{{"n":{i}}}'
        alg = algs[min(i, len(algs)) - 1]
        h = domain.entry_hash(prev, content, alg)
        links.append(domain.Link(i, i, content, content, prev, h, alg))
        prev = h
    return links


def test_chain_key_is_the_village():
    assert domain.chain_key("/1/2/3/4/") == "/1/2/3/"
    assert domain.chain_key("/1/2/3/") == "/1/2/3/"
    assert domain.chain_key("/1/2/") == "/1/2/"


def test_an_intact_chain_verifies():
    links = chain(4)
    assert domain.verify_chain(links, links[-1].hash, 4) is None


def test_an_edited_column_is_a_content_mismatch():
    links = chain(4)
    links[1] = domain.Link(2, 2, links[1].content, '{"n":99}', links[1].prev_hash, links[1].hash)
    assert domain.verify_chain(links, links[-1].hash, 4) == {"id": 2, "seq": 2, "reason": "content_mismatch"}


def test_edited_content_is_a_hash_mismatch():
    links = chain(4)
    links[2] = domain.Link(3, 3, '{"n":0}', '{"n":0}', links[2].prev_hash, links[2].hash)
    assert domain.verify_chain(links, links[-1].hash, 4)["reason"] == "hash_mismatch"


def test_a_rehashed_row_breaks_the_next_link():
    links = chain(4)
    forged = '{"n":0}'
    links[2] = domain.Link(
        3, 3, forged, forged, links[2].prev_hash, domain.entry_hash(links[2].prev_hash, forged)
    )
    assert domain.verify_chain(links, links[-1].hash, 4) == {"id": 4, "seq": 4, "reason": "prev_mismatch"}


def test_a_deleted_row_is_a_gap_and_a_deleted_tail_is_a_head_mismatch():
    links = chain(4)
    assert domain.verify_chain(links[:1] + links[2:], links[-1].hash, 4)["reason"] == "seq_gap"
    assert domain.verify_chain(links[:3], links[-1].hash, 4)["reason"] == "head_mismatch"


def test_unchained_rows_after_the_chain_started_are_refused():
    links = chain(2) + [domain.Link(9, None, "x", "x", None, None)]
    assert domain.verify_chain(links, None, None)["reason"] == "unchained"
    assert (
        domain.verify_chain([domain.Link(0, None, "x", "x", None, None)] + chain(2), chain(2)[-1].hash, 2)
        is None
    )


def test_bidding_closes_at_the_deadline():
    assert domain.bidding_open(OPENED, OPENED) is True
    assert domain.bidding_open(OPENED, OPENED + timedelta(microseconds=1)) is False


def test_sm3_chains_and_chains_that_switched_digest_verify():
    sm3 = chain(4, ("sm3",))
    assert sm3[0].hash == crypto.chain_hash(domain.GENESIS, '{"n":1}', "sm3") != chain(1)[0].hash
    assert domain.verify_chain(sm3, sm3[-1].hash, 4) is None
    # begun under SHA-256, switched to SM3 (GOV_HASH) mid-chain: each row checks with its own
    mixed = chain(4, ("sha256", "sha256", "sm3"))
    assert [link.alg for link in mixed] == ["sha256", "sha256", "sm3", "sm3"]
    assert domain.verify_chain(mixed, mixed[-1].hash, 4) is None
    # rows from before the digest was recorded (alg None) are SHA-256
    legacy = [dataclasses.replace(link, alg=None) for link in chain(2)]
    assert domain.verify_chain(legacy, legacy[-1].hash, 2) is None


def test_a_relabelled_digest_is_a_hash_mismatch():
    links = chain(3, ("sm3",))
    links[1] = dataclasses.replace(links[1], alg="sha256")
    assert domain.verify_chain(links, links[-1].hash, 3) == {"id": 2, "seq": 2, "reason": "hash_mismatch"}
