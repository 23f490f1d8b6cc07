"""The console chat: what each channel would see, shown in a terminal, and a
prompt that takes ``/webex`` commands from the keyboard (``make demo``)."""

from adapters.console.chat import ConsoleChat
from adapters.console.prompt import COMMAND_PREFIX, ConsolePrompt, Handler
from adapters.console.screen import PROMPT, Screen, logs_above_the_prompt

__all__ = [
    "COMMAND_PREFIX",
    "PROMPT",
    "ConsoleChat",
    "ConsolePrompt",
    "Handler",
    "Screen",
    "logs_above_the_prompt",
]
