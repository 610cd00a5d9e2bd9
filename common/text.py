"""What counts as written text: spaces (any Unicode space, full-width too) and invisible
format characters (zero-width space and joiners, the byte-order mark) say nothing."""

from __future__ import annotations

import unicodedata


def visible(text: str | None) -> str:
    """The text without its invisible format characters, trimmed of spaces."""
    return "".join(ch for ch in (text or "") if unicodedata.category(ch) != "Cf").strip()


def is_blank(text: str | None) -> bool:
    return not visible(text)
