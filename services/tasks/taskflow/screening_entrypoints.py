"""nameko entrypoints of the negative list (mixed into TasksService): the county admin
lists and edits the rules; each edit is a new version and a `negative_rule.changed` event
through the outbox, and screening applies the new version from the next task on."""

from __future__ import annotations

from nameko.rpc import rpc

from common.contracts import screening as contracts
from common.contracts.base import load, schema
from common.errors import DomainError, not_found
from common.events import utcnow
from common.scope import Actor
from services.tasks.taskflow import negative_rules

expected = (DomainError,)


def _admin(actor: dict) -> Actor:
    who = Actor.from_dict(actor)
    who.require("county_admin")
    return who


class NegativeListEntrypoints:
    @rpc(expected_exceptions=expected)
    def negative_rule_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.NegativeRuleQuery), query)
        _admin(actor)
        with self.db() as uow:
            rows = negative_rules.listed(uow.session, q["include_retired"])
            return schema(contracts.NegativeRuleList).dump(
                {"items": [negative_rules.rule_dict(r) for r in rows]}
            )

    @rpc(expected_exceptions=expected)
    def negative_rule_get(self, actor: dict, rule_id: str) -> dict:
        _admin(actor)
        with self.db() as uow:
            versions = negative_rules.versions(uow.session, rule_id)
            if not versions:
                raise not_found("负面清单规则", "negative-list rule")
            current = next(r for r in versions if r.current)
            detail = negative_rules.rule_dict(current) | {
                "versions": [negative_rules.rule_dict(r) for r in versions]
            }
            return schema(contracts.NegativeRuleDetail).dump(detail)

    def _write(self, fn, *args) -> dict:
        with self.db() as uow:
            rule = fn(uow, *args, utcnow())
            uow.commit()
            return schema(contracts.NegativeRule).dump(negative_rules.rule_dict(rule))

    @rpc(expected_exceptions=expected)
    def negative_rule_create(self, actor: dict, payload: dict) -> dict:
        who = _admin(actor)
        return self._write(negative_rules.create, who, load(schema(contracts.NegativeRuleCreate), payload))

    @rpc(expected_exceptions=expected)
    def negative_rule_update(self, actor: dict, rule_id: str, payload: dict) -> dict:
        who = _admin(actor)
        data = load(schema(contracts.NegativeRuleFields), payload)
        return self._write(negative_rules.update, who, rule_id, data)

    @rpc(expected_exceptions=expected)
    def negative_rule_retire(self, actor: dict, rule_id: str) -> dict:
        return self._write(negative_rules.retire, _admin(actor), rule_id)
