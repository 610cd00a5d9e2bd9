"""When and where a photo was taken, from its EXIF block (read with Pillow, never decoding
the pixels). Phones write DateTimeOriginal in local time, usually without an offset: a
missing offset is read as China Standard Time. A photo without EXIF (a screenshot, an edited
image) simply has no capture facts; that is shown, not refused."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image, UnidentifiedImageError

from services.tasks.fieldwork.domain import CHINA

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132


@dataclass(frozen=True)
class Capture:
    taken_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None


def _offset(text) -> timezone:
    if isinstance(text, str) and len(text) == 6 and text[0] in "+-" and text[3] == ":":
        try:
            delta = timedelta(hours=int(text[1:3]), minutes=int(text[4:6]))
        except ValueError:
            return CHINA
        if delta < timedelta(hours=15):
            return timezone(delta if text[0] == "+" else -delta)
    return CHINA


def _moment(text, offset) -> datetime | None:
    try:
        naive = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return naive.replace(tzinfo=_offset(offset))


def _degrees(dms, ref) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = round(d + m / 60 + s / 3600, 6)
    return -value if str(ref).upper() in ("S", "W") else value


def is_image(content: bytes) -> bool:
    """Whether the bytes are a whole image of the format their first bytes claim: a
    JPEG/PNG/WebP header in front of a page of HTML is not one."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a broken file; each means no
        return False
    return True


def read_capture(content: bytes) -> Capture:
    """The capture facts of a JPEG/PNG/WebP photo, or an empty Capture."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            detail, gps = exif.get_ifd(_EXIF_IFD), exif.get_ifd(_GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, KeyError, TypeError):
        return Capture()
    taken = _moment(detail.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME), detail.get(_OFFSET_ORIGINAL))
    lat = _degrees(gps.get(2), gps.get(1)) if gps.get(2) else None
    lng = _degrees(gps.get(4), gps.get(3)) if gps.get(4) else None
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        lat = lng = None
    return Capture(taken_at=taken, lat=lat, lng=lng)
