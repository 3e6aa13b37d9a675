"""A delivery worker killed with SIGKILL mid-run loses nothing.

The test runs against a database of its own (a fresh SQLite file, or a fresh PostgreSQL
database when DATABASE_URL points to PostgreSQL), so no other worker, such as a live
sandbox's embedded one, can deliver its events. Processes only: seeding and inspection
run in child processes too.

Receiver: fails 30% of requests (seeded) and answers slowly enough that the worker always
has attempts in flight when it is killed. Afterwards a fresh worker must deliver every
event at least once, each duplicate with the same `x-8x8-event-id` and body.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.webhooks.receiver import ReceivedRequest, Receiver
from tests.webhooks.verifier import verify_all

pytestmark = pytest.mark.slow

CONVERSATIONS = 25
EVENTS_EACH = 21  # 525 events in 25 streams
KILL_AFTER_REQUESTS = 200
RETRIES = 15
TIMEOUT_SECONDS = 1  # the lease is 2 x timeout + 5 s: what a restarted worker waits for


@pytest.fixture
def crash_database() -> Iterator[str]:
    """A DATABASE_URL for a new, migrated database, removed afterwards."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        name = f"sandbox_crash_{os.getpid()}"
        params = {"dbname": "postgres", "autocommit": True}
        for key, param in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
            if default.get(key):
                params[param] = default[key]
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        user = default.get("USER") or "postgres"
        password = f":{default['PASSWORD']}" if default.get("PASSWORD") else ""
        host, port = default.get("HOST") or "127.0.0.1", default.get("PORT") or 5432
        url = f"postgres://{user}{password}@{host}:{port}/{name}"
        try:
            yield url
        finally:
            with psycopg.connect(**params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="crash-") as folder:
            yield f"sqlite:///{Path(folder) / 'crash.sqlite3'}"


@pytest.fixture
def crash_env(crash_database: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": crash_database,
            "SANDBOX_DATA_DIR": str(tmp_path),
            "SANDBOX_WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
            "SANDBOX_RETRY_SCHEDULE_SECONDS": ",".join(["0.02"] * RETRIES),
            "SANDBOX_TIME_SCALE": "1",
            "SANDBOX_DELIVERY_THREADS": "8",
            "PYTHONUNBUFFERED": "1",
        }
    )
    run(["manage.py", "migrate", "--verbosity", "0"], env)
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "deliver_webhooks"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def crash_report(env: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run(["-m", "tests.webhooks.crash_world", "report"], env))
    return result


def acknowledged_all(event_ids: set[str]) -> Any:
    def check(requests: list[ReceivedRequest]) -> bool:
        return event_ids <= {request.event_id for request in requests if request.acknowledged}

    return check


def test_a_killed_worker_loses_no_event_and_duplicates_keep_their_event_id(
    crash_env: dict[str, str], receiver: Receiver, tmp_path: Path
) -> None:
    receiver.respond_with(failure_rate=0.3, delay=0.02, seed=4)
    event_ids = json.loads(
        run(
            ["-m", "tests.webhooks.crash_world", "seed", receiver.url, str(CONVERSATIONS), str(EVENTS_EACH)],
            crash_env,
        )
    )
    assert len(event_ids) >= 500
    log = tmp_path / "worker.log"

    worker = start_worker(crash_env, log)
    try:
        receiver.wait_for_count(KILL_AFTER_REQUESTS, timeout=30)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    at_kill = crash_report(crash_env)
    # The kill hit attempts in progress: their leases still run.
    assert at_kill["in_flight"], at_kill["statuses"]
    arrived_before_restart = len(receiver.snapshot())
    assert arrived_before_restart < 2 * len(event_ids), "the worker finished before it was killed"

    restarted = start_worker(crash_env, log)
    try:
        requests = receiver.wait_until(acknowledged_all(set(event_ids)), timeout=45)
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=15) == 0, log.read_text()
    finally:
        if restarted.poll() is None:
            restarted.kill()

    after = crash_report(crash_env)
    assert after["statuses"] == {"succeeded": len(event_ids)}
    by_event: dict[str, list[ReceivedRequest]] = defaultdict(list)
    for request in requests:
        by_event[request.event_id].append(request)
    assert set(by_event) == set(event_ids)
    # Duplicates (retries, and re-sends of attempts cut off by the kill) carry the same event
    # id and the same bytes, each with its own x-8x8-retry; no two events share a body.
    for copies in by_event.values():
        assert len({copy.body for copy in copies}) == 1
        assert len({copy.retry for copy in copies}) == len(copies)
    assert len({copies[0].body for copies in by_event.values()}) == len(event_ids)
    # Attempts the kill cut off went out again after the lease ran out, as retries.
    for event_id in at_kill["in_flight"]:
        assert max(request.retry for request in by_event[event_id]) >= 1
    # Across the crash, first attempts still went out in event order within each conversation.
    arrival = {request.event_id: index for index, request in enumerate(requests) if request.retry == 0}
    for stream in after["streams"]:
        first_attempts = [event_id for event_id in stream if event_id in arrival]
        assert sorted(first_attempts, key=arrival.__getitem__) == first_attempts
    assert verify_all(requests, lambda kid: after["jwks"][kid])
