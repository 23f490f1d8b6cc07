"""The deploy paths the README names work as written: a Procfile platform (detected
by requirements.txt, on the Python of .python-version), the systemd unit and the
container image. No Docker engine or systemd runs here: these tests check what
the files promise each other; .ci/run installs requirements.txt into a fresh
virtual environment and runs ``python -m bot --help`` from it."""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path, PurePosixPath

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot.config import parse_dotenv

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _procfile_web() -> list[str]:
    (line,) = [
        line
        for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("web:")
    ]
    return shlex.split(line.removeprefix("web:"))


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for raw in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line == ".":
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.txt pins exact versions: {raw!r}"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def test_requirements_install_the_project_itself_with_every_dependency_pinned() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    assert "." in lines, "the project itself, so its ranges apply as well"
    pins = _pins()
    for spec in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {spec}"


def test_python_version_is_a_minor_release_the_project_supports() -> None:
    text = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"3\.\d+", text), text
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(f"{text}.0")


def test_license_is_an_spdx_string_not_the_deprecated_table() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    (setuptools,) = [
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    ]
    # SPDX strings in project.license need setuptools 77.
    assert not setuptools.specifier.contains("76.9")


def _readme_block(opening: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"```{opening}\n(.*?)```", readme, re.DOTALL)
    assert match, f"README has a ```{opening} block"
    return match.group(1)


def test_systemd_unit_in_the_readme_is_the_shipped_one() -> None:
    unit = (ROOT / "deploy" / "meetbot.service").read_text(encoding="utf-8")
    assert _readme_block("ini") == unit


def test_systemd_unit_waits_for_the_network_and_writes_state_where_it_may() -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((ROOT / "deploy" / "meetbot.service").read_text(encoding="utf-8"))
    unit, service = parser["Unit"], parser["Service"]
    assert unit["Wants"] == "network-online.target"
    assert unit["After"] == "network-online.target"
    state_dir = PurePosixPath("/var/lib") / service["StateDirectory"]
    name, _, url = service["Environment"].partition("=")
    assert name == "DATABASE_URL"
    database = PurePosixPath(url.removeprefix("sqlite:///"))
    assert database.is_absolute() and database.parent == state_dir
    assert shlex.split(service["ExecStart"])[1:] == _procfile_web()[1:]
    assert service["User"] != "root"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    steps = _instructions()
    last = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last:]


def test_image_runs_the_procfile_command_as_a_user_with_a_health_check_and_a_volume() -> None:
    stage = dict(_final_stage())
    assert json.loads(stage["CMD"]) == _procfile_web()
    assert stage["USER"] not in ("root", "0")
    assert "HEALTHCHECK" in stage and "/healthz" in stage["HEALTHCHECK"]
    volume = PurePosixPath(stage["VOLUME"])
    env = dict(re.findall(r"(\w+)=(\S+)", stage["ENV"]))
    assert PurePosixPath(env["DATABASE_URL"].removeprefix("sqlite:///")).parent == volume
    assert len([w for w, _ in _instructions() if w == "FROM"]) == 2, "multi-stage"


def _ignored(path: str, patterns: list[str]) -> bool:
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for prefix in prefixes:
            candidates = [prefix, prefix.rsplit("/", 1)[-1]] if pattern != bare else [prefix]
            if any(fnmatch.fnmatchcase(c, bare) for c in candidates):
                return True
    return False


def _dockerignore() -> list[str]:
    return [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _clean_context() -> set[str]:
    """The files a clean clone has (tracked, or new and not ignored), less .dockerignore's."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    patterns = _dockerignore()
    return {p for p in listed if (ROOT / p).exists() and not _ignored(p, patterns)}


def test_every_path_the_image_copies_is_in_a_clean_build_context() -> None:
    context = _clean_context()
    copied: list[str] = []
    for word, args in _instructions():
        if word != "COPY" or args.startswith("--from"):
            continue
        *sources, _ = args.split()
        for source in sources:
            assert source in context or any(f.startswith(f"{source}/") for f in context), source
            copied.append(source)
    # What building the project needs: pyproject, its readme and its packages.
    needed = {"pyproject.toml", "requirements.txt", PYPROJECT["project"]["readme"]}
    needed |= {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert needed <= set(copied)


@pytest.mark.parametrize(
    "path", [".env", "meetbot.db", "meetbot.db.lock", ".venv/bin/python", ".git/HEAD"]
)
def test_secrets_state_and_local_environments_stay_out_of_the_context(path: str) -> None:
    assert _ignored(path, _dockerignore())


def test_env_example_leaves_the_database_to_the_unit_and_the_image() -> None:
    # Copied to /etc/meetbot.env or passed with --env-file, a relative DATABASE_URL
    # would override the unit's and the image's absolute one with a path the
    # service may not write.
    values = parse_dotenv((ROOT / ".env.example").read_text(encoding="utf-8"))
    url = values.get("DATABASE_URL")
    assert url is None or PurePosixPath(url.removeprefix("sqlite:///")).is_absolute()
