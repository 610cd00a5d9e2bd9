"""Pages of a listing, the same in every service: which rows a page asks for, and the one
shape of a page that every service answers with. `query` is the list's validated paging
(`page`, `per_page`)."""

from typing import Any


def first(query: dict) -> int:
    """The index of the page's first row."""
    return (query["page"] - 1) * query["per_page"]


def window(statement: Any, query: dict) -> Any:
    """The page's rows of a select (anything with `limit` and `offset`)."""
    return statement.limit(query["per_page"]).offset(first(query))


def page_of(items: list, total: int, query: dict) -> dict:
    return {"items": items, "meta": {"page": query["page"], "per_page": query["per_page"], "total": total}}
