"""A live sandbox for end-to-end tests: Daphne in a subprocess, on the test database.

Tests that use it talk to the sandbox over real HTTP and WebSockets, exactly as an
integration or a browser would. Data they create through the ORM must be committed to be
visible to the server, so such tests use `pytest.mark.django_db(transaction=True)`.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection

STARTUP_SECONDS = 30
ASGI_APPLICATION = "gateway_sim.asgi:application"


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
    env = dict(os.environ)
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
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the live sandbox exited at start-up:\n{sandbox.log()}")
        try:
            requests.get(url + "/", timeout=1)
            return sandbox
        except requests.ConnectionError:
            time.sleep(0.05)
    stop_sandbox(sandbox)
    raise RuntimeError(f"the live sandbox did not answer within {STARTUP_SECONDS}s:\n{sandbox.log()}")


def stop_sandbox(sandbox: LiveSandbox) -> None:
    sandbox.process.terminate()
    try:
        sandbox.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sandbox.process.kill()
        sandbox.process.wait()
    sandbox.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def live_sandbox(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveSandbox]:
    """One sandbox server for the whole test session, sharing the test database."""
    with django_db_blocker.unblock():
        sandbox = start_sandbox()
    yield sandbox
    stop_sandbox(sandbox)
