"""One way to answer a list endpoint: filters, a name wildcard, sort order and a page, in SQL.

Every listing builds a :class:`Listing` (what to select, from where, in which order), narrows it
with parameters bound as values (never spliced into the SQL), and fetches one page with its
total. ``name`` filters follow the platform: ``*`` is the only wildcard; ``%`` and ``_`` are
ordinary characters, escaped before they reach ``LIKE``.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from .errors import bad_request
from .web import query_int

MAX_PAGE_NUMBER = 1_000_000  # keeps LIMIT/OFFSET far inside SQLite's 64-bit integers
_ESCAPE = "\\"


@dataclass(frozen=True)
class Page:
    """The page a request asks for: ``pageSize``, ``pageNumber`` and ``sortOrder``."""

    size: int
    number: int
    descending: bool = False

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def requested_page(request: Request, *, max_size: int = 500, default_size: int = 25) -> Page:
    """The page named by the query string; 400 for a size, number or order out of range."""
    size = query_int(request, "pageSize", default_size, low=1, high=max_size)
    number = query_int(request, "pageNumber", 1, low=1, high=MAX_PAGE_NUMBER)
    order = request.query_params.get("sortOrder", "asc")
    if order.lower() not in ("asc", "desc", "ascending", "descending"):
        raise bad_request(
            f"Query parameter sortOrder must be asc or desc, got {order!r}", "sortOrder"
        )
    return Page(size, number, order.lower().startswith("desc"))


def like_pattern(name: str, *, contains: bool = False) -> str:
    """A ``name`` filter as a LIKE pattern: ``*`` matches anything, everything else itself.

    Without a ``*`` the match is exact (case-insensitive), unless ``contains`` (queue members'
    ``name`` is a contains-style search).
    """
    escaped = "".join(
        "%" if c == "*" else f"{_ESCAPE}{c}" if c in (_ESCAPE, "%", "_") else c for c in name
    )
    return f"%{escaped}%" if contains else escaped


@dataclass(frozen=True)
class Listing:
    """``SELECT columns FROM source`` narrowed by ``where`` clauses, ordered by ``order``."""

    columns: str
    source: str
    order: tuple[str, ...]
    clauses: tuple[str, ...] = ()
    params: tuple[Any, ...] = field(default=())

    def where(self, clause: str, *params: Any) -> Listing:
        return replace(self, clauses=(*self.clauses, clause), params=(*self.params, *params))

    def name_like(self, column: str, name: str | None, *, contains: bool = False) -> Listing:
        if not name:
            return self
        pattern = like_pattern(name, contains=contains)
        return self.where(f"{column} LIKE ? ESCAPE '{_ESCAPE}'", pattern)

    def one_of(self, column: str, values: Sequence[str]) -> Listing:
        if not values:
            return self
        return self.where(f"{column} IN ({', '.join('?' * len(values))})", *values)

    def _sql(self, select: str) -> str:
        where = f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""
        return f"SELECT {select} FROM {self.source}{where}"

    def total(self, db: sqlite3.Connection) -> int:
        return int(db.execute(self._sql("COUNT(*)"), self.params).fetchone()[0])

    def _ordered(self, descending: bool) -> str:
        direction = " DESC" if descending else ""
        order = ", ".join(f"{column}{direction}" for column in self.order)
        return f"{self._sql(self.columns)} ORDER BY {order}"

    def rows(self, db: sqlite3.Connection, page: Page) -> list[sqlite3.Row]:
        sql = f"{self._ordered(page.descending)} LIMIT ? OFFSET ?"
        return db.execute(sql, (*self.params, page.size, page.offset)).fetchall()

    def all(self, db: sqlite3.Connection) -> list[sqlite3.Row]:
        return db.execute(self._ordered(False), self.params).fetchall()


def entities_of(kind: str) -> Listing:
    """Stored entities of one kind (``e.id``, ``e.name``, ``e.body``), in name order."""
    return Listing("e.id, e.name, e.body", "entities e", ("e.name COLLATE NOCASE", "e.id")).where(
        "e.kind = ?", kind
    )


def body_of(row: sqlite3.Row) -> Any:
    """A row's stored JSON ``body``, decoded."""
    return json.loads(row["body"])


