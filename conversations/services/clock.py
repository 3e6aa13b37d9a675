"""The clock that fires timers as they come due, and the one table of what each kind runs.

Any number of processes may run the clock: a timer is claimed with a conditional UPDATE
(`fired_at IS NULL`), so exactly one process fires it."""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from conversations.models import Timer, TimerKind
from conversations.services.autopilot_play import (
    autopilot_offer_accept,
    autopilot_offer_reject,
    autopilot_reply,
)
from conversations.services.lifecycle import post_agent_max_total_elapsed, post_agent_user_silent
from conversations.services.offers import offer_expire
from conversations.services.timers import clock_wakeup
from gateway_sim.domain_errors import DomainError

logger = logging.getLogger(__name__)

# What each kind of timer runs when it comes due, given the timer's `ref`.
TIMER_HANDLERS: dict[str, Callable[[str], None]] = {
    TimerKind.OFFER_TIMEOUT: offer_expire,
    TimerKind.POST_AGENT_MAX_TOTAL: post_agent_max_total_elapsed,
    TimerKind.POST_AGENT_USER_TIMEOUT: post_agent_user_silent,
    TimerKind.AUTOPILOT_ACCEPT: autopilot_offer_accept,
    TimerKind.AUTOPILOT_REJECT: autopilot_offer_reject,
    TimerKind.AUTOPILOT_REPLY: autopilot_reply,
}


def timer_next_due() -> datetime | None:
    timer = Timer.objects.filter(fired_at__isnull=True).order_by("due_at").only("due_at").first()
    return timer.due_at if timer else None


def timers_fire_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Fire every timer due at `now`. Returns how many this process fired."""
    now = now or timezone.now()
    due = list(
        Timer.objects.filter(fired_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", "kind", "ref")[:limit]
    )
    return sum(_timer_fire(timer_id, kind, ref, now=now) for timer_id, kind, ref in due)


def timers_fire_now(*, tenant_id: str, within: timedelta) -> list[Timer]:
    """Fire now the tenant's pending timers due within `within` (a test's fast-forward).

    Timers scheduled by what fires (a re-offer's own timeout) wait for the clock or a
    later call, so a chain of re-offers never loops here. Returns the timers this call
    fired, in due order; one the clock claimed meanwhile is left out.
    """
    now = timezone.now()
    due = list(
        Timer.objects.filter(tenant_id=tenant_id, fired_at__isnull=True, due_at__lte=now + within)
        .order_by("due_at", "id")
        .values_list("id", "kind", "ref")
    )
    fired = [timer_id for timer_id, kind, ref in due if _timer_fire(timer_id, kind, ref, now=now)]
    return list(Timer.objects.filter(pk__in=fired).order_by("due_at", "id"))


def _timer_fire(timer_id: int, kind: str, ref: str, *, now: datetime) -> bool:
    """Claim one timer and run its handler; False when another process claimed it first."""
    with transaction.atomic():
        claimed = Timer.objects.filter(pk=timer_id, fired_at__isnull=True).update(fired_at=now)
        if not claimed:
            return False  # another process fired it
        handler = TIMER_HANDLERS.get(kind)
        if handler is None:
            logger.error("no handler for timer kind %s", kind)
            return True
        try:
            with transaction.atomic():
                handler(ref)
        except DomainError as exc:
            # The thing the timer was for is gone or moved on; the timer is spent.
            logger.info("timer %s %s skipped: %s", kind, ref, exc.message)
        except Exception:
            # Spent too: retrying a timer that fails would fail again, and would hold
            # back every timer due after it.
            logger.exception("timer %s %s failed", kind, ref)
    return True


def run_clock(stop: threading.Event, *, max_sleep: float = 5.0) -> None:
    """Fire timers as they come due until `stop` is set.

    Sleeps until the next known due time; a timer scheduled in this process wakes it at
    once. `max_sleep` bounds the wait so timers scheduled by other processes are noticed.
    """
    while not stop.is_set():
        try:
            timers_fire_due()
            next_due = timer_next_due()
        except Exception:
            logger.exception("timer clock iteration failed")
            next_due = None
        wait = max_sleep
        if next_due is not None:
            wait = max(0.0, min(max_sleep, (next_due - timezone.now()).total_seconds()))
        clock_wakeup.wait(timeout=wait)
        clock_wakeup.clear()
