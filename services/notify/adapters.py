"""Outbound channels: webhooks for outside systems, and push adapters (SMS, IM robots)
for people. An adapter sends one message or raises `DeliveryFailed`; the service keeps
the attempts, backoff and dead letters, so an adapter stays a thin HTTP client.

To add an SMS gateway or another IM robot: subclass `PushAdapter`, implement `send`,
and add it to `ADAPTERS`; choose it with `NOTIFY_PUSH_ADAPTER` in the nameko config.
"""

from __future__ import annotations

import abc
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from common.egress_http import SendFailed, send
from services.notify.domain import SIGNATURE_HEADER, dingtalk_sign, sign_body

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 5.0


class DeliveryFailed(Exception):
    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class PushMessage:
    person_id: int
    title: str
    text: str


class PushAdapter(abc.ABC):
    """Sends a message to a person through some outside channel."""

    name = "abstract"

    def target(self) -> str:
        """Where messages go, for the delivery log."""
        return self.name

    @abc.abstractmethod
    def send(self, message: PushMessage) -> None:
        """Deliver the message, or raise DeliveryFailed."""


class LoggingAdapter(PushAdapter):
    """The default: writes the message to the service log (nothing leaves the platform)."""

    name = "log"

    def send(self, message: PushMessage) -> None:
        log.info("push to person %s: %s | %s", message.person_id, message.title, message.text)


class DingTalkRobotAdapter(PushAdapter):
    """A DingTalk-style group robot (浙政钉 is built on DingTalk): signed webhook URL
    (`timestamp` in ms and `sign` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))
    as query parameters), JSON `{"msgtype": "text", "text": {"content": ...}}`; the robot
    answers `{"errcode": 0}` on success."""

    name = "dingtalk"

    def __init__(self, url: str, secret: str, clock=time.time):
        if not url or not secret:
            raise ValueError("the DingTalk robot needs NOTIFY_DINGTALK_URL and NOTIFY_DINGTALK_SECRET")
        self.url, self.secret, self.clock = url, secret, clock

    def target(self) -> str:
        return self.url.split("?", 1)[0]

    def send(self, message: PushMessage) -> None:
        timestamp = int(self.clock() * 1000)
        params = {"timestamp": str(timestamp), "sign": dingtalk_sign(self.secret, timestamp)}
        content = f"{message.title}\n{message.text}"
        body = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode()
        separator = "&" if "?" in self.url else "?"
        reply = _send(
            self.url + separator + urlencode(params),
            body,
            {"Content-Type": "application/json; charset=utf-8"},
        )
        if reply.status != 200:
            raise DeliveryFailed(f"HTTP {reply.status}", reply.status)
        try:
            answer = json.loads(reply.body)
        except ValueError as exc:
            raise DeliveryFailed("robot answered with something other than JSON", 200) from exc
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            # the robot's errmsg is remote text: only its number goes into the log
            code = answer.get("errcode") if isinstance(answer, dict) else None
            raise DeliveryFailed(f"robot errcode {code if isinstance(code, int) else 'missing'}", 200)


ADAPTERS = {"log": LoggingAdapter, "dingtalk": DingTalkRobotAdapter}


def adapter_from_config(config: dict) -> PushAdapter:
    name = config.get("NOTIFY_PUSH_ADAPTER", "log")
    if name == "dingtalk":
        return DingTalkRobotAdapter(config.get("NOTIFY_DINGTALK_URL"), config.get("NOTIFY_DINGTALK_SECRET"))
    if name not in ADAPTERS:
        raise ValueError(f"unknown NOTIFY_PUSH_ADAPTER {name!r}; known: {', '.join(ADAPTERS)}")
    return ADAPTERS[name]()


def post_webhook(url: str, secret: str, event: dict, delivery_id: int) -> int:
    """POST a CloudEvent (structured mode) signed with the subscriber's secret; the HTTP
    status on success (2xx), else `DeliveryFailed`."""
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        SIGNATURE_HEADER: sign_body(secret, body),
        "X-Grassroots-Delivery": str(delivery_id),
        "X-Grassroots-Event-Type": event.get("type", ""),
    }
    reply = _send(url, body, headers)
    if not 200 <= reply.status < 300:  # a 3xx too: redirects are not followed
        raise DeliveryFailed(f"HTTP {reply.status}", reply.status)
    return reply.status


def _send(url: str, body: bytes, headers: dict):
    """The pinned, checked request of common.egress_http, its failures as DeliveryFailed."""
    try:
        return send(url, body, headers, timeout=HTTP_TIMEOUT)
    except SendFailed as failed:
        raise DeliveryFailed(failed.outcome, failed.status) from None
