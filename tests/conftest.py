"""Shared fixtures: a fresh tenant world per test."""

from typing import Any

import pytest
from django.db import connections

from tests.factories import World, world_create
from tests.live import live_sandbox

__all__ = ["live_sandbox"]


@pytest.fixture(scope="session", autouse=True)
def connections_closed_after_each_use() -> None:
    """Threads close their database connections when done, as Django does by default.

    The server keeps them (gateway_sim.settings), but the test database is dropped at the
    end of the run, and a connection left open by a thread that ran a consumer's service
    would block that on PostgreSQL.
    """
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0


@pytest.fixture
def world(db: None) -> World:
    return world_create()


@pytest.fixture(autouse=True)
def journal_off(settings: Any) -> None:
    """In-process tests run without the API journal (live sandboxes keep it on).

    Tests count the queries an operation makes; the journal's write would add one to each.
    The journal's own tests switch it back on (tests/control/test_journal.py).
    """
    settings.SANDBOX_JOURNAL = False
