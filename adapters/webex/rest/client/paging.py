"""Listings that follow ``Link: <…>; rel="next"`` to the end.

A listing either holds every page or says it does not: when a later page
fails, the items already read are kept with ``complete=False`` and the error
that cut it short, so a caller can use what it got without taking a missing
meeting for a deleted one. A failure on the first page is raised: there is
nothing to return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from adapters.errors import WebexDecodeError, WebexError

from .transport import RestTransport

__all__ = ["MAX_PAGES", "Listing", "collect"]

logger = logging.getLogger("meetbot.webex.rest")

T = TypeVar("T")

#: Pages followed at most: 10,000 meeting instances (Cisco's cap) at 100 a page,
#: with room to spare; a server linking on forever is cut off here.
MAX_PAGES = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing(Generic[T]):
    """Every item of one listing, or those before the page that failed.

    ``complete`` is True only when the last page (no ``next`` link) arrived;
    ``error`` is what cut an incomplete listing short. An incomplete listing
    proves nothing about the items it lacks.
    """

    items: tuple[T, ...]
    complete: bool
    pages: int
    error: WebexError | None = None

    def __post_init__(self) -> None:
        if self.complete != (self.error is None):
            raise ValueError("a listing is complete exactly when no error cut it short")


async def collect(
    transport: RestTransport,
    path: str,
    params: Mapping[str, str],
    parse: Callable[[Any], T],
    *,
    max_pages: int = MAX_PAGES,
) -> Listing[T]:
    """Read ``GET path?params`` and every ``next`` page after it.

    Args:
        parse: turns one JSON item into a ``T``; raises WebexDecodeError.

    Raises:
        WebexError: the first page failed (nothing was read).
    """
    items: list[T] = []
    url: str | None = path
    query: Mapping[str, str] | None = params
    pages = 0
    while url is not None:
        if pages == max_pages:
            error: WebexError = WebexDecodeError(f"GET {path}: more than {max_pages} pages")
            return Listing(items=tuple(items), complete=False, pages=pages, error=error)
        try:
            answer = await transport.call("GET", url, params=query)
            parsed = [parse(item) for item in _items(answer.body, path)]
        except WebexError as e:
            if pages == 0:
                raise
            logger.warning("GET %s cut short after %d pages: %s", path, pages, e)
            return Listing(items=tuple(items), complete=False, pages=pages, error=e)
        items.extend(parsed)
        pages += 1
        url, query = answer.next_url, None
    return Listing(items=tuple(items), complete=True, pages=pages)


def _items(body: Any, path: str) -> list[Any]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise WebexDecodeError(f"GET {path}: the answer has no items list")
    return items
