"""Reading the outbox in tests: events of a conversation as payloads or compact tuples."""

from typing import Any

from conversations.models import Conversation
from webhooks.models import Event


def events_of(conversation: Conversation | str, *, since: int = 0) -> list[dict[str, Any]]:
    """The outbox payloads of a conversation, in order, after sequence `since`."""
    conversation_id = conversation if isinstance(conversation, str) else conversation.pk
    return [
        event.payload
        for event in Event.objects.filter(conversation_id=conversation_id, sequence__gt=since).order_by(
            "sequence"
        )
    ]


def event_summary(payload: dict[str, Any]) -> tuple[Any, ...]:
    """A compact, comparable form of an event: its type and the facts that identify it."""
    data = payload.get("data") or {}
    kind = payload["eventType"]
    if kind == "CONVERSATION_UPDATE":
        return (kind, data["state"], data["assignment"]["type"], data["assignment"]["id"])
    if kind == "QUEUED":
        return (kind, data["queueId"])
    if kind == "MEMBERS_CHANGED":
        return (kind, data["memberType"], data["change"], data["id"])
    if kind == "MESSAGE":
        return (kind, data["sender"]["type"], data["isEcho"], data["text"])
    if kind == "ACTIVITY":
        if data["name"] == "typing":
            return (kind, "typing", tuple(u["id"] for u in data["value"]["users"]))
        return (kind, data["name"], data["value"]["type"])
    return (kind,)


def last_sequence(conversation: Conversation | str) -> int:
    conversation_id = conversation if isinstance(conversation, str) else conversation.pk
    event = Event.objects.filter(conversation_id=conversation_id).order_by("-sequence").first()
    return event.sequence if event else 0
