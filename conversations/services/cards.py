"""Cards: reading one, and the user's action on it (quick replies and adaptive cards)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from conversations.events import builders
from conversations.events.outbox import event_record
from conversations.models import AssignmentType, Card, Conversation
from conversations.services.locking import conversation_lock
from conversations.services.scripts import script_handle_choice
from gateway_sim.db.retry import retry_on_conflict
from gateway_sim.domain_errors import InvalidReference, NotFound

QUICK_REPLIES = "application/8x8.quick.replies"


def card_get(*, conversation: Conversation, card_id: str) -> Card:
    card = (
        Card.objects.select_related("message")
        .filter(pk=card_id.strip(), message__conversation=conversation)
        .first()
    )
    if card is None:
        raise NotFound("Card", card_id)
    return card


def quick_reply_option(card: Card, choice: str) -> dict[str, Any] | None:
    """The quick-reply option whose title or postback equals `choice` (case-insensitive)."""
    wanted = choice.strip().casefold()
    options = card.content.get("options") if isinstance(card.content, dict) else None
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict):
            continue  # cards stored before their shape was checked may hold anything
        data = option.get("data")
        title = str(option.get("title", ""))
        postback = str(data.get("postback", "")) if isinstance(data, dict) else ""
        if wanted in (title.casefold(), postback.casefold()):
            return {"title": title, "payload": postback}
    return None


@retry_on_conflict
def card_action(*, conversation: Conversation, card_id: str, action: str, name: str) -> Card:
    """action-submit (the user submitted the card) or action-execute.

    Sets `actionSubmitted` / `actionExecuted` and emits ACTIVITY `quickReply/action` or
    `adaptiveCard/action`. A quick-reply choice on a sandbox script's menu routes it.
    """

    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        card = card_get(conversation=conversation, card_id=card_id)
        if card.content_type == QUICK_REPLIES:
            inputs = quick_reply_option(card, name)
            if inputs is None:
                raise InvalidReference(
                    f"Quick reply option {name} is not an option of card {card.id}.", field="name"
                )
        else:
            inputs = {"name": name}
        if action == "submit":
            card.action_submitted = True
            action_type = "Action.Submit"
        else:
            card.action_executed = True
            action_type = "Action.Execute"
        card.submitted_value = inputs
        card.save(update_fields=["action_submitted", "action_executed", "submitted_value"])
        event_record(
            conversation=conversation,
            event=builders.activity_card_action(card, action_type=action_type, inputs=inputs),
            moment=moment,
        )
        if card.content_type == QUICK_REPLIES and conversation.assignment_type == AssignmentType.SCRIPT:
            script_handle_choice(conversation, inputs["title"], moment=moment)
        return card
