"""Generate docs/asyncapi.yaml (AsyncAPI 3.0) from the event catalogue.

    python scripts/gen_asyncapi.py          # write the file
    python scripts/gen_asyncapi.py --check  # exit 1 if the file is not what the code says

Every entry of common.contracts.events.CATALOGUE becomes a channel (its address is the
routing key = the CloudEvents type on the topic exchange `grassroots.events`), a receive
operation, and a message whose payload is the CloudEvents 1.0 envelope with the event's
`data` schema, converted from its marshmallow schema to JSON Schema by apispec.
tests/unit/test_notify_asyncapi.py fails when the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common.contracts.events import CATALOGUE, EventSpec  # noqa: E402
from common.events import EXCHANGE  # noqa: E402

TARGET = ROOT / "docs" / "asyncapi.yaml"

ENVELOPE = {
    "type": "object",
    "description": "CloudEvents 1.0, structured mode (content type application/cloudevents+json). "
    "`orgpath` is an extension attribute: the place in the org tree the event concerns.",
    "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "description": "unique per event (uuid4); the AMQP message_id too"},
        "source": {"type": "string", "description": "/grassroots/<service>"},
        "type": {"type": "string", "description": "grassroots.<service>.<name>.v<version>"},
        "time": {"type": "string", "format": "date-time"},
        "subject": {"type": "string"},
        "datacontenttype": {"type": "string", "const": "application/json"},
        "orgpath": {"type": "string", "description": "materialised org path, e.g. /1/5/23/77/"},
        "data": {"type": "object"},
    },
}


def _key(type_: str) -> str:
    return type_.replace(".", "_")


def _data_schema(spec: EventSpec, converter) -> dict:
    schema = converter.schema2jsonschema(spec.schema)
    schema.setdefault("additionalProperties", True)  # consumers ignore fields they do not know
    return schema


def build() -> dict:
    plugin = MarshmallowPlugin()
    APISpec("events", "1", "3.1.0", plugins=[plugin])
    converter = plugin.converter
    channels, operations, messages, schemas = {}, {}, {}, {"CloudEvent": ENVELOPE}
    for type_ in sorted(CATALOGUE):
        spec = CATALOGUE[type_]
        key = _key(type_)
        schemas[f"{key}_data"] = _data_schema(spec, converter)
        messages[key] = {
            "name": type_,
            "title": spec.summary,
            "summary": spec.summary,
            "contentType": "application/cloudevents+json",
            "correlationId": {"location": "$message.payload#/id"},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": type_},
                            "source": {"const": f"/grassroots/{spec.service}"},
                            "data": {"$ref": f"#/components/schemas/{key}_data"},
                        },
                    },
                ]
            },
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": "0.3.0"}},
        }
        channels[key] = {
            "address": type_,
            "title": type_,
            "description": f"{spec.summary}. Emitted by the {spec.service} service.",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {
                        "name": EXCHANGE,
                        "type": "topic",
                        "durable": True,
                        "autoDelete": False,
                        "vhost": "/",
                    },
                    "bindingVersion": "0.3.0",
                }
            },
        }
        operations[f"receive_{key}"] = {
            "action": "receive",
            "title": f"Receive {type_}",
            "summary": spec.summary,
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Grassroots governance platform: the open event stream",
            "version": "1.0.0",
            "description": (
                "Every domain event of the platform, published by each service's transactional outbox "
                "with publisher confirms, as a persistent CloudEvents 1.0 JSON message on the durable "
                f"topic exchange `{EXCHANGE}`. The routing key is the event type, so an outside system "
                "declares its own durable queue and binds it with a pattern such as `grassroots.tasks.#`. "
                "Delivery is at least once: deduplicate by the CloudEvents `id`. Past events can be "
                "replayed through the gateway (`GET /api/v1/events`), and webhooks subscribed through "
                "`POST /api/v1/subscriptions` receive the same JSON, signed with HMAC-SHA256.\n\n"
                "Generated by scripts/gen_asyncapi.py from common/contracts/events.py; do not edit."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "broker": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "the deployment's RabbitMQ",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    return yaml.safe_dump(build(), allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python scripts/gen_asyncapi.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"written {TARGET.relative_to(ROOT)} ({len(build()['channels'])} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
