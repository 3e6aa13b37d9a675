"""Which deliveries may be attempted now, and taking them atomically.

The rules:

- A delivery is *due* when it is pending and its `next_attempt_at` has come, or when it is
  in flight and its lease (`claimed_until`) has run out (the worker that took it died).
- First attempts keep event order per stream (one webhook, one conversation): only the
  stream's *head* may go, the earliest delivery still waiting for, or in, its first
  attempt. Retries, re-sends and events outside a conversation (verify) are not ordered.
- Taking is atomic: PostgreSQL locks the rows with `FOR UPDATE SKIP LOCKED`, so concurrent
  workers take disjoint sets; on SQLite the claim transaction starts with `BEGIN IMMEDIATE`,
  which serialises writers across threads and processes.

These run on every wake-up of every worker, so the two reads are plain SQL: Django would
spend more time building them than the database spends answering.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from webhooks.models import Delivery, DeliveryStatus, Event

DELIVERY = Delivery._meta.db_table
EVENT = Event._meta.db_table
PENDING = DeliveryStatus.PENDING.value
IN_FLIGHT = DeliveryStatus.IN_FLIGHT.value

# What a claimed delivery carries into its attempt (in the models' field order, as
# `Model.from_db` wants); the rest loads on access.
TAKEN_DELIVERY_FIELDS = [
    "id",
    "event_id",
    "webhook_id",
    "uri",
    "customer_id",
    "body",
    "signed",
    "status",
    "attempts",
]
_SIGNED = TAKEN_DELIVERY_FIELDS.index("signed")
TAKEN_EVENT_FIELDS = ["id", "event_id", "tenant_id", "conversation_id", "type", "sequence"]
TAKEN_EVENT_COLUMNS = ", ".join(f"e.{name}" for name in TAKEN_EVENT_FIELDS)

# Stream heads that are pending and due (ranking only the rows still waiting for a first
# attempt keeps this proportional to the backlog), then everything unordered that is due;
# with what the attempt needs of their events (events never change, so reading them before
# the claim is as good as after).
CANDIDATES_SQL = f"""
SELECT c.id, c.event_id, c.status, c.attempts, {TAKEN_EVENT_COLUMNS} FROM (
    SELECT id, event_id, status, attempts FROM (
        SELECT d.id, d.event_id, d.status, d.attempts, d.next_attempt_at,
               ROW_NUMBER() OVER (PARTITION BY d.webhook_id, e.conversation_id
                                  ORDER BY d.event_id) AS position
        FROM {DELIVERY} d JOIN {EVENT} e ON e.id = d.event_id
        WHERE ((d.status = '{PENDING}' AND d.attempts = 0) OR (d.status = '{IN_FLIGHT}' AND d.attempts = 1))
          AND d.webhook_id IS NOT NULL AND e.conversation_id IS NOT NULL
    ) waiting
    WHERE position = 1 AND status = '{PENDING}' AND next_attempt_at <= %s
    UNION ALL
    SELECT d.id, d.event_id, d.status, d.attempts
    FROM {DELIVERY} d JOIN {EVENT} e ON e.id = d.event_id
    WHERE (d.status = '{PENDING}' AND d.next_attempt_at <= %s
           AND (d.attempts > 0 OR e.conversation_id IS NULL OR d.webhook_id IS NULL))
       OR (d.status = '{IN_FLIGHT}' AND d.claimed_until < %s)
    ORDER BY 2, 1
    LIMIT %s
) c
JOIN {EVENT} e ON e.id = c.event_id
ORDER BY 2, 1
"""

# A worker's look on each wake-up, in one statement: how many deliveries are due now and the
# next moment something will be (one pass over the pending and in-flight rows, index
# delivery_due, never over delivered history), with the candidates (the due state always
# comes back, as one row with no candidate when there is none).
LOOK_SQL = f"""
SELECT s.due_count, s.next_at, c.* FROM (
    SELECT SUM(CASE WHEN due <= %s THEN 1 ELSE 0 END) AS due_count,
           MIN(CASE WHEN due > %s THEN due END) AS next_at
    FROM (
        SELECT next_attempt_at AS due FROM {DELIVERY} WHERE status = '{PENDING}'
        UNION ALL
        SELECT claimed_until AS due FROM {DELIVERY} WHERE status = '{IN_FLIGHT}'
    ) moments
) s LEFT JOIN ({CANDIDATES_SQL}) c ON 1 = 1
ORDER BY 4, 3
"""


# The stream's latest delivery: the conversation's newest event (index event_conversation_seq,
# newest first) that has a delivery to the webhook (index delivery_stream). Written so that the
# walk starts from the conversation's events: joined the other way round, SQLite's planner
# walked every delivery the webhook ever had (2 ms at 3,000 of them, growing with each message).
# First attempts go in event order, so the stream is free for a new head exactly when that one
# has had its first attempt.
STREAM_LATEST_SQL = f"""
SELECT d.status, d.attempts FROM {DELIVERY} d WHERE d.webhook_id = %s AND d.event_id = (
    SELECT e.id FROM {EVENT} e WHERE e.conversation_id = %s AND EXISTS (
        SELECT 1 FROM {DELIVERY} x WHERE x.event_id = e.id AND x.webhook_id = %s
    ) ORDER BY e.sequence DESC LIMIT 1
) LIMIT 1
"""


def stream_busy(webhook_id: str, conversation_id: str) -> bool:
    """Whether a new delivery to `webhook_id` for `conversation_id` would have to wait for
    an earlier one's first attempt. Read inside the writing transaction, under the
    conversation's lock, before the new delivery is written."""
    with connection.cursor() as cursor:
        cursor.execute(STREAM_LATEST_SQL, [webhook_id, conversation_id, webhook_id])
        row = cursor.fetchone()
    if row is None:
        return False
    status, attempts = row
    return bool((status == PENDING and attempts == 0) or (status == IN_FLIGHT and attempts == 1))


