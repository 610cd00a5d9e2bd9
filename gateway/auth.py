"""Signed bearer tokens (JWT, HS256) carrying the verified actor."""

from __future__ import annotations

import secrets
import time
import uuid

import jwt

from common.config import VAR_DIR, env, is_production
from common.errors import DomainError

ALGORITHM = "HS256"
ISSUER = "grassroots-gateway"


def load_secret() -> str:
    """GOV_JWT_SECRET from the environment; outside production a random one kept under var/."""
    secret = env("GOV_JWT_SECRET")
    if secret:
        return secret
    if is_production():
        raise RuntimeError("GOV_JWT_SECRET must be set in production")
    path = VAR_DIR / "jwt-secret"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def token_lifetime() -> int:
    return int(env("GOV_TOKEN_SECONDS", "28800"))  # a working day


def issue(actor: dict, secret: str, lifetime: int) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": str(actor["id"]),
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "name": actor["name"],
        "roles": actor["roles"],
        "org_unit_id": actor["org_unit_id"],
        "department_id": actor.get("department_id"),
        "scope": actor["scope"],
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(header: str | None, secret: str) -> dict:
    """The actor from an `Authorization: Bearer …` header, or a 401 DomainError."""
    if not header:
        raise DomainError("unauthenticated")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise DomainError("token_invalid")
    try:
        claims = jwt.decode(
            token.strip(),
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise DomainError("token_expired") from exc
    except jwt.PyJWTError as exc:
        raise DomainError("token_invalid") from exc
    return {
        "id": int(claims["sub"]),
        "name": claims.get("name", ""),
        "roles": claims.get("roles", []),
        "org_unit_id": claims.get("org_unit_id"),
        "department_id": claims.get("department_id"),
        "scope": claims.get("scope", []),
        "jti": claims.get("jti"),
        "exp": claims["exp"],
    }
