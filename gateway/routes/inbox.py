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
        "GET",
        "/api/v1/inbox/counts",
        summary="未读数 / unread counts",
        tag="inbox",
        response=n.InboxCounts,
    )
    def inbox_counts(self, request, actor):
        return call(self.notify, "notify", "inbox_counts", actor)

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

    @route(
        "POST",
        "/api/v1/inbox/read-all",
        summary="全部标记已读 / mark all read",
        tag="inbox",
        response=n.MarkReadResult,
    )
    def mark_all_read(self, request, actor):
        return call(self.notify, "notify", "mark_all_read", actor)
