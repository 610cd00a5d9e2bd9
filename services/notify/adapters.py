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

import requests

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
        try:
            response = requests.post(
                self.url,
                params=params,
                json={"msgtype": "text", "text": {"content": content}},
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise DeliveryFailed(f"HTTP {response.status_code}", response.status_code)
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryFailed("robot answered with something other than JSON", 200) from exc
        if answer.get("errcode") != 0:
            raise DeliveryFailed(f"robot errcode {answer.get('errcode')}: {answer.get('errmsg')}", 200)


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
    try:
        response = requests.post(url, data=body, headers=headers, timeout=HTTP_TIMEOUT)
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}", response.status_code)
    return response.status_code
