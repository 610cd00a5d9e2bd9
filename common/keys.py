"""The field keys and the blind-index key, from the environment.

    GOV_FIELD_KEYS="k2:<base64 key>,k1:<base64 key>"   every key a stored row may name
    GOV_FIELD_KEY_ID=k2                                  the one new values are sealed with
    GOV_BLIND_INDEX_KEY=<base64 key>                     the HMAC key of the phone index

SM4 takes 16-byte keys, AES-GCM 16, 24 or 32. Outside production, a missing setting falls
back to a random key kept under var/ (like the gateway's JWT secret); production refuses.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from common import config

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
KEY_SIZES = {"sm4": (16,), "aes-gcm": (16, 24, 32)}
DEMO_KEY_ID = "demo1"


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    active: str
    index_key: bytes

    def key(self, kid: str, cipher: str) -> bytes:
        key = self.keys.get(kid)
        if key is None:
            raise RuntimeError(f"field key id {kid!r} is not in GOV_FIELD_KEYS")
        if len(key) not in KEY_SIZES[cipher]:
            raise RuntimeError(f"field key {kid!r} has {len(key)} bytes; {cipher} takes {KEY_SIZES[cipher]}")
        return key


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RuntimeError(f"{what} is not valid base64") from exc


def parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kid, sep, text = item.partition(":")
        if not sep or not KEY_ID.match(kid):
            raise RuntimeError("GOV_FIELD_KEYS takes `id:base64key` items; ids are 1-16 of A-Z a-z 0-9 _ -")
        keys[kid] = _b64(text, f"GOV_FIELD_KEYS[{kid}]")
    return keys


def _demo_secret(name: str, make: Callable[[], str]) -> str:
    """A secret file under var/, created once (atomically: several services start at once)."""
    path = config.VAR_DIR / name
    if not path.exists():
        config.VAR_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(make())
        try:
            os.link(tmp, path)  # fails if another process got there first; theirs wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def load() -> Keyring:
    production = config.is_production()
    spec, active, index = (
        config.env(n) for n in ("GOV_FIELD_KEYS", "GOV_FIELD_KEY_ID", "GOV_BLIND_INDEX_KEY")
    )
    if production and not (spec and active and index):
        raise RuntimeError(
            "GOV_FIELD_KEYS, GOV_FIELD_KEY_ID and GOV_BLIND_INDEX_KEY must be set in production"
        )
    if not spec:
        new_key = lambda: f"{DEMO_KEY_ID}:{base64.b64encode(secrets.token_bytes(16)).decode()}"  # noqa: E731
        spec = _demo_secret("field-keys", new_key)
    keys = parse_keys(spec)
    if not keys:
        raise RuntimeError("GOV_FIELD_KEYS holds no key")
    active = active or next(iter(keys))
    if active not in keys:
        raise RuntimeError(f"GOV_FIELD_KEY_ID {active!r} is not in GOV_FIELD_KEYS")
    if not index:
        index = _demo_secret("blind-index-key", lambda: base64.b64encode(secrets.token_bytes(32)).decode())
    index_key = _b64(index, "GOV_BLIND_INDEX_KEY")
    if len(index_key) < 16:
        raise RuntimeError("GOV_BLIND_INDEX_KEY must be at least 16 bytes")
    return Keyring(keys, active, index_key)


def as_env(ring: Keyring) -> dict[str, str]:
    """The settings that give another process these keys (a test's platform processes read
    what the test itself sealed)."""
    b64 = lambda key: base64.b64encode(key).decode()  # noqa: E731
    return {
        "GOV_FIELD_KEYS": ",".join(f"{kid}:{b64(key)}" for kid, key in ring.keys.items()),
        "GOV_FIELD_KEY_ID": ring.active,
        "GOV_BLIND_INDEX_KEY": b64(ring.index_key),
    }
