"""nameko entrypoints of logins and accounts (mixed into GridsService): logging in, one's
own password, disabling accounts, credential versions, Open311 api_keys."""

from __future__ import annotations

from nameko.rpc import rpc

from common.config import is_production
from common.contracts import accounts as contracts
from common.contracts import grids as grids_contracts
from common.contracts.base import load, schema
from common.errors import DomainError, not_found
from services.grids import account_admin, accounts, credentials, open311_keys, queries
from services.grids.demo import DEMO_PASSWORD
from services.grids.domain import Actor

expected = (DomainError,)


def _actor(claims: dict) -> Actor:
    return Actor.from_claims({**claims, "sub": claims["id"]})


def refused_password() -> str | None:
    """The demo password is never accepted in production, to log in or to be set."""
    return DEMO_PASSWORD if is_production() else None


class AccountEntrypoints:
    @rpc(expected_exceptions=expected)
    def authenticate(self, username: str, password: str, client: str | None = None) -> dict:
        with self.db() as uow:
            claims, refusal = accounts.authenticate(
                uow.session, username, password, refused_password(), client
            )
            uow.commit()  # the failure count and the audit row too: a refusal is remembered
        if refusal == "account_locked":
            raise DomainError("account_locked", {"minutes": accounts.LOCKOUT_MINUTES})
        if refusal:
            raise DomainError(refusal)
        return claims

    @rpc(expected_exceptions=expected)
    def change_password(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.PasswordChange), payload)
        with self.db() as uow:
            claims, refusal = accounts.change_password(
                uow, _actor(actor), data["old_password"], data["new_password"], refused_password()
            )
            uow.commit()
        if refusal:
            raise DomainError("validation_failed", fields={"old_password": ["原密码不正确"]})
        return claims

    @rpc(expected_exceptions=expected)
    def grant_account(self, actor: dict, person_id: int, payload: dict) -> dict:
        data = load(schema(grids_contracts.AccountGrant), payload)
        who = _actor(actor)
        with self.db() as uow:
            person = account_admin.grant_account(
                uow, who, person_id, data["username"], data["password"], refused_password()
            )
            uow.commit()
            return self._person_with_version(person, who)

    @rpc(expected_exceptions=expected)
    def set_account_disabled(self, actor: dict, person_id: int, payload: dict) -> dict:
        data = load(schema(contracts.AccountDisabled), payload)
        who = _actor(actor)
        with self.db() as uow:
            person = account_admin.set_disabled(uow, who, person_id, data["disabled"])
            uow.commit()
            return self._person_with_version(person, who)

    def _person_with_version(self, person, who: Actor) -> dict:
        # the version lets the gateway that served the change refuse old tokens at once
        shown = schema(grids_contracts.Person).dump(
            queries.person_dict(person, who.sees_pii, shows_username=True)
        )
        return {"person": shown, "credential_version": person.credential_version}

    @rpc
    def credential_versions(self) -> dict:
        """{person id: version} for the gateways to load when they start."""
        with self.db() as uow:
            return credentials.credential_versions(uow.session)

    # -- Open311 api_keys -----------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def issue_open311_key(self, actor: dict) -> dict:
        with self.db() as uow:
            key, row = open311_keys.issue(uow, _actor(actor))
            uow.commit()
            return schema(contracts.Open311Key).dump(open311_keys.key_dict(row, key))

    @rpc(expected_exceptions=expected)
    def revoke_open311_key(self, actor: dict, key_id: int) -> dict:
        with self.db() as uow:
            row = open311_keys.revoke(uow, _actor(actor), key_id)
            uow.commit()
            return schema(contracts.Open311Key).dump(open311_keys.key_dict(row))

    @rpc(expected_exceptions=expected)
    def open311_keys(self, actor: dict) -> list[dict]:
        with self.db() as uow:
            rows = open311_keys.keys_of(uow.session, _actor(actor))
            return schema(contracts.Open311Key, many=True).dump([open311_keys.key_dict(r) for r in rows])

    @rpc(expected_exceptions=expected)
    def open311_key_actor(self, key: str) -> dict:
        """The resident an api_key stands for (the gateway asks; no actor: the bus is trusted)."""
        with self.db() as uow:
            claims = open311_keys.actor_for(uow.session, key)
        if claims is None:
            raise not_found("api_key", "api_key")
        return claims
