"""The packages import and their public names are the ones we mean to export."""

import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "adapters.errors",
        "adapters.webex.models",
        "adapters.webex.port",
        "adapters.chat",
        "state.model",
        "state.errors",
        "state.lifecycle",
        "state.fanout",
        "state.store",
    ],
)
def test_public_names_exist(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__, module
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"
