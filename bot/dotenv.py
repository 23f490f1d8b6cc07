"""The ``.env`` file format the settings are read from (a pure parser)."""

from __future__ import annotations

__all__ = ["parse_dotenv"]


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse ``.env`` text: ``KEY=value`` lines, ``#`` comments, optional ``export``,
    values optionally in single or double quotes (kept verbatim inside).

    Lines that are not assignments are ignored. A later assignment wins.
    """
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            # An unquoted value ends where an inline comment begins.
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values
