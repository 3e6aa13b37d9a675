"""Small typed readers for environment variables.

Each reader returns the default when the variable is unset or empty and stops start-up
with a one-line message naming the variable when the value cannot be used.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# Django's SQLite backend with the writers of one process queueing for the write lock
# instead of polling for it (see gateway_sim/db/sqlite3/base.py).
SQLITE_ENGINE = "gateway_sim.db.sqlite3"

# Writers take the lock at BEGIN (no upgrade deadlocks between the server's threads and
# processes); WAL lets readers run while a writer commits.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


class EnvError(ImproperlyConfigured):
    """A configuration variable holds a value the sandbox cannot use."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={value!r} must be at least {minimum}")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a number") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={value!r} must be at least {minimum}")
    return number


def env_float_list(name: str, default: list[float]) -> list[float]:
    value = _raw(name)
    if value is None:
        return list(default)
    try:
        numbers = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a comma-separated list of seconds") from None
    if any(n < 0 for n in numbers):
        raise EnvError(f"{name}={value!r} must not contain negative delays")
    return numbers


def env_database(name: str, sqlite_path: Path) -> dict[str, object]:
    value = _raw(name)
    if value is None:
        return {"ENGINE": SQLITE_ENGINE, "NAME": str(sqlite_path), "OPTIONS": SQLITE_OPTIONS}
    if "://" not in value:
        raise EnvError(f"{name}={value!r} is not a database URL (e.g. postgres://user@host/db)")
    try:
        config: dict[str, object] = dict(dj_database_url.parse(value, conn_max_age=0))
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise EnvError(f"{name}={value!r} is not a usable database URL: {exc}") from None
    if not config.get("ENGINE"):
        raise EnvError(f"{name}={value!r} names an unsupported database scheme")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = SQLITE_ENGINE
        config["OPTIONS"] = SQLITE_OPTIONS
    return config


def env_redis_url(name: str) -> str | None:
    value = _raw(name)
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise EnvError(f"{name}={value!r} is not a Redis URL (redis://host:port/db)")
    return value


def settings_or_exit() -> None:
    """Load the settings; on an unusable variable print one line naming it and exit (status 2).

    Called by the entry points (manage.py, asgi.py) so that a typo in the environment reads
    as a sentence, not as a traceback through Django's settings loader.
    """
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching a setting loads the module
    except EnvError as exc:
        print(f"Chat Gateway Sandbox: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
