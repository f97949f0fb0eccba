"""Integration fixtures: a fresh, seeded local runtime per test (see support.py); the Salesforce
stub."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.support import Stack, running, write_demo_dir


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    return write_demo_dir(tmp_path / "demo")


@pytest.fixture
def stack(tmp_path: Path, demo_dir: Path) -> Iterator[Stack]:
    with running(tmp_path / "work", demo_dir) as s:
        yield s


@pytest.fixture
def start_stack(tmp_path: Path, demo_dir: Path) -> Callable[..., AbstractContextManager[Stack]]:
    """A runtime with local environment overrides: `with start_stack(NAME=value) as s:`."""

    def start(**environment: str) -> AbstractContextManager[Stack]:
        return running(tmp_path / "work", demo_dir, **environment)

    return start


@pytest.fixture
def sf() -> Iterator[SalesforceStub]:
    """The Salesforce stub, its latencies (a token's 10 ms) taken on a simulated clock: no real
    wait. The tests of the token's own path keep the real ones (test_salesforce's `sf_timed`)."""
    with SalesforceStub(sleep=lambda seconds: None) as stub:
        yield stub
