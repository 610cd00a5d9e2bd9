"""Signed bearer tokens (JWT, HS256) carrying the verified actor.

Two lifetimes: the session ends `GOV_TOKEN_SECONDS` after login (`sexp`, absolute), and a
token is only good for `GOV_IDLE_SECONDS` (`exp`). Every authenticated answer carries a
fresh token (`X-Refreshed-Token`, same `jti` and `sexp`, new `exp`), so a client that keeps
working keeps its session and one left idle is refused (401 `token_idle`). Nothing is kept
per token on the gateway, so this holds across every replica.
"""

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


def idle_seconds() -> int:
    return int(env("GOV_IDLE_SECONDS", "1800"))


def issue(
    actor: dict,
    secret: str,
    lifetime: int,
    idle: int | None = None,
    *,
    session_ends: int | None = None,
    jti: str | None = None,
) -> str:
    """A token for `actor`; a refresh passes the session's `jti` and end again."""
    now = int(time.time())
    ends = session_ends or now + lifetime
    claims = {
        "iss": ISSUER,
        "sub": str(actor["id"]),
        "iat": now,
        "exp": min(ends, now + (idle or lifetime)),
        "sexp": ends,
        "jti": jti or uuid.uuid4().hex,
        "name": actor["name"],
        "roles": actor["roles"],
        "org_unit_id": actor["org_unit_id"],
        "department_id": actor.get("department_id"),
        "scope": actor["scope"],
        "cv": int(actor.get("cv") or 1),
        "pwc": bool(actor.get("must_change_password") or actor.get("pwc")),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def refresh(actor: dict, secret: str) -> str:
    """The same session's token with its idle window starting now."""
    return issue(
        actor, secret, token_lifetime(), idle_seconds(), session_ends=actor["sexp"], jti=actor["jti"]
    )


def looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2 and value.startswith("eyJ")


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
        raise DomainError(_why_expired(token.strip(), secret)) from exc
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
        "sexp": claims.get("sexp", claims["exp"]),
        "cv": int(claims.get("cv", 1)),
        "pwc": bool(claims.get("pwc", False)),
    }


def _why_expired(token: str, secret: str) -> str:
    """`token_idle` when the session itself had time left, else `token_expired`."""
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"verify_exp": False})
    return "token_idle" if claims.get("sexp", claims["exp"]) > time.time() else "token_expired"


# Claims that are the gateway's own business, not who the actor is.
INTERNAL = ("jti", "exp", "sexp", "cv", "pwc", "client")
