"""商用密码: SM3 and SHA-256 chain hashes, SM4-GCM and AES-GCM field sealing, the keyed
blind index, keys from the environment, and rotation between key ids."""

import base64
import hashlib
import hmac
import os
import stat

import pytest

from common import config, crypto, keys

K1 = base64.b64encode(b"\x01" * 16).decode()
K2 = base64.b64encode(b"\x02" * 16).decode()
# the field_keys fixture (tests/conftest.py) starts with k1 = K1 and the blind-index key 0x03…


def test_sm3_known_answer_and_sha256():
    assert (
        crypto.digest(b"abc", "sm3").hex()
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    # GB/T 32905 example 2: "abcd" repeated 16 times
    assert (
        crypto.digest(b"abcd" * 16, "sm3").hex()
        == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )
    assert crypto.chain_hash("ab", "c", "sm3") == crypto.digest(b"abc", "sm3").hex()
    assert crypto.chain_hash("ab", "c", "sha256") == hashlib.sha256(b"abc").hexdigest()


def test_chain_hash_follows_gov_hash(field_keys, monkeypatch):
    assert crypto.chain_hash("", "abc") == crypto.digest(b"abc", "sm3").hex()
    monkeypatch.setenv("GOV_HASH", "sha256")
    assert crypto.chain_hash("", "abc") == hashlib.sha256(b"abc").hexdigest()
    monkeypatch.setenv("GOV_HASH", "md5")
    with pytest.raises(RuntimeError, match="GOV_HASH"):
        crypto.chain_hash("", "abc")


@pytest.mark.parametrize("cipher", ["sm4", "aes-gcm"])
def test_seal_round_trip(field_keys, cipher):
    field_keys(cipher=cipher)
    sealed = crypto.seal("13812345678")
    assert sealed.startswith(f"enc1:{cipher}:k1:") and "13812345678" not in sealed
    assert crypto.open_sealed(sealed) == "13812345678"
    assert crypto.sealed_with(sealed) == (cipher, "k1")
    assert crypto.seal("13812345678") != sealed  # a fresh nonce each time
    assert crypto.seal(None) is None and crypto.open_sealed(None) is None
    assert len(crypto.seal("3" * 20)) <= 160  # fits the sealed column


def test_sm4_is_the_standard_cipher(field_keys):
    """The sealed body is plain SM4-GCM: opened here with cryptography directly."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    sealed = crypto.seal("330102199001011234")
    blob = sealed.split(":")[3]
    raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    dec = Cipher(algorithms.SM4(b"\x01" * 16), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(b"enc1:sm4:k1")
    assert dec.update(body) + dec.finalize() == b"330102199001011234"


@pytest.mark.parametrize("cipher", ["sm4", "aes-gcm"])
def test_tampering_is_detected(field_keys, cipher):
    field_keys(spec=f"k1:{K1},k2:{K2}", cipher=cipher)
    sealed = crypto.seal("13812345678")
    head, blob = sealed.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)))
    raw[14] ^= 1
    flipped = head + ":" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    other = "aes-gcm" if cipher == "sm4" else "sm4"
    for forged in (flipped, sealed.replace(":k1:", ":k2:"), sealed.replace(f":{cipher}:", f":{other}:")):
        with pytest.raises(ValueError):
            crypto.open_sealed(forged)
    with pytest.raises(ValueError, match="not a sealed value"):
        crypto.open_sealed("13812345678")


def test_blind_index_is_keyed_hmac(field_keys):
    one = crypto.blind_index("138 1234-5678")
    assert one == crypto.blind_index("13812345678") and len(one) == 64
    expected = hmac.new(b"\x03" * 32, b"13812345678", lambda: hashlib.new("sm3")).hexdigest()
    assert one == expected  # HMAC-SM3, checked against OpenSSL's own SM3
    assert crypto.blind_index("13812345679") != one
    field_keys(index=base64.b64encode(b"\x04" * 32).decode())
    assert crypto.blind_index("13812345678") != one  # without the key, no guessing
    field_keys(hash_alg="sha256")
    assert crypto.blind_index("13812345678") == hmac.new(b"\x03" * 32, b"13812345678", "sha256").hexdigest()


def test_rotation_between_key_ids(field_keys):
    field_keys(spec=f"k1:{K1}", active="k1")
    old = crypto.seal("13812345678")
    field_keys(spec=f"k2:{K2},k1:{K1}", active="k2")
    assert crypto.open_sealed(old) == "13812345678"  # old key id still readable
    new = crypto.seal(crypto.open_sealed(old))
    assert crypto.sealed_with(new) == ("sm4", "k2")
    field_keys(spec=f"k2:{K2}", active="k2")  # the old key removed
    assert crypto.open_sealed(new) == "13812345678"
    with pytest.raises(RuntimeError, match="'k1' is not in GOV_FIELD_KEYS"):
        crypto.open_sealed(old)


def test_bad_keys_are_refused(field_keys):
    for spec, active, match in (
        (f"k1:{K1}", "k9", "GOV_FIELD_KEY_ID"),
        ("k1:not base64!", "k1", "base64"),
        (f"bad id:{K1}", "bad id", "ids are"),
    ):
        field_keys(spec=spec, active=active)
        with pytest.raises(RuntimeError, match=match):
            crypto.ensure_configured()
    field_keys(spec="k1:" + base64.b64encode(b"\x01" * 32).decode())  # 32 bytes: AES-256, not SM4
    with pytest.raises(RuntimeError, match="sm4 takes"):
        crypto.ensure_configured()
    field_keys(spec="k1:" + base64.b64encode(b"\x01" * 32).decode(), cipher="aes-gcm")
    crypto.ensure_configured()
    assert crypto.open_sealed(crypto.seal("x")) == "x"


def test_production_refuses_without_keys(field_keys, monkeypatch):
    monkeypatch.setenv("GOV_ENV", "production")
    for missing in ("GOV_FIELD_KEYS", "GOV_FIELD_KEY_ID", "GOV_BLIND_INDEX_KEY"):
        field_keys()
        monkeypatch.delenv(missing)
        with pytest.raises(RuntimeError, match="must be set in production"):
            crypto.ensure_configured()
    field_keys()
    crypto.ensure_configured()


def test_demo_keys_are_made_once_under_var(field_keys, monkeypatch, tmp_path):
    field_keys(spec=None, active=None, index=None)
    monkeypatch.setattr(config, "VAR_DIR", tmp_path)
    sealed = crypto.seal("13812345678")
    assert crypto.sealed_with(sealed) == ("sm4", keys.DEMO_KEY_ID)
    for name in ("field-keys", "blind-index-key"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    crypto.reset()  # a second process reads the same keys
    assert crypto.open_sealed(sealed) == "13812345678"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blind-index-key", "field-keys"]
