"""The dispatcher's credential gate: stops all delivery while the chat refuses the
bot's credentials, re-checks on a long backoff, and says so to the operator.

The state and arithmetic are :class:`bot.notify.access.ChatAccess` (pure); this class
adds the chat call (``check_access``), the log lines (one when a refusal
begins, one when it ends) and the ``on_access`` notifications that feed the
health registry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from adapters.chat import ChatPort
from adapters.errors import ChatError, ChatUnauthorizedError
from bot.backoff import Backoff
from bot.notify.access import ChatAccess
from state.clock import Clock

__all__ = ["ChatGate", "OnAccess"]

log = logging.getLogger("bot.notify.dispatcher")

#: Told whether the chat accepts the credentials, with one line for an operator,
#: each time that changes (and once it is first known); must not raise.
OnAccess = Callable[[bool, str], None]
_ACCEPTED = "the bot token is accepted"


class ChatGate:
    """Whether delivery may proceed.

    Args:
        chat: the chat whose ``check_access`` is asked.
        clock: returns the current aware UTC time.
        backoff: the wait between checks while refused.
        draw: random numbers in [0, 1) for the backoff's jitter.
        held: how many deliveries are waiting (for the recovery log line).
        on_access: see :data:`OnAccess`.
    """

    def __init__(
        self,
        *,
        chat: ChatPort,
        clock: Clock,
        backoff: Backoff,
        draw: Callable[[], float],
        held: Callable[[datetime], Awaitable[int]],
        on_access: OnAccess | None = None,
    ) -> None:
        self._chat = chat
        self._clock = clock
        self._access = ChatAccess(backoff=backoff)
        self._draw = draw
        self._held = held
        self._on_access = on_access
        self._told: bool | None = None  # what on_access last heard

    @property
    def open(self) -> bool:
        """False while the chat refuses the credentials."""
        return self._access.accepted

    def refused(self, error: ChatUnauthorizedError, now: datetime) -> None:
        """A call was refused for the credentials: close the gate (logged once)."""
        if not self._access.refused(error.code, now, self._draw()):
            return
        wait = (self._access.next_check or now) - now
        log.warning(
            "the chat refused the bot's credentials (%s): delivery paused everywhere,"
            " the outbox keeps every notification; checking again in %d s, then with"
            " backoff",
            error.code,
            wait.total_seconds(),
        )
        self._tell(False, f"the bot token is refused ({error.code}); delivery paused")

    def delivered(self) -> None:
        """Something reached the chat: the credentials work."""
        self._tell(True, _ACCEPTED)

    async def first_check(self) -> None:
        """Ask once at start, so health says whether the token works before
        anything needs delivering. No answer (unreachable) decides nothing."""
        try:
            await self._chat.check_access()
        except ChatUnauthorizedError as e:
            self.refused(e, self._clock())
            return
        except ChatError as e:
            log.info("could not ask the chat whether it accepts the credentials: %s", e)
            return
        self._tell(True, _ACCEPTED)

    async def reopen(self) -> bool:
        """While closed, ask the chat again when due; True once open."""
        if self._access.accepted:
            return True
        now = self._clock()
        if not self._access.due(now):
            return False
        try:
            await self._chat.check_access()
        except ChatUnauthorizedError as e:
            self._access.refused(e.code, now, self._draw())
            return False
        # The chat could not be asked (unreachable, 5xx): still refused, ask later.
        except ChatError as e:
            log.debug("credential check got no answer: %s", e)
            self._access.unanswered(now, self._draw())
            return False
        outage = self._access.accept(now)
        log.info(
            "the chat accepts the bot's credentials again after %d s; delivering %d held"
            " notifications",
            outage.total_seconds(),
            await self._held(now),
        )
        self._tell(True, _ACCEPTED)
        return True

    def _tell(self, accepted: bool, detail: str) -> None:
        if self._on_access is not None and self._told is not accepted:
            self._told = accepted
            self._on_access(accepted, detail)
