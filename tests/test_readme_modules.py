"""README's "How it fits together" names every module of bot/, adapters/ and
state/ in its folder's row, and names none that is not there.

A module added, moved or removed changes that row: the table is the map a
newcomer reads first, so it is checked like code.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "state")
_ROW = re.compile(r"^\| `(?P<folder>[\w/]+)/` \| (?P<modules>.*) \|$")
_MODULE = re.compile(r"`(\w+\.py)`")


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## How it fits together")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def _rows() -> dict[str, set[str]]:
    rows = {}
    for line in _section().splitlines():
        match = _ROW.match(line)
        if match and match["folder"].split("/")[0] in PACKAGES:
            rows[match["folder"]] = set(_MODULE.findall(match["modules"]))
    return rows


def _tree() -> dict[str, set[str]]:
    """Each folder holding Python modules -> their names; a package whose code is
    all in ``__init__.py`` is named by that."""
    tree: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree.setdefault(path.parent.relative_to(ROOT).as_posix(), set()).add(path.name)
    return {folder: (names - {"__init__.py"}) or {"__init__.py"} for folder, names in tree.items()}


def test_every_folder_has_a_row() -> None:
    rows, tree = _rows(), _tree()
    assert sorted(tree.keys() - rows.keys()) == [], "folders without a row in README"
    assert sorted(rows.keys() - tree.keys()) == [], "README rows of folders that are gone"


def test_each_row_names_exactly_its_folders_modules() -> None:
    rows, tree = _rows(), _tree()
    wrong = {
        folder: {
            "not in README": sorted(tree[folder] - rows[folder]),
            "gone": sorted(rows[folder] - tree[folder]),
        }
        for folder in tree.keys() & rows.keys()
        if tree[folder] != rows[folder]
    }
    assert wrong == {}
