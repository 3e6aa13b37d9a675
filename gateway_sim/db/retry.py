"""Running a service again when PostgreSQL aborts its transaction to break a deadlock."""

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

P = ParamSpec("P")
R = TypeVar("R")


# PostgreSQL's "deadlock detected" and "could not serialize access".
_RETRYABLE_SQLSTATES = {"40P01", "40001"}
_ATTEMPTS = 3


def retry_on_conflict(service: Callable[P, R]) -> Callable[P, R]:
    """Run a service again when PostgreSQL aborts its transaction to break a deadlock.

    Services take locks in one order (conversation, then its offers and interactions, then
    agents), but a transaction chosen as a deadlock victim is rolled back whole, events and
    broadcasts included, so running it again is safe. Only the outermost transaction can be
    retried: inside another one, the outer transaction is already lost.
    """

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return service(*args, **kwargs)
            except OperationalError as exc:
                retryable = getattr(exc.__cause__, "sqlstate", None) in _RETRYABLE_SQLSTATES
                if not retryable or attempt == _ATTEMPTS or transaction.get_connection().in_atomic_block:
                    raise
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    return run
