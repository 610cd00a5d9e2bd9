"""Headers for serving a stored file back (attachments): a browser must never run it as a
page of the platform. Photos may show inline; everything else downloads. The content
type is the one recognised from the bytes at upload, and nosniff keeps the browser to it;
the sandbox CSP makes even a file opened directly a script-less, origin-less document.
"""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote

from werkzeug.utils import secure_filename

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
SANDBOX = "sandbox; default-src 'none'"


def disposition(content_type: str, filename: str | None, fallback: str) -> str:
    """`inline` for photos, `attachment` otherwise; an ASCII filename and the original
    (Chinese) one as RFC 6266 filename*, with no quotes, slashes or line breaks left in."""
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '"')[:200]
    ascii_name = secure_filename(name) or fallback
    header = f'{kind}; filename="{ascii_name}"'
    if name and name != ascii_name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def file_headers(content_type: str, filename: str | None, fallback: str) -> dict[str, str]:
    return {
        "Content-Disposition": disposition(content_type, filename, fallback),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
        "Cache-Control": "private, max-age=86400",
    }
