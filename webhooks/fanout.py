"""Which webhooks receive an event, and the exact body each one is sent."""

from conversations.models import Conversation
from conversations.services.common import active_post_agent_assignment
from gateway_sim.wire import compact_json
from webhooks.legacy_events import legacy_event
from webhooks.models import Event, Webhook, WebhookVersion


def target_webhooks(conversation: Conversation) -> list[Webhook]:
    """The channel's webhook, or the post-agent webhook while that assignment is active."""
    targets: list[Webhook] = []
    paa = active_post_agent_assignment(conversation)
    channel_webhook = conversation.channel.webhook
    if paa is not None:
        targets.append(paa.webhook)
        if paa.notify_channel_webhook and channel_webhook is not None:
            targets.append(channel_webhook)
    elif channel_webhook is not None:
        targets.append(channel_webhook)
    seen: set[str] = set()
    live = []
    for webhook in targets:
        if webhook.is_deleted or webhook.id in seen:
            continue
        seen.add(webhook.id)
        live.append(webhook)
    return live


def body_for(webhook: Webhook, event: Event) -> str | None:
    """The body sent to `webhook` for `event`, or None when it does not receive it."""
    payload = event.payload
    if webhook.is_legacy:
        flat = legacy_event(event)
        return None if flat is None else compact_json(flat)
    if event.type == "MESSAGE" and payload.get("data", {}).get("isEcho") and not webhook.echo:
        return None
    return compact_json(payload)


def signed_version(version: str) -> bool:
    """Whether deliveries for a webhook of `version` carry the `x-8x8-signature`.

    Signed notifications came with Chat API v2.0: v1.0 webhooks receive them unsigned,
    every later version (v2.0, Chat Gateway v1.0) signed.
    """
    return version != WebhookVersion.LEGACY_V1


def signed_for(webhook: Webhook) -> bool:
    """Whether deliveries to `webhook` carry the `x-8x8-signature`."""
    return signed_version(webhook.version)
