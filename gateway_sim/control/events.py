"""Events: list a tenant's events after a cursor, and wait for the next ones.

The wait is a long-poll that holds no thread while it waits: it runs as an async view
(served by Django's ASGI handler, see gateway_sim.asgi) that looks at the database when it
starts, whenever the tenant's bell rings, and once more at its deadline, so a ring lost on
the way (a Redis hiccup) delays an answer but never loses an event. An idle wait costs no
CPU.
"""

import time
from typing import Any

from channels.db import database_sync_to_async
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.events.cursor import events_sequence
from conversations.events.feed import EventFilter, EventScan, events_by_pk, events_list, events_of
from gateway_sim.bell import BellListener
from gateway_sim.control.base import CURSOR_HEADER, AsyncControlView, ControlView
from gateway_sim.control.representations import event_json

MAX_TIMEOUT_SECONDS = 60.0
# Events listed with a timeout answer, so a failing test shows what happened instead.
ARRIVED_SHOWN = 100
FIELD_PREFIXES = ("data.", "payload.")


class CommaList(serializers.CharField):
    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]
        text: str = super().to_internal_value(data)
        return [part.strip() for part in text.split(",") if part.strip()]


class EventQuery(serializers.Serializer):  # type: ignore[type-arg]
    after = serializers.IntegerField(min_value=0, default=0)
    types = CommaList(required=False, default="")
    conversation = serializers.CharField(required=False, default="", trim_whitespace=True)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class WaitQuery(EventQuery):
    count = serializers.IntegerField(min_value=1, max_value=100, default=1)
    on = serializers.ChoiceField(choices=["emitted", "delivered"], default="emitted")
    webhook = serializers.CharField(required=False, default="", trim_whitespace=True)
    timeout = serializers.FloatField(min_value=0, max_value=MAX_TIMEOUT_SECONDS, default=30.0)


def payload_fields(params: QueryDict) -> dict[str, str]:
    """`?data.sender.type=agent`: equality on the envelope (`payload.` may prefix any path)."""
    return {
        name.removeprefix("payload."): str(params.get(name, ""))
        for name in params
        if name.startswith(FIELD_PREFIXES)
    }


def event_filter(query: dict[str, Any], params: QueryDict, *, delivered: bool = False) -> EventFilter:
    return EventFilter(
        types=frozenset(query["types"]),
        conversation_id=query["conversation"],
        fields=payload_fields(params),
        delivered=delivered,
        webhook_id=query.get("webhook", ""),
    )


FILTER_PARAMETERS = [
    OpenApiParameter("after", int, description="Only events after this cursor (default 0: all)."),
    OpenApiParameter(
        "types", str, description="Comma-separated event types, e.g. MESSAGE,CONVERSATION_UPDATE."
    ),
    OpenApiParameter("conversation", str, description="Only events of this conversation id."),
    OpenApiParameter(
        "data.<path>",
        str,
        description="Equality on a field of the event's envelope, e.g. `data.sender.type=agent`. Repeatable.",
    ),
]


class EventListView(ControlView):
    @extend_schema(
        operation_id="events_list",
        summary="List the tenant's events after a cursor",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("limit", int, description="At most this many (100)."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query = _checked(EventQuery, request.query_params)
        where = event_filter(query, request.query_params)
        events_sequence(self.tenant.id)
        page, more = events_list(self.tenant.id, after=query["after"], where=where, limit=query["limit"])
        return Response({"events": [event_json(event) for event in page], "hasMore": more})


class EventWaitView(AsyncControlView):
    @extend_schema(
        operation_id="events_wait",
        summary="Wait for the first events after a cursor that match a filter",
        description=(
            "Long-poll. Answers 200 as soon as `count` matching events after `after` exist "
            "(`on=emitted`) or have each been answered 2xx by a webhook (`on=delivered`). "
            "After `timeout` seconds it answers 408 with the events that matched and those "
            "that arrived meanwhile."
        ),
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("count", int, description="How many matching events to wait for (1)."),
            OpenApiParameter(
                "on", str, enum=["emitted", "delivered"], description="emitted (default) or delivered."
            ),
            OpenApiParameter("webhook", str, description="With on=delivered: delivered to this webhook id."),
            OpenApiParameter("timeout", float, description="Seconds, up to 60 (30)."),
        ],
        responses={200: OpenApiTypes.OBJECT, 408: OpenApiTypes.OBJECT},
    )
    async def get(self, request: Request) -> Response:
        query = _checked(WaitQuery, request.query_params)
        where = event_filter(query, request.query_params, delivered=query["on"] == "delivered")
        scan = EventScan(self.tenant.id, after=query["after"], where=where, count=query["count"])
        deadline = time.monotonic() + query["timeout"]
        look = database_sync_to_async(_look)
        async with BellListener(self.tenant.id) as bell:
            while True:
                remaining = deadline - time.monotonic()
                body = await look(scan, query, last=remaining <= 0)
                if body is not None:
                    break
                await bell.rung(remaining)
        response = Response(body, status=200 if scan.done else 408)
        if not scan.done:
            response.content_type = "application/problem+json"
        response[CURSOR_HEADER] = str(scan.cursor)
        return response


def _look(scan: EventScan, query: dict[str, Any], *, last: bool) -> dict[str, Any] | None:
    """One look at the database: the answer when the wait is over (or `last`), else None."""
    if scan.look() or last:
        return _wait_answer(scan, query)
    return None


def _wait_answer(scan: EventScan, query: dict[str, Any]) -> dict[str, Any]:
    # Read again with the deliveries: their status has moved on since the events were found.
    fresh = events_by_pk([event.pk for event in scan.matched])
    matched = [event_json(fresh[event.pk]) for event in scan.matched]
    if scan.done:
        return {"events": matched, "cursor": scan.matched[-1].cursor}
    arrived = list(events_of(scan.tenant_id, after=query["after"])[:ARRIVED_SHOWN])
    return {
        "type": "about:blank",
        "title": "Request Timeout",
        "status": 408,
        "detail": (
            f"{len(matched)} of {query['count']} event(s) matching {scan.where.describe()} after cursor "
            f"{query['after']} within {query['timeout']:g} s; {scan.cursor - query['after']} event(s) "
            "arrived meanwhile."
        ),
        "errors": [{"code": "wait_timeout", "message": "The events that did arrive are in `arrived`."}],
        "events": matched,
        "arrived": [event_json(event) for event in arrived],
        "cursor": scan.cursor,
    }


def _checked(serializer_class: type[serializers.Serializer], params: QueryDict) -> dict[str, Any]:  # type: ignore[type-arg]
    serializer = serializer_class(data=params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
