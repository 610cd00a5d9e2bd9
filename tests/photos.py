"""Real files for tests: a JPEG with the EXIF block a phone camera writes (capture time,
optional offset and GPS), and a minimal PDF."""

from __future__ import annotations

import io

from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (240, 220, 200)).save(out, "PNG")
    return out.getvalue()


def jpeg(
    taken: str | None = "2026:11:01 10:00:00", gps: tuple | None = None, offset: str | None = None
) -> bytes:
    """`taken` as EXIF writes it ("YYYY:MM:DD HH:MM:SS"), `gps` as ((d, m, s), (d, m, s)) N/E."""
    image = Image.new("RGB", (16, 16), (200, 220, 240))
    exif = Image.Exif()
    detail = exif.get_ifd(0x8769)
    if taken:
        detail[0x9003] = taken
    if offset:
        detail[0x9011] = offset
    if gps:
        place = exif.get_ifd(0x8825)
        place[1], place[2], place[3], place[4] = "N", gps[0], "E", gps[1]
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
