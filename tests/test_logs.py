"""Log lines are JSON when asked, and never carry a registered secret."""

import io
import json
import logging

from bot.logs import configure_logging


def test_json_lines_and_redaction() -> None:
    stream = io.StringIO()
    handler = configure_logging(fmt="json", secrets=["s3cret-token", ""], stream=stream)
    try:
        log = logging.getLogger("bot.test")
        log.warning("token is %s", "s3cret-token")
        try:
            raise RuntimeError("failed with s3cret-token")
        except RuntimeError:
            log.exception("crashed")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "token is [redacted]"
    assert lines[0]["level"] == "warning"
    assert "s3cret-token" not in stream.getvalue()
    assert "[redacted]" in lines[1]["exc"]
