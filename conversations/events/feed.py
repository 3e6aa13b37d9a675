"""A tenant's events in cursor order, and the filter the control API's list and wait apply.

Filters on the payload compare one dotted path of the envelope (`data.sender.type`) with a
string: numbers and booleans match their JSON spelling (`"true"`, `"3"`).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from conversations.events.cursor import events_sequence
from webhooks.models import Delivery, DeliveryStatus, Event

# Events read per look: a wait that scans more than this looks again at once.
PAGE = 500


@dataclass(frozen=True)
class EventFilter:
    types: frozenset[str] = frozenset()
    conversation_id: str = ""
    # Dotted payload path -> the value it must have, as text.
    fields: Mapping[str, str] = field(default_factory=dict)
    # Only events with a delivery answered 2xx (to this webhook, when one is named).
    delivered: bool = False
    webhook_id: str = ""

    def matches(self, event: Event) -> bool:
        if self.types and event.type not in self.types:
            return False
        if self.conversation_id and event.conversation_id != self.conversation_id:
            return False
        return all(_text(_at(event.payload, path)) == wanted for path, wanted in self.fields.items())

    def describe(self) -> str:
        parts = []
        if self.types:
            parts.append(f"types={','.join(sorted(self.types))}")
        if self.conversation_id:
            parts.append(f"conversation={self.conversation_id}")
        parts.extend(f"{path}={value}" for path, value in self.fields.items())
        if self.delivered:
            parts.append(f"delivered{' to webhook ' + self.webhook_id if self.webhook_id else ''}")
        return ", ".join(parts) or "any event"


_MISSING = object()


def _at(payload: Any, path: str) -> Any:
    value = payload
    for key in path.split("."):
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _text(value: Any) -> str | None:
    if value is _MISSING:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def events_of(tenant_id: str, *, after: int = 0) -> QuerySet[Event]:
    """The tenant's sequenced events after `after`, in cursor order, with their deliveries."""
    return (
        Event.objects.filter(tenant_id=tenant_id, cursor__gt=after)
        .order_by("cursor")
        .prefetch_related("deliveries")
    )


def events_list(tenant_id: str, *, after: int, where: EventFilter, limit: int) -> tuple[list[Event], bool]:
    """The first `limit` events after `after` that pass `where`, and whether more follow."""
    query = events_of(tenant_id, after=after)
    if where.types:
        query = query.filter(type__in=where.types)
    if where.conversation_id:
        query = query.filter(conversation_id=where.conversation_id)
    if not where.fields:
        found = list(query[: limit + 1])
        return found[:limit], len(found) > limit
    found = []
    for event in query.iterator(chunk_size=PAGE):
        if where.matches(event):
            found.append(event)
            if len(found) > limit:
                break
    return found[:limit], len(found) > limit


def events_by_pk(pks: Sequence[int]) -> dict[int, Event]:
    return {event.pk: event for event in Event.objects.filter(pk__in=pks).prefetch_related("deliveries")}


def _delivered_among(events: Sequence[Event], webhook_id: str) -> set[int]:
    """The pks of those events that have a delivery answered 2xx (to `webhook_id` if given)."""
    succeeded = Delivery.objects.filter(event=OuterRef("pk"), status=DeliveryStatus.SUCCEEDED)
    if webhook_id:
        succeeded = succeeded.filter(webhook_id=webhook_id)
    query = Event.objects.filter(pk__in=[event.pk for event in events]).filter(Exists(succeeded))
    return set(query.values_list("pk", flat=True))


class EventScan:
    """The state of one wait: the first `count` events after `after` that pass `where`.

    Each `look()` sequences the tenant's newly committed events and reads only those it has
    not read yet, with the filter's types and conversation applied by the database, so an
    idle wait holds no more than its candidates. Events are immutable: a candidate stays a
    candidate. On delivery, the wait is over when the first `count` candidates all have a
    delivery answered 2xx.
    """

    def __init__(self, tenant_id: str, *, after: int, where: EventFilter, count: int) -> None:
        self.tenant_id = tenant_id
        self.where = where
        self.count = count
        self.read_to = after
        self.cursor = after
        self.candidates: list[Event] = []
        self.delivered: set[int] = set()

    @property
    def done(self) -> bool:
        first = self.candidates[: self.count]
        if len(first) < self.count:
            return False
        return not self.where.delivered or all(event.pk in self.delivered for event in first)

    @property
    def matched(self) -> list[Event]:
        """The events found so far: the candidates, and on delivery only those delivered."""
        first = self.candidates[: self.count]
        if self.where.delivered:
            return [event for event in first if event.pk in self.delivered]
        return first

    def look(self) -> bool:
        """Read what committed since the last look; True when the wait is over."""
        self.cursor = events_sequence(self.tenant_id)
        while self.read_to < self.cursor and len(self.candidates) < self.count:
            page = list(self._unread()[:PAGE])
            self.candidates.extend(event for event in page if self.where.matches(event))
            if len(page) < PAGE:
                # Everything sequenced when the page was read has been seen; anything
                # sequenced later gets a higher cursor (conversations.events.cursor).
                self.read_to = max(self.cursor, page[-1].cursor or 0) if page else self.cursor
                break
            self.read_to = page[-1].cursor or self.read_to
        if self.where.delivered:
            waiting = [event for event in self.candidates[: self.count] if event.pk not in self.delivered]
            if waiting:
                self.delivered |= _delivered_among(waiting, self.where.webhook_id)
        return self.done

    def _unread(self) -> QuerySet[Event]:
        query = Event.objects.filter(tenant_id=self.tenant_id, cursor__gt=self.read_to).order_by("cursor")
        if self.where.types:
            query = query.filter(type__in=self.where.types)
        if self.where.conversation_id:
            query = query.filter(conversation_id=self.where.conversation_id)
        return query
