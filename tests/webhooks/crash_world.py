"""Seeds and inspects the crash test's own database, from a separate process.

    python -m tests.webhooks.crash_world seed <webhook uri> <conversations> <events each>  -> event ids
    python -m tests.webhooks.crash_world report                               -> delivery state

Both print JSON. The database is the one `DATABASE_URL` names.
"""

import json
import os
import sys
from collections import Counter
from typing import Any


def seed(uri: str, conversations: int, events_each: int) -> list[str]:
    """Conversations with `events_each` events each: the three of creation, then typing."""
    from django.db import transaction

    from conversations.events.builders import DomainEvent
    from conversations.events.outbox import event_record
    from conversations.services.lifecycle import conversation_create
    from conversations.services.locking import conversation_lock
    from tests.factories import world_create
    from webhooks.models import Event

    world = world_create(uri=uri)
    for number in range(conversations):
        conversation = conversation_create(
            tenant=world.tenant, channel_id=world.channel.id, user={"name": f"User {number}"}
        )
        with transaction.atomic():
            conversation = conversation_lock(conversation.pk)
            for extra in range(events_each - 3):
                typing = {"users": [{"type": "agent", "id": f"agent-{number}-{extra}"}]}
                event = DomainEvent("ACTIVITY", {"name": "typing", "value": typing})
                event_record(conversation=conversation, event=event)
    return list(Event.objects.filter(tenant=world.tenant).order_by("id").values_list("event_id", flat=True))


def report() -> dict[str, Any]:
    from conversations.models import Conversation
    from webhooks.keys import signing_key_public
    from webhooks.models import Delivery, DeliveryStatus, Event, SigningKey

    return {
        "streams": [
            list(Event.objects.filter(conversation=c).order_by("sequence").values_list("event_id", flat=True))
            for c in Conversation.objects.order_by("created_at")
        ],
        "statuses": dict(Counter(Delivery.objects.values_list("status", flat=True))),
        "in_flight": list(
            Delivery.objects.filter(status=DeliveryStatus.IN_FLIGHT).values_list("event__event_id", flat=True)
        ),
        "jwks": {key.kid: signing_key_public(key.kid) for key in SigningKey.objects.all()},
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gateway_sim.settings")
    import django

    django.setup()
    if argv[1] == "seed":
        print(json.dumps(seed(argv[2], int(argv[3]), int(argv[4]))))
    elif argv[1] == "report":
        print(json.dumps(report()))
    else:
        raise SystemExit(f"unknown command {argv[1]!r}")


if __name__ == "__main__":
    main(sys.argv)
