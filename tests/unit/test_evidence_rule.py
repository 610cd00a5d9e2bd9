"""Evidence that cannot be made up (issue 17 part 3): the rule on references, the EXIF facts
and the warning for a photo taken before the work was handed out."""

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from marshmallow import ValidationError

from common.contracts.ids import AttachmentRef
from common.contracts.tasks import SubmitRequest
from services.tasks.fieldwork import evidence
from services.tasks.fieldwork.capture import read_capture
from tests.photos import PDF, jpeg

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
VILLAGE = "/1/2/3/"


def upload(id, kind="photo", by=7, path="/1/2/3/40/", at=NOW - timedelta(hours=1), taken=None):
    return SimpleNamespace(
        id=id, kind=kind, uploaded_by=by, org_path=path, created_at=at, filename=f"f{id}.jpg",
        content_type="image/jpeg", taken_at=taken, taken_lat=None, taken_lng=None,
    )  # fmt: skip


def test_a_proper_upload_passes_and_every_bad_reference_is_named():
    found = {
        1: upload(1),  # the submitter's own photo
        2: upload(2, by=99),  # a colleague's, uploaded in the same village
        3: upload(3, by=99, path="/1/2/8/"),  # another village's
        4: upload(4, kind="voice"),
        5: upload(5, at=NOW + timedelta(minutes=5)),
        6: upload(6, kind="document"),
    }
    assert evidence.check({"photos": [1, 2]}, found, 7, VILLAGE, NOW) == {}
    errors = evidence.check({"photos": [1, 3, 4, 5, 6, 404], "minutes": [6, 4]}, found, 7, VILLAGE, NOW)
    assert errors == {
        "photos": [
            "附件 3 不是本人或本村上传的",
            "附件 4 不是照片",
            "附件 5 上传于提交之后",
            "附件 6 不是照片",
            "附件 404 不存在",
        ],
        "minutes": ["附件 4 不是文件或照片"],
    }
    # any kind is an attachment; a sheet of names may be a photo of the paper
    assert evidence.check({"attachments": [4, 6], "sheets": [1]}, found, 7, VILLAGE, NOW) == {}


def test_references_are_ids_and_a_file_name_or_url_is_refused_by_name():
    ref = AttachmentRef()
    assert ref.deserialize(12) == 12
    assert ref.deserialize("12") == 12
    assert ref.deserialize("/api/v1/attachments/12") == 12
    for bad, shown in (
        ("sha256:ab12", "sha256:ab12"),
        ("https://files.example/a.pdf", "https://files.example/a.pdf"),
        (0, "0"),
        (-3, "-3"),
        (6.5, "6.5"),
        (True, "true"),  # as the client wrote it, not Python's spelling
        ("/api/v1/attachments/x", "/api/v1/attachments/x"),
    ):
        with pytest.raises(ValidationError) as caught:
            ref.deserialize(bad)
        assert caught.value.messages == [f"「{shown}」不是已上传附件的编号"]
    errors = SubmitRequest().validate({"evidence": {"photos": [3, "photo.jpg"]}})
    assert errors == {"evidence": {"photos": {1: ["「photo.jpg」不是已上传附件的编号"]}}}


def test_exif_capture_time_and_place_are_read_and_an_offset_is_honoured():
    got = read_capture(jpeg("2026:11:01 10:00:00", gps=((30.0, 52.0, 12.0), (118.0, 52.0, 12.0))))
    assert got.taken_at == datetime(2026, 11, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert (got.lat, got.lng) == (30.87, 118.87)
    tokyo = read_capture(jpeg("2026:11:01 10:00:00", offset="+09:00"))
    assert tokyo.taken_at.utcoffset() == timedelta(hours=9) and tokyo.lat is None
    for none in (jpeg(taken=None), PDF, b"\xff\xd8\xff broken"):
        assert read_capture(none).taken_at is None


def test_a_photo_taken_before_dispatch_is_flagged_for_the_reviewer():
    dispatched = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    old = upload(1, taken=dispatched - timedelta(days=30))
    skewed = upload(2, taken=dispatched - timedelta(minutes=5))  # a camera clock a little off
    fresh = upload(3, taken=dispatched + timedelta(days=1))
    unknown = upload(4)
    files = [evidence.file_facts("photos", a, dispatched) for a in (old, skewed, fresh, unknown)]
    assert [f["taken_before_dispatch"] for f in files] == [True, False, False, False]
    assert files[0]["taken_at"] == "2026-10-11T02:00:00+00:00" and files[3]["taken_at"] is None
    assert evidence.warnings(files) == [
        {
            "code": "photo_taken_before_dispatch",
            "attachment_id": 1,
            "label": "照片 f1.jpg 拍摄于 2026-10-11 10:00,早于派发时间",
            "label_en": "Photo f1.jpg was taken at 2026-10-11 10:00, before it was dispatched",
        }
    ]
    # a procedure step's photos are measured from the procedure's start, and say so
    assert evidence.warnings(files, "procedure")[0]["label"].endswith(",早于程序开始时间")


def test_references_are_collected_from_every_field_that_names_files():
    body = {"photos": [1], "minutes": [2], "attachments": [], "attendance": {"present": 3, "sheets": [4]}}
    assert evidence.refs_of(body) == {"photos": [1], "minutes": [2], "sheets": [4]}
