"""Settings come from the environment; a value the sandbox cannot use stops it with one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from gateway_sim.env import (
    EnvError,
    env_bool,
    env_database,
    env_float,
    env_float_list,
    env_int,
    env_redis_url,
)


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("X_NUMBER", "X_FLAG", "X_LIST", "X_DB", "X_REDIS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_unset_and_empty_variables_give_the_default(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("X_NUMBER", "  ")

    assert env_int("X_NUMBER", 3) == 3
    assert env_bool("X_FLAG", True) is True
    assert env_float_list("X_LIST", [1, 5]) == [1, 5]
    assert env_redis_url("X_REDIS") is None


def test_it_reads_numbers_booleans_and_lists(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("X_NUMBER", "7")
    environ.setenv("X_FLAG", "off")
    environ.setenv("X_LIST", "0.5, 2,10")

    assert env_int("X_NUMBER", 3, minimum=1) == 7
    assert env_float("X_NUMBER", 1.0) == 7.0
    assert env_bool("X_FLAG", True) is False
    assert env_float_list("X_LIST", []) == [0.5, 2.0, 10.0]


@pytest.mark.parametrize(
    ("name", "value", "read", "message"),
    [
        ("X_NUMBER", "lots", lambda: env_int("X_NUMBER", 3), "X_NUMBER='lots' is not a whole number"),
        ("X_NUMBER", "0", lambda: env_int("X_NUMBER", 3, minimum=1), "X_NUMBER='0' must be at least 1"),
        ("X_NUMBER", "fast", lambda: env_float("X_NUMBER", 1.0), "X_NUMBER='fast' is not a number"),
        ("X_FLAG", "maybe", lambda: env_bool("X_FLAG", True), "X_FLAG='maybe' is not a boolean"),
        ("X_LIST", "1,x", lambda: env_float_list("X_LIST", []), "X_LIST='1,x' is not a comma-separated"),
        ("X_LIST", "1,-5", lambda: env_float_list("X_LIST", []), "X_LIST='1,-5' must not contain negative"),
        (
            "X_REDIS",
            "localhost:6379",
            lambda: env_redis_url("X_REDIS"),
            "X_REDIS='localhost:6379' is not a Redis",
        ),
        (
            "X_DB",
            "nonsense",
            lambda: env_database("X_DB", Path("/tmp/x")),
            "X_DB='nonsense' is not a database URL",
        ),
        (
            "X_DB",
            "ftp://db/x",
            lambda: env_database("X_DB", Path("/tmp/x")),
            "X_DB='ftp://db/x' is not a usable",
        ),
    ],
)
def test_it_rejects_an_unusable_value_naming_the_variable(
    environ: pytest.MonkeyPatch,
    name: str,
    value: str,
    read,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    environ.setenv(name, value)

    with pytest.raises(EnvError) as error:
        read()

    assert str(error.value).startswith(message)


def test_database_url_switches_to_postgresql_and_sqlite_urls_keep_the_sandboxs_options(
    environ: pytest.MonkeyPatch,
) -> None:
    environ.setenv("X_DB", "postgres://sandbox@db.example:5433/chat")
    postgres = env_database("X_DB", Path("/tmp/unused.sqlite3"))
    environ.setenv("X_DB", "sqlite:////tmp/other.sqlite3")
    sqlite = env_database("X_DB", Path("/tmp/unused.sqlite3"))
    environ.delenv("X_DB")
    default = env_database("X_DB", Path("/tmp/default.sqlite3"))

    assert (postgres["ENGINE"], postgres["NAME"], postgres["HOST"], postgres["PORT"]) == (
        "django.db.backends.postgresql",
        "chat",
        "db.example",
        5433,
    )
    assert (sqlite["NAME"], sqlite["OPTIONS"]) == ("/tmp/other.sqlite3", default["OPTIONS"])
    assert default["NAME"] == "/tmp/default.sqlite3"
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "SANDBOX_PORT",
            "eighty",
            "Chat Gateway Sandbox: configuration error: SANDBOX_PORT='eighty' is not a whole number",
        ),
        (
            "SANDBOX_AGENT_CAPACITY",
            "lots",
            "Chat Gateway Sandbox: configuration error: SANDBOX_AGENT_CAPACITY='lots' is not a whole number",
        ),
        (
            "DATABASE_URL",
            "nonsense",
            "Chat Gateway Sandbox: configuration error: "
            "DATABASE_URL='nonsense' is not a database URL (e.g. postgres://user@host/db)",
        ),
    ],
)
def test_a_malformed_variable_stops_start_up_with_one_line(
    tmp_path: Path, name: str, value: str, line: str
) -> None:
    env = {**os.environ, "SANDBOX_DATA_DIR": str(tmp_path), name: value}

    result = subprocess.run(
        [sys.executable, "manage.py", "sandbox", "--no-serve"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""
