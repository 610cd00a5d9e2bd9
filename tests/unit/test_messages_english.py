"""Every Chinese field message the code can return has its English counterpart, so a client
that asks for English (Accept-Language: en) never gets a Chinese sentence in `errors`."""

import pathlib
import re

from common.contracts.messages import _PAIRS, to_english

ROOT = pathlib.Path(__file__).resolve().parents[2]
# where a field message is written: a field's list of messages, a ValidationError, a validator's error=
MESSAGE = re.compile(r'(?:":\s*\[\s*|ValidationError\(\s*|error=\s*)f?"([^"]*[\u4e00-\u9fff][^"]*)"')
PLACEHOLDER = re.compile(r"\{[^}]*\}")
# Chinese text in those shapes that is not a field message
NOT_MESSAGES = {
    "配偶",  # a relation in the demo data
    "只读取第一个工作表;表头必须在第一行;重复导入同一文件不会产生重复数据。",  # a template's note
    "您有 {len(items)} 条未读消息:",  # the digest's first line
}


def _shape(text: str) -> str:
    return PLACEHOLDER.sub("\x00", text)


def _written_messages():
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("common/**/*.py"), *ROOT.glob("gateway/**/*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in MESSAGE.finditer(line):
                text = match.group(1)
                if text not in NOT_MESSAGES and " / " not in text:  # "中文 / English" is both
                    yield f"{path.relative_to(ROOT)}:{number}", text


def test_every_chinese_field_message_in_the_code_has_an_english_pair():
    shapes = {_shape(zh) for zh, _ in _PAIRS}
    found = list(_written_messages())
    assert len(found) > 60  # the scan sees the code's messages at all
    missing = [
        f"{where}: {text}"
        for where, text in found
        if _shape(text) not in shapes and to_english(text) == text  # an f-string, or a literal
    ]
    assert missing == []


def test_messages_with_values_translate_with_their_values():
    assert to_english({"targets": ["组织不存在:5、6"]}) == {"targets": ["No such org unit: 5、6"]}
    assert to_english(["年份应在 2000 到 2200 之间"]) == ["The year must be between 2000 and 2200."]
    assert to_english({"evidence": {"photo": ["该事项办结需提供照片"]}}) == {
        "evidence": {"photo": ["This evidence is required to complete the matter."]}
    }
    assert to_english(["请写下走访情况,或附上照片"]) == ["Write what the visit found, or attach a photo."]
