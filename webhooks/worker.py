"""The delivery worker: a thin loop over `claim_due()` and `attempt()`.

Guarantees, and how they are kept:

- **At least once.** A claim marks deliveries `in_flight` with a lease (`claimed_until`).
  A worker that dies mid-attempt leaves them in flight; once the lease runs out any
  worker claims them again. The event id never changes, so receivers can de-duplicate.
- **Atomic claims** and **order** (first attempts in event order per webhook and
  conversation; retries unordered, so a failing event never blocks the ones after it):
  see `webhooks.claims`. Streams run in parallel on a thread pool. A delivery written in
  a process whose worker has a free thread, with nothing of its stream before it, is
  claimed by the transaction that writes it and handed to that worker on commit
  (`hand_over`); the lease covers it the same way.
- **No polling.** The loop sleeps on `webhooks.wakeup` until an event commits, an attempt
  finishes, or the next retry or lease comes due.

`attempts` counts attempts started: a claim increments it, and `x-8x8-retry` is the
number of earlier attempts (`attempts - 1`).
"""

import logging
import queue
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from gateway_sim.bell import ring_on_commit
from gateway_sim.db.sqlite3.base import urgent_writes
from webhooks import wakeup
from webhooks.claims import claim_due, finish_claim
from webhooks.delivery import HttpResult, http_post
from webhooks.keys import signer_current
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Webhook
from webhooks.signing import event_headers
from webhooks.store import attempt_insert

logger = logging.getLogger(__name__)

# Upper bound on one idle sleep. Wake-ups are explicit; this only bounds how long a missed
# one (a dropped LISTEN connection, no Unix sockets) could delay work.
MAX_IDLE_SECONDS = 5.0
# Stored request and response bodies are trimmed to this many characters.
LOG_BODY_LIMIT = 4096


def retry_delay(attempts: int) -> float | None:
    """Seconds to wait after the `attempts`-th failed attempt, or None when it was the last."""
    schedule = settings.SANDBOX_RETRY_SCHEDULE_SECONDS
    if attempts > len(schedule):
        return None
    return schedule[attempts - 1] * settings.SANDBOX_TIME_SCALE


def request_headers(delivery: Delivery, *, retry: int, transmission_time: int) -> dict[str, str]:
    """Every header of one attempt, as 8x8 sends them."""
    headers = {"content-type": "application/json"}
    headers.update(
        event_headers(
            body=delivery.body.encode("utf-8"),
            tenant_id=delivery.event.tenant_id,
            customer_id=delivery.customer_id,
            event_id=delivery.event.event_id,
            retry=retry,
            transmission_time=transmission_time,
            signer=signer_current() if delivery.signed else None,
        )
    )
    return headers


def attempt(delivery: Delivery, *, retries: bool = True) -> DeliveryAttempt:
    """One HTTP try of a claimed delivery, logged; then succeeded, retry later, or failed.

    With `retries=False` (verify) a failure is final.
    """
    retry = delivery.attempts - 1
    started_at = timezone.now()
    headers = request_headers(delivery, retry=retry, transmission_time=int(time.time() * 1000))
    result = http_post(uri=delivery.uri, body=delivery.body.encode("utf-8"), headers=headers)
    return _record(
        delivery, retry=retry, headers=headers, result=result, started_at=started_at, retries=retries
    )


def _record(
    delivery: Delivery,
    *,
    retry: int,
    headers: dict[str, str],
    result: HttpResult,
    started_at: datetime,
    retries: bool,
) -> DeliveryAttempt:
    now = timezone.now()
    delay = retry_delay(delivery.attempts) if retries else None
    next_attempt_at = now
    if result.succeeded:
        status = DeliveryStatus.SUCCEEDED
    elif delay is None:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
        next_attempt_at = now + timedelta(seconds=delay)
    error = result.error or ("" if result.succeeded else f"HTTP {result.status_code}")
    log = DeliveryAttempt(
        delivery=delivery,
        retry=retry,
        request_headers=headers,
        request_body=delivery.body[:LOG_BODY_LIMIT],
        status_code=result.status_code,
        response_headers=result.response_headers,
        response_body=result.response_body[:LOG_BODY_LIMIT],
        latency_ms=round(result.latency_ms, 3),
        error=result.error,
        started_at=started_at,
    )
    with transaction.atomic():
        uri = delivery.uri
        if status == DeliveryStatus.PENDING and delivery.webhook_id is not None:
            # The webhook may have been changed or deleted during the attempt; the services
            # left this delivery alone then because it was in flight. Its retry follows.
            target = Webhook.objects.filter(pk=delivery.webhook_id).values_list("uri", "is_deleted").first()
            if target is None or target[1]:
                status, error = DeliveryStatus.FAILED, f"webhook {delivery.webhook_id} was deleted"
            else:
                uri = target[0]
        # Only the holder of the current claim moves the delivery on. If our lease ran out
        # and another worker re-claimed it (attempts moved on), this attempt is just logged.
        current = finish_claim(
            delivery,
            status=status,
            next_attempt_at=next_attempt_at,
            status_code=result.status_code,
            error=error,
            now=now,
        )
        # The claim's row lock (or, without the claim, this one) keeps the delivery from being
        # removed until the attempt is logged. One removed during the attempt (a tenant reset,
        # a deleted customer) has nothing left to log against: the attempt is dropped.
        if not current and not Delivery.objects.select_for_update().filter(pk=delivery.pk).exists():
            logger.info("delivery %s was removed during its attempt", delivery.pk)
            return log
        # One row per attempt, in plain SQL (the ORM's create() spent ~0.4 ms building it).
        log = attempt_insert(log)
        if current and uri != delivery.uri:
            Delivery.objects.filter(pk=delivery.pk).update(uri=uri)
            delivery.uri = uri
        # The stream's next first attempt, or this retry, may now be due: wake the workers.
        # This process's worker wakes itself when it has work waiting (see `_Pool`), so it
        # is woken here only for a retry, whose time it must know.
        wakeup.notify_delivery_workers(here=status == DeliveryStatus.PENDING)
        if status == DeliveryStatus.SUCCEEDED:
            # Control API waits "on delivery" look again (gateway_sim.bell).
            ring_on_commit(delivery.event.tenant_id)
    delivery.status = status
    delivery.next_attempt_at = next_attempt_at
    delivery.claimed_until = None
    delivery.last_status_code = result.status_code
    delivery.last_error = error
    return log


