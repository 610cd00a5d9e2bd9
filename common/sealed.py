"""Phone and ID numbers at rest: a column type that seals on write and opens on read, and
the blind-index column kept beside a sealed phone for equality look-ups.

    phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    phone_bidx: Mapped[str | None] = mapped_column(BlindIndex(), nullable=True, index=True)
    keep_blind_index(Household.phone, "phone_bidx")

Queries and commands keep reading and writing clear text; only the database holds
ciphertext. Bulk loaders that bypass the ORM (COPY) call common.crypto.seal themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from common import crypto

SEALED_LENGTH = 160  # enc1:aes-gcm:<16-char id>: + base64 of 12 + 20 + 16 bytes, with room
INDEX_LENGTH = 64


class Sealed(TypeDecorator):
    """A string encrypted with the configured field cipher (see common.crypto)."""

    impl = String(SEALED_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return crypto.seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return crypto.open_sealed(value)


def BlindIndex() -> String:  # noqa: N802 - reads as a column type
    return String(INDEX_LENGTH)


def keep_blind_index(attribute: Any, index_name: str) -> None:
    """Whenever the ORM sets `attribute`, set `index_name` to its blind index."""

    @event.listens_for(attribute, "set", propagate=True)
    def _index(target: object, value: str | None, oldvalue: object, initiator: object) -> None:
        setattr(target, index_name, crypto.blind_index(value))


def phone_matches(index_column: Any, phone: str) -> ColumnElement[bool]:
    """A WHERE clause: the row's blind index equals the phone's."""
    return index_column == crypto.blind_index(phone)
