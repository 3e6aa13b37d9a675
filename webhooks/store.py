"""Plain-SQL statements of the delivery path, run once per delivery or attempt.

Django's ORM spends about 0.3 ms of CPU building each query, several times what the
database spends on a one-row insert; these run for every event and every attempt, so they
use `gateway_sim.db.rows.Table`. The claim queries live in `webhooks.claims`.
"""

from django.db import connection

from gateway_sim.db.rows import Table
from webhooks.models import Delivery, DeliveryAttempt, SigningKey

_DELIVERIES = Table.of(Delivery)
_ATTEMPTS = Table.of(DeliveryAttempt)

_CURRENT_KID_SQL = (
    f"SELECT kid FROM {SigningKey._meta.db_table} WHERE retired_at IS NULL"
    " ORDER BY created_at DESC, kid DESC LIMIT 1"
)


def delivery_insert(delivery: Delivery) -> Delivery:
    return _DELIVERIES.insert(delivery)


def attempt_insert(attempt: DeliveryAttempt) -> DeliveryAttempt:
    return _ATTEMPTS.insert(attempt)


def current_kid() -> str | None:
    """The kid of the key that signs new attempts, or None before the first key exists."""
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_KID_SQL)
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def postgres_notify(channel: str, payload: str) -> None:
    """`NOTIFY channel, payload`, delivered to listeners when the transaction commits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [channel, payload])
