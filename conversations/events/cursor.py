"""The tenant's cursor: one gap-free sequence over all of a tenant's events, in commit order.

An event gets its position after it has committed, not when it is written. Positions given
at insert time commit out of order on PostgreSQL (two transactions, the later insert commits
first), and a reader that had moved past the later one would miss the earlier one for good.
Here `events_sequence` numbers the committed events that have no position yet, under the
tenant's row lock, so a reader that has seen position N has seen everything before N.

It runs when someone reads the tenant's events (the control API, a wait), so the write path
of the Gateway API pays nothing for it.
"""

from django.db import transaction

from conversations.models import Tenant
from webhooks.models import Event


def events_sequence(tenant_id: str) -> int:
    """Give every committed, unsequenced event of the tenant its cursor; the tenant's cursor."""
    if not Event.objects.filter(tenant_id=tenant_id, cursor__isnull=True).exists():
        return _current(tenant_id)
    with transaction.atomic():
        last = (
            Tenant.objects.select_for_update()
            .filter(pk=tenant_id)
            .values_list("event_cursor", flat=True)
            .first()
        )
        if last is None:
            return 0
        waiting = list(
            Event.objects.filter(tenant_id=tenant_id, cursor__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)
        )
        for offset, event_pk in enumerate(waiting, start=1):
            Event.objects.filter(pk=event_pk).update(cursor=last + offset)
        last += len(waiting)
        Tenant.objects.filter(pk=tenant_id).update(event_cursor=last)
    return last


def _current(tenant_id: str) -> int:
    value = Tenant.objects.filter(pk=tenant_id).values_list("event_cursor", flat=True).first()
    return value or 0