def listing_body(
    request: Request,
    page: Page,
    entities: list[Any],
    total: int | None,
) -> dict[str, Any]:
    """The page-number listing shape, with firstUri/nextUri/... carrying the filters forward.

    ``total=None`` is the members' shape: no total or pageCount, and a full page may have a
    successor.
    """
    other = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("pageSize", "pageNumber")
    ]

    def uri(n: int) -> str:
        query = urlencode([("pageSize", page.size), ("pageNumber", n), *other])
        return f"{request.url.path}?{query}"

    body: dict[str, Any] = {
        "entities": entities,
        "pageSize": page.size,
        "pageNumber": page.number,
        "firstUri": uri(1),
        "selfUri": uri(page.number),
    }
    if total is not None:
        page_count = max(1, -(-total // page.size))
        body.update(total=total, pageCount=page_count, lastUri=uri(page_count))
        if page.number < page_count:
            body["nextUri"] = uri(page.number + 1)
    elif len(entities) == page.size:
        body["nextUri"] = uri(page.number + 1)
    if page.number > 1:
        body["previousUri"] = uri(page.number - 1)
    return body


def list_page(
    request: Request,
    db: sqlite3.Connection,
    listing: Listing,
    render: Callable[[sqlite3.Row], Any],
    *,
    max_size: int = 500,
    default_size: int = 25,
    totals: bool = True,
    page: Page | None = None,
) -> dict[str, Any]:
    """Fetch the requested page of ``listing`` and render it in the listing shape.

    ``page`` is the one the request asks for unless given (read it before a write, so a bad
    paging parameter is refused before anything changes).
    """
    if page is None:
        page = requested_page(request, max_size=max_size, default_size=default_size)
    rows = listing.rows(db, page)
    total = listing.total(db) if totals else None
    return listing_body(request, page, [render(r) for r in rows], total)


# --- cursor listings -------------------------------------------------------------------------
# Teams, skill groups and their members page with opaque ``after``/``before`` cursors and no
# totals: ``{entities, selfUri, nextUri, previousUri}`` (the SDK's TeamEntityListing,
# SkillGroupEntityListing...). The sandbox's cursor is the position in the listing's order.

_CURSOR_PREFIX = "rk1:"


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode().rstrip("=")


def _position(request: Request, name: str, size: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        position = int(text[len(_CURSOR_PREFIX) :])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_request(
            f"Query parameter {name} is not a cursor this listing gave; use the nextUri or "
            "previousUri of the previous page",
            name,
        ) from None
    if not 0 <= position <= size:
        raise bad_request(f"Query parameter {name} points past the end of the listing", name)
    return position


def cursor_page(
    request: Request, items: Sequence[Any], *, max_size: int = 500, default_size: int = 25
) -> dict[str, Any]:
    """The requested page of ``items`` (already in listing order) in the cursor shape."""
    size = query_int(request, "pageSize", default_size, low=1, high=max_size)
    after = _position(request, "after", len(items))
    before = _position(request, "before", len(items))
    if after is not None and before is not None:
        raise bad_request("Give after or before, not both", "after")
    if before is not None:
        start = max(0, before - size)
        end = before
    else:
        start = after or 0
        end = min(len(items), start + size)
    other = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("pageSize", "after", "before")
    ]

    def uri(cursor: tuple[str, str] | None) -> str:
        query = urlencode([("pageSize", size), *other, *([cursor] if cursor else [])])
        return f"{request.url.path}?{query}"

    body: dict[str, Any] = {"entities": list(items[start:end])}
    own = ("after", _cursor(start)) if start else None
    body["selfUri"] = uri(own)
    if end < len(items):
        body["nextUri"] = uri(("after", _cursor(end)))
    if start > 0:
        body["previousUri"] = uri(("before", _cursor(start)))
    return body
