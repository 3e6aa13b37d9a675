"""The event outbox: every domain change records its events here, in its own transaction.

An event is written with its deliveries (one per receiving webhook, `webhooks.deliveries`)
and its desk push goes out after the commit, so an accepted change never loses its events
and never announces one that rolled back.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations import store
from conversations.events import desk
from conversations.events.builders import DomainEvent
from conversations.events.targets import bodies_for
from conversations.models import Conversation
from webhooks.deliveries import deliveries_write
from webhooks.models import Event


def event_record(*, conversation: Conversation, event: DomainEvent, moment: datetime | None = None) -> Event:
    """Write one event and its deliveries. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must be called inside transaction.atomic()")
    moment = moment or timezone.now()
    envelope = event.envelope(conversation.id, moment)
    row = store.event_insert(conversation, event_type=event.type, payload=envelope, moment=moment)
    deliveries_write(
        event=row,
        bodies=bodies_for(conversation, row),
        customer_id=conversation.tenant.customer_id,
        moment=moment,
    )
    desk.push_event(conversation, sequence=row.sequence, event_id=row.event_id, envelope=envelope)
    return row
