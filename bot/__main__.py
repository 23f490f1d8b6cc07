"""``python -m bot [run|demo|check]``: the service's command line.

- ``run`` (the default, and the Procfile's web process): the service with the
  settings from the environment or ``.env``; with no Slack or Webex settings at
  all, the embedded demo instead.
- ``demo``: the embedded default whatever the settings say about Slack and Webex.
- ``check``: test the settings against the real services and say what to fix.

SIGTERM and SIGINT (Ctrl-C) stop the service cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack

from bot.config import ConfigError, Settings, load_settings, withhold_from_libraries
from bot.logs import clock_in_logs, configure_logging
from state.errors import StoreError

logger = logging.getLogger("meetbot")


#: Each command's one-line help and its longer description (``<command> --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "serve: watch the Webex site, notify Slack, answer /webex (the default)",
        (
            "The service with the settings from the environment or .env (the Procfile's"
            " web process). It signs in to the Webex site once at start and logs the"
            " outcome, serves /slack/events, /healthz and /metrics on $PORT, and polls"
            " until SIGTERM or SIGINT. With no Slack and no Webex variable set it runs"
            " the embedded demo instead."
        ),
    ),
    "demo": (
        "the embedded demo: a simulated Webex site and a console chat",
        (
            "The real service against a simulated Webex site on 127.0.0.1, whose clock"
            " runs 30 times faster, with notifications printed to the console and"
            " /webex commands typed at its webex> prompt, whatever the settings say"
            " about Slack and Webex. Ctrl-C stops it."
        ),
    ),
    "check": (
        "try the settings against Webex and Slack and say what to fix",
        (
            "Read-only checks of the settings against the real services (Webex GetSite"
            " and LstMeetingType, Slack auth.test): one line each, ok or FAIL with the"
            " fix. Exit status 0 when every check passed, 1 otherwise."
        ),
    ),
}


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line; ``--help`` (also after a command) prints and exits 0."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="meetbot: Webex Meetings lifecycle notifications and /webex in Slack.",
        epilog="Settings come from the environment or .env (see .env.example); "
        "a missing or invalid one exits with status 2.",
    )
    commands = parser.add_subparsers(dest="command", title="commands")
    for name, (short, long) in COMMANDS.items():
        commands.add_parser(name, help=short, description=long)
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "run"
    return args


async def _until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await main(stop)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def _service(
    command: str, settings: Settings, stack: ExitStack
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The coroutine to run until stopped; ``stack`` holds what must outlive it
    (the demo's clock dates the log up to the last line)."""
    if command == "demo" or settings.demo:
        from adapters.webex.simulator import SimClock
        from bot.demo.embedded import DEMO_SPEED, run_demo

        clock = SimClock(speed=DEMO_SPEED)
        stack.enter_context(clock_in_logs(clock.now))
        return lambda stop: run_demo(settings, stop, clock=clock)
    from bot.runtime import serve

    return lambda stop: serve(settings, stop)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except ConfigError as e:
        for problem in e.problems:
            print(f"meetbot: configuration error: {problem}", file=sys.stderr)  # noqa: T201
        return 2
    withhold_from_libraries()
    configure_logging(fmt=settings.log_format, secrets=settings.secrets)
    if args.command == "check":
        from bot.check import run_checks

        return asyncio.run(run_checks(settings, sys.stdout))
    with ExitStack() as stack:
        try:
            asyncio.run(_until_signalled(_service(args.command, settings, stack)))
        except StoreError as e:
            # In practice at start-up: the database cannot be opened or migrated,
            # or is another process's. A traceback would bury the reason.
            logger.error("cannot start: %s", e)
            return 1
        logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