def _attempt_in_pool(delivery: Delivery) -> None:
    try:
        attempt(delivery)
    except Exception:
        logger.exception("delivery %s: attempt failed unexpectedly", delivery.pk)
        # The connection may be broken; this thread reconnects on its next query. The claim
        # stays in flight and is taken again when its lease runs out.
        connections.close_all()
        # Its lease expiry is now a moment to wake for.
        wakeup.wake_local_worker()


class _Pool:
    """Long-lived attempt threads. Each keeps its database connection between attempts
    and closes it when the pool shuts down.

    A finished attempt wakes the loop only while `wake_on_finish` is set: when the loop's
    last look found deliveries due that it did not take (blocked behind a stream head in
    flight, or no free thread). Otherwise the end of an attempt changes nothing the loop
    is waiting for, and waking it would only repeat the same queries.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self.wake_on_finish = True
        self.lock = threading.Lock()
        self.queue: queue.SimpleQueue[Delivery | None] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._run, name=f"sandbox-delivery-{n}", daemon=True) for n in range(size)
        ]
        for thread in self.threads:
            thread.start()

    def free(self) -> int:
        with self.lock:
            return self.size - self.busy

    def submit(self, delivery: Delivery) -> None:
        with self.lock:
            self.busy += 1
        self.queue.put(delivery)

    def _run(self) -> None:
        urgent_writes()
        try:
            while (delivery := self.queue.get()) is not None:
                _attempt_in_pool(delivery)
                with self.lock:
                    self.busy -= 1
                # Read after the attempt's commit: see run_worker for the order that makes
                # this safe.
                if self.wake_on_finish:
                    wakeup.wake_local_worker()
        finally:
            connections.close_all()

    def shutdown(self) -> None:
        """Finish the attempts already handed over, then stop the threads."""
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()


# The pool of the worker running in this process, if any. A delivery written while it has
# a free thread, at the head of its stream, is claimed in the transaction that writes it
# and handed straight to it after the commit (webhooks.deliveries): no wake-up, look and
# claim transaction for the common case of an event with nothing queued before it.
_local_pool: _Pool | None = None


def local_pool_free() -> bool:
    """Whether this process runs a worker with a thread free for a delivery just written."""
    pool = _local_pool
    return pool is not None and pool.free() > 0


def hand_over(delivery: Delivery) -> None:
    """Attempt a delivery claimed when it was written; call once its transaction committed.

    Should the worker have stopped since, the claim's lease runs out and any worker takes
    the delivery again, as after a crash.
    """
    pool = _local_pool
    if pool is not None:
        pool.submit(delivery)


def run_worker(stop: threading.Event, *, threads: int | None = None, once: bool = False) -> None:
    """Deliver until `stop` is set (or, with `once`, until nothing is due or in flight).

    To stop promptly, set `stop` and then call `webhooks.wakeup.wake_local_worker()`.
    Attempts already started are finished before returning.
    """
    # Accepted events go out before more requests are taken in when the process is busy.
    urgent_writes()
    global _local_pool
    pool = _Pool(threads or settings.SANDBOX_DELIVERY_THREADS)
    _local_pool = pool
    listener = wakeup.wakeup_listen()
    logger.info("delivery worker started (%d threads)", pool.size)
    try:
        while not stop.is_set():
            # Cleared before looking, so a wake-up that arrives while we look is kept. And
            # attempts that end while we look wake us: one that ends after our queries saw it
            # in flight must not leave us asleep with work behind it.
            wakeup.deliveries_ready.clear()
            pool.wake_on_finish = True
            free = pool.free()
            claimed: list[Delivery] = []
            waiting = True
            try:
                claimed, due_now, due_at = claim_due(limit=free)
                # Due but not taken: blocked behind a stream head in flight, no free thread,
                # or taken by another worker. An attempt's end may unblock it.
                waiting = due_now > len(claimed)
            except Exception:
                logger.exception("delivery worker: claim failed")
                connections.close_all()
                due_at = None
            for delivery in claimed:
                pool.submit(delivery)
            pool.wake_on_finish = waiting or once
            if once and not claimed and free == pool.size:
                break
            # Otherwise sleep until woken (an event commits, or an attempt ends while work
            # is waiting), or until the next retry or lease expiry.
            timeout = MAX_IDLE_SECONDS
            if due_at is not None:
                timeout = min(timeout, max(0.0, (due_at - timezone.now()).total_seconds()))
            wakeup.deliveries_ready.wait(timeout=timeout)
    finally:
        if _local_pool is pool:
            _local_pool = None
        pool.shutdown()
        listener.close()
        connections.close_all()
        logger.info("delivery worker stopped")
