"""The one way a ``/webex`` command is answered, whichever chat it came from.

text -> :func:`~bot.commands.grammar.parse` -> an unusable text or ``help`` is
answered at once (:func:`answer_at_once`: nothing reaches Webex, no profile is
read) -> anything else is carried out (:meth:`CommandFlow.carry_out`) -> a
chat-neutral :class:`~adapters.chat.Reply`, which the chat renders (Slack as
mrkdwn through the command's ``response_url``, the demo console as plain text).

Slack splits the two halves: it must acknowledge within three seconds, so the
first half is its acknowledgement and the second runs in an owned task once the
requester's profile is read. The console runs both in one go (:meth:`CommandFlow.answer`).
"""

from __future__ import annotations

import logging

from adapters.chat import Reply, message
from bot.commands import replies
from bot.commands.actions import CommandActions, Requester
from bot.commands.grammar import Command, CommandError, HelpCommand, parse

__all__ = ["FAILED", "CommandFlow", "answer_at_once"]

logger = logging.getLogger("meetbot.commands")

#: The answer when carrying out a command failed on our side (the log has the trace).
FAILED = Reply(body=message("Something went wrong on our side; please try again later."))


def answer_at_once(text: str) -> Reply | Command:
    """Parse ``text`` (what follows ``/webex``). A text that cannot be used, or
    ``help``, is answered here; anything else is returned as the command to
    carry out. Pure: reads nothing but ``text``."""
    parsed = parse(text)
    if isinstance(parsed, CommandError):
        return Reply(body=message(parsed.message))
    if isinstance(parsed, HelpCommand):
        return Reply(body=replies.usage())
    return parsed


class CommandFlow:
    """Carries out commands for any chat.

    Args:
        actions: what each command does against Webex and the store.
    """

    def __init__(self, actions: CommandActions) -> None:
        self._actions = actions

    async def carry_out(self, command: Command, requester: Requester) -> Reply:
        """Carry out a parsed command. Never raises for a failure of ours: the
        boundary of a command logs the trace and answers :data:`FAILED`."""
        try:
            return await self._actions.run(command, requester)
        except Exception:
            logger.exception("command %s failed", type(command).__name__)
            return FAILED

    async def answer(self, text: str, requester: Requester) -> Reply:
        """The whole flow for one command text: answered at once, or carried out."""
        first = answer_at_once(text)
        if isinstance(first, Reply):
            return first
        return await self.carry_out(first, requester)
