"""Script assignment: the sandbox plays a small menu bot (an invented stand-in for 8x8
social scripts). The greeting offers quick replies; the user's answer, by text or card
action, routes the chat to a queue or gets a canned reply."""

from datetime import datetime
from typing import Any

from conversations.events import builders
from conversations.events.outbox import event_record
from conversations.models import (
    AssignmentType,
    Conversation,
    ConversationState,
    InteractionStatus,
    Script,
    Tenant,
)
from conversations.services.interactions import open_interaction
from conversations.services.message_store import message_store
from conversations.services.queues import queue_resolve
from conversations.services.routing import queue_into
from gateway_sim.domain_errors import InvalidReference

DEFAULT_FALLBACK = "Sorry, I did not get that. Please choose one of the options."


def script_resolve(tenant: Tenant, script_id: str) -> Script:
    script = Script.objects.filter(tenant=tenant, public_id=script_id.strip()).first()
    if script is None:
        raise InvalidReference(
            f"Script ID {script_id} is invalid.", code="invalid_script", field="assignment.id"
        )
    return script


def _menu_card(script: Script) -> dict[str, Any]:
    return {
        "contentType": "application/8x8.quick.replies",
        "content": {
            "options": [
                {"title": option["title"], "data": {"postback": option.get("postback") or option["title"]}}
                for option in script.definition.get("options", [])
            ]
        },
    }


def _bot_says(
    conversation: Conversation, script: Script, text: str, *, with_menu: bool, moment: datetime
) -> None:

    stored = message_store(
        conversation,
        author_type="bot",
        author_id=script.public_id,
        author_name=script.name,
        text=text,
        cards=[_menu_card(script)] if with_menu else [],
        moment=moment,
    )
    event_record(
        conversation=conversation,
        event=stored.event(is_echo=False),
        moment=moment,
    )


def script_start(conversation: Conversation, script: Script, *, moment: datetime) -> None:
    """CONVERSATION_UPDATE active (assignment script), then the bot's greeting with its menu."""
    conversation.state = ConversationState.ACTIVE
    conversation.script = script
    conversation.assign(AssignmentType.SCRIPT, script.public_id)
    conversation.touch("state", "script", "assignment_type", "assignment_id")
    event_record(
        conversation=conversation,
        event=builders.conversation_update(conversation),
        moment=moment,
    )
    greeting = script.definition.get("greeting") or "Hello! How can we help?"
    _bot_says(conversation, script, greeting, with_menu=True, moment=moment)


def _match(script: Script, answer: str) -> dict[str, Any] | None:
    wanted = answer.strip().casefold()
    for option in script.definition.get("options", []):
        if wanted in (str(option.get("title", "")).casefold(), str(option.get("postback", "")).casefold()):
            return dict(option)
    return None


def script_handle_choice(conversation: Conversation, answer: str, *, moment: datetime) -> None:
    """Route on a menu option (queue), answer it (reply), or repeat the menu (fallback)."""

    script = conversation.script
    if script is None:
        return
    option = _match(script, answer)
    if option is None:
        fallback = script.definition.get("fallback") or DEFAULT_FALLBACK
        _bot_says(conversation, script, fallback, with_menu=True, moment=moment)
        return
    if option.get("queue"):
        queue = queue_resolve(conversation.tenant, str(option["queue"]))
        interaction = open_interaction(conversation)
        if interaction is None or interaction.status != InteractionStatus.SCRIPT:
            return
        queue_into(conversation, interaction, queue, moment=moment)
        return
    _bot_says(conversation, script, str(option.get("reply") or ""), with_menu=False, moment=moment)
