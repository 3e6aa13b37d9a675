"""Which webhooks receive a conversation's event, and the exact body each one is sent."""

from conversations.events.legacy import legacy_event
from conversations.models import Conversation, PostAgentAssignment
from gateway_sim.wire import compact_json
from webhooks.models import Event, Webhook


def target_webhooks(conversation: Conversation) -> list[Webhook]:
    """The channel's webhook, or the post-agent webhook while that assignment is active."""
    targets: list[Webhook] = []
    paa = PostAgentAssignment.objects.active_for(conversation)
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


def bodies_for(conversation: Conversation, event: Event) -> list[tuple[Webhook, str]]:
    """Every webhook that receives `event`, with the body it is sent."""
    return [
        (webhook, body)
        for webhook in target_webhooks(conversation)
        if (body := body_for(webhook, event)) is not None
    ]
