"""The default procedure templates, as data: 五议两公开 in Zhejiang's form and 村务联席会议.

Loaded idempotently by `template_seed_default()`; a county admin adds or adjusts them
(each change is a new version; running procedures keep the version they started with).
Rules: quorum and majority are fractions ("1/2" strict = more than half); majority is
counted of those entitled to vote ("entitled") or of those present ("present");
notice_days is the shortest posting period of a public notice.
"""

from __future__ import annotations

from common import roles

VILLAGE_ACTORS = list(roles.PROCEDURE_STARTERS)
SECRETARY = ["village_secretary"]
MORE_THAN_HALF = {"ratio": "1/2", "strict": True}
MEETING = ["held_at", "minutes", "attendance", "votes"]


def default_templates() -> list[dict]:
    return [
        {
            "code": "WYLGK",
            "name": "五议两公开",
            "description": "村级重大事项决策:党员群众建议、村党组织提议、村“两委”联席会议商议、"
            "党员大会审议、村民(代表)会议决议,决议公开、实施结果公开。",
            "applies_to_major": True,
            "matter_codes": ["DJ004", "DJ006", "NY006", "NY007"],
            "steps": [
                {
                    "key": "proposal",
                    "name": "党员群众建议",
                    "roles": VILLAGE_ACTORS,
                    "evidence": ["proposals", "summary"],
                    "rules": {"min_proposals": 1},
                },
                {
                    "key": "party_proposal",
                    "name": "村党组织提议",
                    "roles": SECRETARY,
                    "evidence": MEETING,
                    "rules": {"quorum": MORE_THAN_HALF, "majority": MORE_THAN_HALF | {"of": "entitled"}},
                },
                {
                    "key": "joint_meeting",
                    "name": "村“两委”联席会议商议",
                    "roles": SECRETARY,
                    "evidence": MEETING,
                    "rules": {"quorum": MORE_THAN_HALF, "majority": MORE_THAN_HALF | {"of": "entitled"}},
                },
                {
                    "key": "members_meeting",
                    "name": "党员大会审议",
                    "roles": SECRETARY,
                    "evidence": [*MEETING, "photos"],
                    "rules": {"quorum": MORE_THAN_HALF, "majority": MORE_THAN_HALF | {"of": "entitled"}},
                },
                {
                    "key": "villagers_meeting",
                    "name": "村民(代表)会议决议",
                    "roles": SECRETARY,
                    "evidence": [*MEETING, "photos"],
                    # 村民委员会组织法第二十六条:三分之二以上组成人员参加,到会人员过半数同意
                    "rules": {
                        "quorum": {"ratio": "2/3", "strict": False},
                        "majority": MORE_THAN_HALF | {"of": "present"},
                    },
                },
                {
                    "key": "resolution_public",
                    "name": "决议公开",
                    "roles": VILLAGE_ACTORS,
                    "evidence": ["notice", "photos"],
                    "rules": {"notice_days": 5},
                },
                {
                    "key": "result_public",
                    "name": "实施结果公开",
                    "roles": VILLAGE_ACTORS,
                    "evidence": ["notice", "photos", "summary"],
                    "rules": {"notice_days": 5},
                },
            ],
        },
        {
            "code": "LXHY",
            "name": "村务联席会议",
            "description": "村党组织召集村委会、村务监督委员会、村经济合作社等议定村务,结果公开。",
            "applies_to_major": False,
            "matter_codes": ["DJ005"],
            "steps": [
                {
                    "key": "topics",
                    "name": "议题征集",
                    "roles": VILLAGE_ACTORS,
                    "evidence": ["proposals", "summary"],
                    "rules": {"min_proposals": 1},
                },
                {
                    "key": "meeting",
                    "name": "召开联席会议",
                    "roles": SECRETARY,
                    "evidence": [*MEETING, "photos"],
                    "rules": {"quorum": MORE_THAN_HALF, "majority": MORE_THAN_HALF | {"of": "present"}},
                },
                {
                    "key": "publish",
                    "name": "会议结果公开",
                    "roles": VILLAGE_ACTORS,
                    "evidence": ["notice"],
                    "rules": {"notice_days": 3},
                },
            ],
        },
    ]
