"""How many bodyContent to put in one request: a small pure policy.

Sites refuse requests with more bodyContent than an unpublished per-site cap
(000053 "BodyContent count in a request must be less than N"). The cap starts
unknown (everything in one request), is learned from the first refusal, and
shrinks by halves when a refusal names no usable number.
"""

from __future__ import annotations

from adapters.errors import TooManyBodyContentError

__all__ = ["BodyContentCap"]


class BodyContentCap:
    """What one client knows about its site's bodyContent cap.

    Args:
        limit: a cap learned earlier, or None when unknown.

    Raises:
        ValueError: ``limit`` below 1.
    """

    __slots__ = ("_limit",)

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError("body_content_limit must be at least 1")
        self._limit = limit

    @property
    def limit(self) -> int | None:
        return self._limit

    def batch_size(self, remaining: int) -> int:
        """How many of ``remaining`` items the next request should carry."""
        return remaining if self._limit is None else min(remaining, self._limit)

    def learn(self, error: TooManyBodyContentError, tried: int) -> int:
        """Take in a 000053 refusal of a request that carried ``tried`` items.

        Returns:
            The new cap: the number the site named, or half of ``tried``.

        Raises:
            TooManyBodyContentError: ``error`` itself, when even one item was refused.
        """
        named = error.limit
        limit = named if named is not None and 0 < named < tried else tried // 2
        if limit < 1:
            raise error
        self._limit = limit
        return limit
