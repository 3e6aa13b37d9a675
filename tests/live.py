"""A live sandbox for end-to-end tests: Daphne in a subprocess, on the test database.

Tests that use it talk to the sandbox over real HTTP and WebSockets, exactly as an
integration or a browser would. Data they create through the ORM must be committed to be
visible to the server, so such tests use `pytest.mark.django_db(transaction=True)`.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection

STARTUP_SECONDS = 30
ASGI_APPLICATION = "gateway_sim.asgi:application"
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass
class LiveSandbox:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def api_key(self) -> str:
        """The key printed in the start-up banner (sandboxes started with `manage.py sandbox`)."""
        match = re.search(r"API key \(x-api-key\):\s+(\S+)", self.log())
        if match is None:
            raise RuntimeError(f"no API key in the sandbox's banner:\n{self.log()}")
        return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    """The DATABASE_URL that points a child process at the same (test) database."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def sandbox_process_env(**overrides: str) -> dict[str, str]:
    # Its own in-memory channel layer: with a shared Redis layer, its pushes would reach the
    # test process's consumers.
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        {
            "DATABASE_URL": database_url(connection.settings_dict),
            "SANDBOX_DATA_DIR": str(settings.DATA_DIR),
            "SANDBOX_SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


def start_sandbox(**env_overrides: str) -> LiveSandbox:
    """Start Daphne on a free port against the test database and wait until it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = sandbox_process_env(SANDBOX_PUBLIC_URL=url, **env_overrides)
    # The child keeps its own handle on the log; ours is closed once it has started.
    with tempfile.NamedTemporaryFile(prefix="live-sandbox-", suffix=".log", delete=False) as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APPLICATION],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    sandbox = LiveSandbox(url=url, process=process, log_path=Path(log_file.name))
    _wait_until_answering(sandbox, STARTUP_SECONDS)
    return sandbox


def _wait_until_answering(sandbox: LiveSandbox, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sandbox.process.poll() is not None:
            raise RuntimeError(f"the sandbox exited at start-up:\n{sandbox.log()}")
        try:
            requests.get(sandbox.url + "/", timeout=1)
            return
        # A first answer slower than the probe's second (a busy machine) is not a failure yet.
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.05)
    stop_sandbox(sandbox)
    raise RuntimeError(f"the sandbox did not answer within {seconds}s:\n{sandbox.log()}")


@contextmanager
def throwaway_sandbox(
    *, seed: str | None = None, data_dir: Path | None = None, **settings_env: str
) -> Iterator[LiveSandbox]:
    """`python manage.py sandbox` exactly as a user starts it, on its own data and a free port.

    Embedded defaults (SQLite, in-memory layer, workers in the process) whatever the calling
    environment says, plus `settings_env`; `seed` is a YAML seed's text. The data directory
    is removed afterwards unless one is given. Needs no Django in the calling process.
    """
    with tempfile.TemporaryDirectory(prefix="sandbox-") as scratch:
        home = data_dir or Path(scratch)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "manage.py", "sandbox", "--host", "127.0.0.1", "--port", str(port)]
        if seed is not None:
            seed_path = Path(scratch) / "seed.yaml"
            seed_path.write_text(seed)
            command += ["--seed", str(seed_path)]
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("SANDBOX_") and key not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(
            {
                "SANDBOX_DATA_DIR": str(home),
                "SANDBOX_PUBLIC_URL": url,
                "SANDBOX_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                **settings_env,
            }
        )
        log_path = Path(scratch) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=REPOSITORY, env=env, stdout=log, stderr=subprocess.STDOUT)
        sandbox = LiveSandbox(url=url, process=process, log_path=log_path)
        try:
            _wait_until_answering(sandbox, 60)
            yield sandbox
        finally:
            stop_sandbox(sandbox)


def stop_sandbox(sandbox: LiveSandbox) -> None:
    sandbox.process.terminate()
    try:
        sandbox.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sandbox.process.kill()
        sandbox.process.wait()
    sandbox.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def live_sandbox(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveSandbox]:
    """A sandbox server for one test module, sharing the test database.

    Per module, not per session: its timer clock and delivery worker act on every row of
    the shared database, so it must not outlive the tests that use it (on PostgreSQL its
    writes would deadlock with a later test's flush).
    """
    with django_db_blocker.unblock():
        sandbox = start_sandbox()
    yield sandbox
    stop_sandbox(sandbox)
