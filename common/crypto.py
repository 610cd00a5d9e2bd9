"""商用密码 (GB/T 39786-2021): the ledgers' chain hash, the field cipher for phone and ID
numbers at rest, and the keyed blind index that finds a phone without decrypting.

Framework-free. SM3/SM4 come from `cryptography` (OpenSSL), SHA-256 from hashlib;
GOV_HASH=sm3|sha256 and GOV_FIELD_CIPHER=sm4|aes-gcm choose. A sealed value reads
`enc1:<cipher>:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, so a row stays readable
after the active key or cipher changes, as long as its key is still in GOV_FIELD_KEYS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common import keys
from common.config import env

HASHES = ("sm3", "sha256")
CIPHERS = ("sm4", "aes-gcm")
PREFIX = "enc1"
NONCE = 12


def hash_algorithm() -> str:
    alg = env("GOV_HASH", "sm3")
    if alg not in HASHES:
        raise RuntimeError(f"GOV_HASH must be one of {HASHES}, not {alg!r}")
    return alg


def digest(data: bytes, alg: str) -> bytes:
    if alg == "sha256":
        return hashlib.sha256(data).digest()
    if alg == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()
    raise ValueError(f"unknown hash {alg!r}")


def chain_hash(prev: str, payload: str, alg: str | None = None) -> str:
    """The hex digest of one ledger link: hash(prev ‖ payload) with `alg` (default: GOV_HASH)."""
    return digest((prev + payload).encode("utf-8"), alg or hash_algorithm()).hex()


def cipher_name() -> str:
    name = env("GOV_FIELD_CIPHER", "sm4")
    if name not in CIPHERS:
        raise RuntimeError(f"GOV_FIELD_CIPHER must be one of {CIPHERS}, not {name!r}")
    return name


def _encrypt(name: str, key: bytes, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
    if name == "aes-gcm":
        return AESGCM(key).encrypt(nonce, plain, aad)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(plain) + enc.finalize() + enc.tag


def _decrypt(name: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if name == "aes-gcm":
        return AESGCM(key).decrypt(nonce, sealed, aad)
    body, tag = sealed[:-16], sealed[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(body) + dec.finalize()


def is_sealed(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def seal(plain: str | None) -> str | None:
    """Encrypt under the active key id with the configured cipher; None stays None."""
    if plain is None:
        return None
    ring = keyring()
    name, kid = cipher_name(), ring.active
    header = f"{PREFIX}:{name}:{kid}"
    nonce = os.urandom(NONCE)
    # the header is authenticated too: a swapped cipher name or key id fails to open
    body = _encrypt(name, ring.key(kid, name), nonce, plain.encode("utf-8"), header.encode())
    return f"{header}:{base64.urlsafe_b64encode(nonce + body).decode().rstrip('=')}"


def open_sealed(value: str | None) -> str | None:
    """The clear text of a sealed value; ValueError if it is not one or was tampered with."""
    if value is None:
        return None
    parts = value.split(":")
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in CIPHERS:
        raise ValueError("not a sealed value")
    name, kid, blob = parts[1], parts[2], parts[3]
    raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    try:
        plain = _decrypt(
            name, keyring().key(kid, name), raw[:NONCE], raw[NONCE:], f"{PREFIX}:{name}:{kid}".encode()
        )
    except InvalidTag as exc:
        raise ValueError("sealed value failed authentication (tampered or wrong key)") from exc
    return plain.decode("utf-8")


def sealed_with(value: str) -> tuple[str, str]:
    """(cipher, key id) a sealed value was written with."""
    _, name, kid, _ = value.split(":", 3)
    return name, kid


def blind_index(value: str | None) -> str | None:
    """Keyed HMAC (HMAC-SM3, or HMAC-SHA256 with GOV_HASH=sha256) of a normalised value, for
    equality look-ups: without GOV_BLIND_INDEX_KEY it reveals nothing, not even to a guesser."""
    if value is None:
        return None
    normal = value.replace(" ", "").replace("-", "").strip()
    key, data = keyring().index_key, normal.encode("utf-8")
    if hash_algorithm() == "sha256":
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


@cache
def keyring() -> keys.Keyring:
    return keys.load()


def reset() -> None:
    """Forget the loaded keys (tests, and the rotation command after changing the env)."""
    keyring.cache_clear()


def ensure_configured() -> None:
    """Called at service start: bad settings (or, in production, missing keys) stop it."""
    hash_algorithm()
    cipher_name()
    keyring().key(keyring().active, cipher_name())
