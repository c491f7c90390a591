"""One launcher port, three backings: each offers every operation of `Launcher` with the port's
parameters, so the API, the CLI and restart recovery can hold any of them."""

from __future__ import annotations

import inspect

import pytest

from omnigen.pipeline.launchers import Launcher
from omnigen.pipeline.launchers.processes import ProcessRunner
from omnigen.pipeline.launchers.step_functions import StepFunctionsLauncher
from omnigen.pipeline.launchers.threads import LocalRunner

OPERATIONS = [n for n, v in vars(Launcher).items() if inspect.isfunction(v) and not n.startswith("_")]


def test_the_port_has_the_operations_callers_use():
    assert set(OPERATIONS) == {"start", "cancel", "compose", "regenerate", "package", "running", "join", "close"}


@pytest.mark.parametrize("backing", [LocalRunner, ProcessRunner, StepFunctionsLauncher])
@pytest.mark.parametrize("name", OPERATIONS)
def test_every_backing_offers_every_operation(backing, name):
    port = inspect.signature(getattr(Launcher, name))
    mine = inspect.signature(getattr(backing, name))
    wanted = [p for p in port.parameters.values() if p.name != "self"]
    offered = {p.name: p for p in mine.parameters.values() if p.name != "self"}
    for p in wanted:
        assert p.name in offered, f"{backing.__name__}.{name} lacks {p.name}"
    extra = [p for p in offered.values() if p.name not in port.parameters]
    assert all(p.default is not inspect.Parameter.empty for p in extra), f"{backing.__name__}.{name}: {extra}"
