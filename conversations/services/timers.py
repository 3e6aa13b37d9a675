"""Deferred domain actions (offer timeouts, post-agent timers): scheduling and cancelling them.

Timers are rows; `conversations.services.clock` fires them."""

import threading
from datetime import datetime, timedelta

from django.db import transaction

from conversations.models import Timer, TimerKind

clock_wakeup = threading.Event()


def timer_schedule(*, tenant_id: str, kind: TimerKind, ref: str, due_at: datetime) -> Timer:
    """Replace any pending timer of this kind for `ref` with one due at `due_at`."""
    timer_cancel(kind=kind, ref=ref)
    timer = Timer.objects.create(tenant_id=tenant_id, kind=kind, ref=ref, due_at=due_at)
    transaction.on_commit(clock_wakeup.set)
    return timer


def timer_cancel(*, kind: TimerKind, ref: str) -> None:
    Timer.objects.filter(kind=kind, ref=ref, fired_at__isnull=True).delete()


def minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def timers_pending(*, tenant_id: str) -> list[Timer]:
    """The tenant's timers not yet fired, soonest first."""
    return list(Timer.objects.filter(tenant_id=tenant_id, fired_at__isnull=True).order_by("due_at", "id"))
