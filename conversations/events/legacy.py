"""Flat Chat API v2 notifications, translated from the outbox's Chat Gateway events.

v2 webhooks (`v1.0`, `v2.0`) hear only the agent side of a conversation: QUEUED,
AGENT_JOINED, AGENT_LEFT, TRANSFER and TEXT (agent messages), each flat with a
`messageType`, never the integration's own messages, typing or conversation updates:

    {"eventType":"AGENT_JOINED","messageType":"SYSTEM","conversationId":"…","timestamp":…,
     "agentId":"…","agentName":"…"}

The translation reads the stored Gateway envelope, so both formats always tell the same
facts at the same timestamp.
"""

from typing import Any

from conversations.models import Agent
from webhooks.models import Event

SYSTEM = "SYSTEM"
AGENT = "AGENT"


def _head(event_type: str, message_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "messageType": message_type,
        "conversationId": payload["conversationId"],
        "timestamp": payload["timestamp"],
    }


def _agent_name(tenant_id: str, agent_id: str) -> str:
    name = (
        Agent.objects.filter(tenant_id=tenant_id, public_id=agent_id).values_list("name", flat=True).first()
    )
    return name or agent_id


def _message_text(data: dict[str, Any]) -> str:
    """The agent's text; files the agent sent follow as their links (v2 has no attachments)."""
    links = [str(item.get("preSignedUrl", "")) for item in data.get("attachments") or []]
    return "\n".join(part for part in [str(data.get("text") or ""), *links] if part)


def legacy_event(event: Event) -> dict[str, Any] | None:
    """The v2 notification for an outbox event, or None when v2 webhooks do not hear it."""
    payload = event.payload
    data = payload.get("data") or {}
    if event.type == "QUEUED":
        return {
            **_head("QUEUED", SYSTEM, payload),
            "queueId": data["queueId"],
            "queueName": data["queueName"],
        }
    if event.type == "MEMBERS_CHANGED" and data.get("memberType") == "agent":
        kind = "AGENT_JOINED" if data.get("change") == "joined" else "AGENT_LEFT"
        return {
            **_head(kind, SYSTEM, payload),
            "agentId": data["id"],
            "agentName": _agent_name(event.tenant_id, data["id"]),
        }
    if event.type == "TRANSFER":
        return _head("TRANSFER", SYSTEM, payload)
    sender = data.get("sender") or {}
    if event.type == "MESSAGE" and not data.get("isEcho") and sender.get("type") == "agent":
        return {
            **_head("TEXT", AGENT, payload),
            "agentId": sender["id"],
            "agentName": _agent_name(event.tenant_id, sender["id"]),
            "message": _message_text(data),
        }
    return None