def lease_seconds() -> float:
    """How long a claim is exclusive: longer than any attempt (the timeout bounds a whole attempt,
    see `webhooks.delivery`), with room to record its result."""
    return 2 * settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS + 5


class Candidate(NamedTuple):
    """A delivery as read: its id, event order, the state the claim must still find, and
    its event."""

    pk: str
    event_pk: int
    status: str
    attempts: int
    event: Event


def _param(moment: datetime) -> Any:
    """A datetime as the backend stores it (SQLite: naive UTC text), so comparisons agree."""
    return connection.ops.adapt_datetimefield_value(moment)


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _candidates_of(rows: list[Any]) -> list[Candidate]:
    found = []
    alias = connection.alias
    for pk, event_pk, status, attempts, *values in rows:
        event = Event.from_db(alias, TAKEN_EVENT_FIELDS, values)
        found.append(Candidate(pk, event_pk, status, attempts, event))
    return found


class DueClaim(NamedTuple):
    """What a claim took, and what the worker needs to know to sleep until it is needed."""

    deliveries: list[Delivery]
    # Deliveries due now, taken or not: more than were taken means some wait behind their
    # stream's head in flight, or for a free thread.
    due: int
    # The next scheduled retry or lease expiry.
    next_at: datetime | None


def claim_due(*, limit: int = 100, now: datetime | None = None) -> DueClaim:
    """Atomically take up to `limit` deliveries that may be attempted now.

    Candidates are read first, without locks (on SQLite the claim transaction holds the
    database's only write lock, so it is opened only when there is something to take).
    The claim then takes a candidate only if it is still in the state it was read in.
    That is enough for ordering: a stream's head only ever moves forward, and a delivery
    found pending with `attempts = n` has had no attempt since it was read.
    """
    now = now or timezone.now()
    moment = _param(now)
    with connection.cursor() as cursor:
        cursor.execute(LOOK_SQL, [moment, moment, moment, moment, moment, max(limit, 0)])
        rows = cursor.fetchall()
    due_now, next_at = rows[0][:2]
    found = _candidates_of([row[2:] for row in rows if row[2] is not None])
    return DueClaim(_claim(found, now=now), int(due_now or 0), _as_datetime(next_at))


def _claim(found: list[Candidate], *, now: datetime) -> list[Delivery]:
    """Take those of `found` that are still as they were read (see `claim_due`)."""
    if not found:
        return []
    # Take each candidate only if it is still as it was read: id, status and attempts.
    still = " OR ".join(["(id = %s AND status = %s AND attempts = %s)"] * len(found))
    if connection.vendor == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        still = f"id IN (SELECT id FROM {DELIVERY} WHERE {still} FOR UPDATE SKIP LOCKED)"
    claimed_until = now + timedelta(seconds=lease_seconds())
    params: list[Any] = [_param(claimed_until), _param(now)]
    for candidate in found:
        params += [candidate.pk, candidate.status, candidate.attempts]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DELIVERY} SET status = '{IN_FLIGHT}', attempts = attempts + 1, claimed_until = %s,"
            f" updated_at = %s WHERE {still} RETURNING {', '.join(TAKEN_DELIVERY_FIELDS)}",
            params,
        )
        rows = cursor.fetchall()
    events = {candidate.event_pk: candidate.event for candidate in found}
    taken = []
    for row in rows:
        delivery = Delivery.from_db(
            connection.alias, TAKEN_DELIVERY_FIELDS, [*row[:_SIGNED], bool(row[_SIGNED]), *row[_SIGNED + 1 :]]
        )
        delivery.claimed_until = claimed_until
        delivery.event = events[row[1]]
        taken.append(delivery)
    return sorted(taken, key=lambda delivery: (delivery.event_id, delivery.pk))


def finish_claim(
    delivery: Delivery,
    *,
    status: str,
    next_attempt_at: datetime,
    status_code: int | None,
    error: str,
    now: datetime,
) -> bool:
    """Record the outcome of an attempt, if the claim it was made under is still the current
    one (in flight, same attempt count). Returns whether it was."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DELIVERY} SET status = %s, next_attempt_at = %s, claimed_until = NULL,"
            f" last_status_code = %s, last_error = %s, updated_at = %s"
            f" WHERE id = %s AND status = '{IN_FLIGHT}' AND attempts = %s",
            [
                status,
                _param(next_attempt_at),
                status_code,
                error,
                _param(now),
                delivery.pk,
                delivery.attempts,
            ],
        )
        return int(cursor.rowcount) == 1
