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

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging
from state.errors import StoreError

logger = logging.getLogger("meetbot")


def _arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=("run", "demo", "check"))
    return parser.parse_args(argv)


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


def _service(command: str, settings: Settings) -> Callable[[asyncio.Event], Awaitable[None]]:
    if command == "demo" or settings.demo:
        from bot.demo import run_demo

        return lambda stop: run_demo(settings, stop)
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
    configure_logging(fmt=settings.log_format, secrets=settings.secrets)
    if args.command == "check":
        from bot.check import run_checks

        return asyncio.run(run_checks(settings, sys.stdout))
    try:
        asyncio.run(_until_signalled(_service(args.command, settings)))
    except StoreError as e:
        # In practice at start-up: the database cannot be opened or migrated,
        # or is another process's. A traceback would bury the reason.
        logger.error("cannot start: %s", e)
        return 1
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
