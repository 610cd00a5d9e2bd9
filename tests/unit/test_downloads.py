"""Headers a stored file is served with (gateway.downloads): photos inline, anything else
as a download, the name cleaned of what could break or bend the header."""

import pytest

from gateway.downloads import disposition, file_headers


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp", "image/gif"])
def test_photos_may_show_inline(content_type):
    assert disposition(content_type, "走访.jpg", "attachment-1").startswith("inline; ")


@pytest.mark.parametrize("content_type", ["application/pdf", "audio/mpeg", "image/svg+xml", "text/html"])
def test_everything_else_downloads(content_type):
    assert disposition(content_type, "a.pdf", "attachment-1") == 'attachment; filename="a.pdf"'


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        (
            '会议记录"\r\n.pdf',
            "attachment; filename=\"pdf\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95.pdf",
        ),
        ("../../etc/passwd", 'attachment; filename="passwd"'),
        ("..\\..\\boot.ini", 'attachment; filename="boot.ini"'),
        (
            'x"; filename="evil.html',
            "attachment; filename=\"x_filenameevil.html\"; filename*=UTF-8''x%3B%20filename%3Devil.html",
        ),
        (None, 'attachment; filename="attachment-7"'),
        ("语音", "attachment; filename=\"attachment-7\"; filename*=UTF-8''%E8%AF%AD%E9%9F%B3"),
    ],
)
def test_the_name_cannot_break_the_header(filename, header):
    value = disposition("application/pdf", filename, "attachment-7")
    assert value == header and "\r" not in value and "\n" not in value


def test_every_file_is_nosniff_and_sandboxed():
    headers = file_headers("application/pdf", "a.pdf", "attachment-1")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert headers["Content-Disposition"] == 'attachment; filename="a.pdf"'
