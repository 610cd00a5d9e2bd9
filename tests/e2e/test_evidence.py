"""Evidence that cannot be made up (issue 17 part 3), through the gateway as the people
involved: a village secretary's submission and procedure step name only files uploaded to
the platform, by them or their village, of the right kind; anything else is 422 with the
reference named (in Chinese, or English when asked) and changes nothing; the township leader
reviewing sees each photo's capture time and place, and a photo taken before the work was
dispatched is flagged."""

from datetime import UTC, date, datetime, timedelta

from services.tasks.fieldwork.capture import CHINA
from tests.e2e.test_taskflow import _api, _ok
from tests.photos import PDF, jpeg

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40


def _exif_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y:%m:%d %H:%M:%S")


def test_evidence_names_real_uploads_and_the_reviewer_sees_when_photos_were_taken(platform_pg):
    admin, leader, leader2, secretary = (
        _api(platform_pg, u) for u in ("admin", "township", "township2", "secretary")
    )
    _ok(admin.post("/catalogue/seed-default"))
    _ok(admin.post("/procedure-templates/seed-default"))
    village = secretary.me()["org_unit_id"]
    task = _ok(
        leader.post(
            "/tasks",
            {
                "title": "森林防火宣传与巡查",
                "matter_code": "FX006",
                "target_ids": [village],
                "deadline": (date.today() + timedelta(days=7)).isoformat(),
            },
        ),
        201,
    )
    _ok(leader.post(f"/tasks/{task['id']}/approve"))
    _ok(leader.post(f"/tasks/{task['id']}/dispatch"))
    [a] = _ok(leader.get("/assignments", params={"task_id": task["id"]}))["items"]
    _ok(secretary.post(f"/assignments/{a['id']}/claim"))

    now = datetime.now(UTC)
    old = secretary.upload(
        jpeg(_exif_time(now - timedelta(days=30)), gps=((29.0, 5.0, 0.0), (118.0, 54.0, 0.0)))
    )
    fresh = secretary.upload(jpeg(_exif_time(now)), name="巡山.jpg")
    voice = secretary.upload(WAV, "录音.wav", "audio/wav")
    theirs = leader2.upload(name="别镇.jpg")
    where = {"lat": 29.0, "lng": 118.9, "address": "后山"}

    def submit(photos, lang=None):
        body = {"evidence": {"text": "已巡山并宣传", "photos": photos, "location": where}}
        return (
            secretary.en("POST", f"/assignments/{a['id']}/submit", body)
            if lang
            else secretary.post(f"/assignments/{a['id']}/submit", body)
        )

    # a file name, a hash or a link is no evidence: refused by name before anything is looked up
    r = submit(["现场照片.jpg"])
    assert r.status_code == 422 and r.json()["code"] == "validation_failed", r.text
    assert r.json()["errors"] == {"evidence": {"photos": {"0": ["「现场照片.jpg」不是已上传附件的编号"]}}}
    r = submit([fresh, "https://files.example/p.jpg"], lang="en")
    assert r.json()["errors"] == {
        "evidence": {
            "photos": {"1": ["“https://files.example/p.jpg” is not the id of an uploaded attachment."]}
        }
    }

    # ids that name nothing, another township's file, a voice clip as a photo: each one named
    r = submit([fresh, 987654321, theirs, voice])
    assert r.status_code == 422 and r.json()["code"] == "evidence_not_uploaded", r.text
    assert r.json()["title"] == "佐证材料须是先上传到平台的附件,请检查标出的引用"
    assert r.json()["errors"] == {
        "evidence": {
            "photos": [
                "附件 987654321 不存在",
                f"附件 {theirs} 不是本人或本村上传的",
                f"附件 {voice} 不是照片",
            ]
        }
    }
    en = submit([987654321], lang="en").json()
    assert en["errors"] == {"evidence": {"photos": ["Attachment 987654321 does not exist."]}}
    unchanged = _ok(leader.get(f"/assignments/{a['id']}"))
    assert unchanged["status"] == "claimed" and unchanged["evidence"] is None  # nothing changed

    # real photos: accepted, each with its capture facts; the old one flagged for the reviewer
    done = _ok(submit([old, fresh]))
    assert done["status"] == "submitted"
    files = {f["id"]: f for f in done["evidence"]["files"]}
    assert files[old]["taken_before_dispatch"] is True and files[fresh]["taken_before_dispatch"] is False
    assert files[old]["taken_place"] == {"lat": 29.083333, "lng": 118.9}
    assert files[fresh]["filename"] == "巡山.jpg" and files[fresh]["taken_place"] is None
    seen = _ok(leader.get(f"/assignments/{a['id']}"))
    [warning] = seen["evidence_warnings"]
    assert warning["code"] == "photo_taken_before_dispatch" and warning["attachment_id"] == old
    assert "早于派发时间" in warning["label"] and warning["label"].startswith("照片 现场.jpg 拍摄于 ")
    # a procedure step: minutes and attendance sheets are uploads too
    joint = _ok(
        secretary.post(
            "/procedures", {"template_code": "LXHY", "village_id": village, "title": "村道路灯维护"}
        ),
        201,
    )
    topics = {"evidence": {"proposals": [{"source": "cadre", "content": "路灯维护"}], "summary": "议题 1 项"}}
    _ok(secretary.post(f"/procedures/{joint['id']}/steps/0/complete", topics))
    minutes = secretary.upload(PDF, "会议记录.pdf", "application/pdf")
    meeting = {
        "held_at": datetime.now(UTC).isoformat(),
        "minutes": [minutes],
        "attendance": {"entitled": 5, "present": 4, "names": ["甲", "乙", "丙", "丁"], "sheets": [voice]},
        "votes": {"for": 4, "against": 0, "abstain": 0},
        "photos": [fresh],
    }
    r = secretary.post(f"/procedures/{joint['id']}/steps/1/complete", {"evidence": meeting})
    assert r.status_code == 422 and r.json()["errors"] == {
        "evidence": {"attendance": {"sheets": [f"附件 {voice} 不是文件或照片"]}}
    }
    english = secretary.en(
        "POST", f"/procedures/{joint['id']}/steps/1/complete", {"evidence": meeting}
    ).json()
    assert english["errors"] == {
        "evidence": {"attendance": {"sheets": [f"Attachment {voice} is not a document or a photo."]}}
    }
    assert _ok(secretary.get(f"/procedures/{joint['id']}"))["current_step"] == 1  # still waiting
    meeting["attendance"]["sheets"] = [old]
    step = _ok(secretary.post(f"/procedures/{joint['id']}/steps/1/complete", {"evidence": meeting}))
    completed = step["steps"][1]
    assert {f["id"] for f in completed["evidence"]["files"]} == {minutes, old, fresh}
    assert [w["attachment_id"] for w in completed["evidence_warnings"]] == [old]
    assert completed["evidence_warnings"][0]["label"].endswith(",早于程序开始时间")
