"""The personal inbox (notify service)."""

from __future__ import annotations

from common.contracts import notify as n
from common.remote import call
from gateway.http import route


class InboxRoutes:
    # -- personal inbox ---------------------------------------------------------------

    @route(
        "GET",
        "/api/v1/inbox",
        summary="我的消息 / my inbox",
        tag="inbox",
        query=n.InboxQuery,
        response=n.InboxPage,
    )
    def inbox(self, request, actor, query):
        return call(self.notify, "notify", "inbox", actor, query)

    @route(
        "POST",
        "/api/v1/inbox/read",
        summary="标记已读 / mark read",
        tag="inbox",
        body=n.MarkRead,
        response=n.MarkReadResult,
    )
    def mark_read(self, request, actor, body):
        return call(self.notify, "notify", "mark_read", actor, body)
