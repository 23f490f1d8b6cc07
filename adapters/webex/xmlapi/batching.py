"""How many bodyContent to put in one request: a small pure policy.

Sites refuse requests with more bodyContent than an unpublished per-site cap
(000053 "BodyContent count in a request must be less than N"). Until a cap is
known, requests carry a modest default batch (one huge request risks the
refusal, a slow answer and a large body); a smaller cap is learned from the
first refusal, and shrinks by halves when a refusal names no usable number.
"""

from __future__ import annotations

from adapters.webex.xmlapi.errors import TooManyBodyContentError

__all__ = ["DEFAULT_BATCH", "BodyContentCap"]

#: bodyContent per request while the site's cap is unknown.
DEFAULT_BATCH = 10


class BodyContentCap:
    """What one client knows about its site's bodyContent cap.

    Args:
        limit: a cap learned earlier, or None when unknown.
        initial: the batch size used while ``limit`` is unknown.

    Raises:
        ValueError: ``limit`` or ``initial`` below 1.
    """

    __slots__ = ("_initial", "_limit")

    def __init__(self, limit: int | None = None, *, initial: int = DEFAULT_BATCH) -> None:
        if limit is not None and limit < 1:
            raise ValueError("body_content_limit must be at least 1")
        if initial < 1:
            raise ValueError("body_content_batch must be at least 1")
        self._limit = limit
        self._initial = initial

    @property
    def limit(self) -> int | None:
        return self._limit

    def batch_size(self, remaining: int) -> int:
        """How many of ``remaining`` items the next request should carry."""
        return min(remaining, self._initial if self._limit is None else self._limit)

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
