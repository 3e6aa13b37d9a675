"""Messages, attachments, cards and activity (typing, thinking, read receipts)."""

import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from conversations.broadcast import broadcast_on_commit
from conversations.groups import conversation_group
from conversations.models import (
    Agent,
    AssignmentType,
    Attachment,
    Card,
    Conversation,
    ConversationState,
    Interaction,
    InteractionStatus,
    Message,
    ParticipantType,
)
from conversations.services.common import (
    agent_handling_required,
    bot_participant_id,
    conversation_lock,
    participant_join,
    retry_on_conflict,
)
from gateway_sim.db.rows import Table
from gateway_sim.domain_errors import DomainError, InvalidReference, InvalidTransition, NotFound
from webhooks import payloads
from webhooks.outbox import event_record

QUICK_REPLIES = "application/8x8.quick.replies"


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"


def _attachments_of(conversation: Conversation, refs: Iterable[dict[str, Any]]) -> list[Attachment]:
    ids = [str(ref.get("id", "")).strip() for ref in refs]
    if not ids:
        return []
    found = {a.id: a for a in Attachment.objects.filter(conversation=conversation, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidReference(
            f"Attachment ID {missing[0]} is invalid.", code="invalid_attachment", field="attachments"
        )
    return [found[i] for i in ids]


# Every message is written here: plain SQL (see gateway_sim.db.rows).
_MESSAGES = Table.of(Message)
_CONVERSATIONS = Table.of(Conversation)
_OPEN_INTERACTION_SQL = (
    f"SELECT id FROM {Interaction._meta.db_table} WHERE conversation_id = %s AND status <> %s LIMIT 1"
)


def _open_interaction_id(conversation: Conversation) -> str | None:
    """The conversation's open interaction (there is at most one), which the message joins."""
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_INTERACTION_SQL, [conversation.pk, InteractionStatus.ENDED.value])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


class StoredMessage(NamedTuple):
    """A message just written, with the attachments and cards written with it."""

    message: Message
    attachments: list[Attachment]
    cards: list[Card]

    def event_data(self, *, is_echo: bool) -> dict[str, Any]:
        return payloads.message(self.message, is_echo=is_echo, attachments=self.attachments, cards=self.cards)


def _message_store(
    conversation: Conversation,
    *,
    author_type: str,
    author_id: str,
    author_name: str = "",
    text: str = "",
    attachments: Sequence[Attachment] = (),
    cards: Iterable[dict[str, Any]] = (),
    external_provider: dict[str, Any] | None = None,
    is_history: bool = False,
    moment: datetime,
    conversation_updates: dict[str, Any] | None = None,
) -> StoredMessage:
    """Write a message, its attachment links and its cards.

    `conversation_updates` are written in the same UPDATE as the message counter (this is
    on the path of every message, so the conversation row is written once).
    """
    message = _MESSAGES.insert(
        Message(
            conversation=conversation,
            interaction_id=_open_interaction_id(conversation),
            seq=conversation.next_message_seq(),
            author_type=author_type,
            author_id=author_id,
            author_name=author_name,
            text=text,
            external_provider=external_provider,
            is_history=is_history,
            created_at=moment,
        )
    )
    updates = conversation_updates or {}
    for field, value in updates.items():
        setattr(conversation, field, value)
    _CONVERSATIONS.update(conversation.pk, message_seq=conversation.message_seq, **updates)
    if attachments:
        message.attachments.set(attachments)
    created_cards = Card.objects.bulk_create(
        Card(
            message=message,
            position=index,
            content_type=card.get("contentType") or "application/vnd.microsoft.card.adaptive",
            content=card.get("content") or {},
            created_at=moment,
        )
        for index, card in enumerate(cards)
    )
    return StoredMessage(message, list(attachments), list(created_cards))


def history_store(conversation: Conversation, items: list[dict[str, Any]], *, moment: datetime) -> None:
    """Creation history: stored as messages the agent sees; emits no events."""
    for item in items:
        author_type = item.get("authorType") or "user"
        _message_store(
            conversation,
            author_type=author_type,
            author_id=conversation.user_participant_id
            if author_type == "user"
            else bot_participant_id(conversation),
            text=item.get("text") or "",
            attachments=_attachments_of(conversation, item.get("attachments") or []),
            cards=item.get("cards") or [],
            external_provider=item.get("externalProvider"),
            is_history=True,
            moment=moment,
        )


@retry_on_conflict
def message_post(
    *,
    conversation: Conversation,
    author_type: str,
    text: str = "",
    attachments: list[dict[str, Any]] | None = None,
    cards: list[dict[str, Any]] | None = None,
    external_provider: dict[str, Any] | None = None,
) -> Message:
    """The integration posts a user or bot message.

    Events: MESSAGE with `isEcho: true`. A user message to an idle conversation then
    re-opens it (CONVERSATION_UPDATE active, QUEUED); to a script it drives the menu.
    """
    from conversations.services.lifecycle import conversation_reopen, post_agent_user_timer_restart
    from conversations.services.scripts import script_handle_choice

    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if author_type not in (ParticipantType.USER, ParticipantType.BOT):
            raise InvalidReference(
                f"Invalid authorType={author_type}, has to be one of user, bot",
                code="invalid_json_object",
                field="authorType",
            )
        author_id = (
            conversation.user_participant_id
            if author_type == ParticipantType.USER
            else bot_participant_id(conversation)
        )
        last_spoke = "last_user_message_at" if author_type == ParticipantType.USER else "last_bot_message_at"
        stored = _message_store(
            conversation,
            author_type=author_type,
            author_id=author_id,
            text=text,
            attachments=_attachments_of(conversation, attachments or []),
            cards=cards or [],
            external_provider=external_provider,
            moment=moment,
            conversation_updates={last_spoke: moment},
        )
        if author_type == ParticipantType.BOT:
            participant_join(conversation, kind=ParticipantType.BOT, participant_id=author_id, moment=moment)
        event_record(
            conversation=conversation,
            event_type="MESSAGE",
            data=stored.event_data(is_echo=True),
            moment=moment,
        )
        if author_type == ParticipantType.USER:
            if conversation.state == ConversationState.IDLE:
                conversation_reopen(conversation, moment=moment)
            elif conversation.assignment_type == AssignmentType.SCRIPT:
                script_handle_choice(conversation, text, moment=moment)
        else:
            post_agent_user_timer_restart(conversation, moment=moment)
        return stored.message


@retry_on_conflict
def agent_message_send(
    *,
    conversation: Conversation,
    agent: Agent,
    text: str = "",
    attachment_ids: Iterable[str] = (),
    cards: Iterable[dict[str, Any]] = (),
) -> Message:
    """The agent sends a message: MESSAGE with `isEcho: false`, sender the agent."""
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if conversation.state == ConversationState.IDLE:
            raise InvalidTransition(
                f"Conversation {conversation.id} is idle; agents cannot post to it.",
                code="conversation_idle",
            )
        agent_handling_required(conversation, agent)
        files = _attachments_of(conversation, [{"id": i} for i in attachment_ids])
        if not text.strip() and not files and not cards:
            raise InvalidReference("A message needs text, a file or a card.", field="text")
        stored = _message_store(
            conversation,
            author_type=ParticipantType.AGENT,
            author_id=agent.public_id,
            author_name=agent.name,
            text=text,
            attachments=files,
            cards=cards,
            moment=moment,
        )
        event_record(
            conversation=conversation,
            event_type="MESSAGE",
            data=stored.event_data(is_echo=False),
            moment=moment,
        )
        return stored.message


@retry_on_conflict
def agent_typing(*, conversation: Conversation, agent: Agent, typing: bool) -> None:
    """ACTIVITY typing with the agent in `users` (started) or empty `users` (stopped)."""
    moment = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation.pk)
        if conversation.agent_id != agent.pk:
            raise InvalidTransition(
                f"Agent {agent.public_id} is not handling conversation {conversation.id}.",
                code="agent_not_in_conversation",
            )
        event_record(
            conversation=conversation,
            event_type="ACTIVITY",
            data=payloads.activity_typing(agent if typing else None),
            moment=moment,
        )


def _require_open(conversation: Conversation) -> None:
    if conversation.state == ConversationState.IDLE:
        raise InvalidReference(
            f"Conversation {conversation.id} is idle.", code="invalid_parameter", field="conversationId"
        )


def integration_typing(*, conversation: Conversation, author_type: str) -> None:
    """The user or bot is typing: shown on the agent's desktop (no webhook event)."""
    _require_open(conversation)
    with transaction.atomic():
        broadcast_on_commit(
            [conversation_group(conversation.id)],
            "activity.typing",
            {"conversationId": conversation.id, "authorType": author_type},
        )


def integration_thinking(*, conversation: Conversation, max_seconds: int) -> None:
    """The bot is thinking (up to `max_seconds`): shown on the agent's desktop."""
    _require_open(conversation)
    with transaction.atomic():
        broadcast_on_commit(
            [conversation_group(conversation.id)],
            "activity.thinking",
            {"conversationId": conversation.id, "authorType": "bot", "maxThinkingTimeSeconds": max_seconds},
        )


def read_receipt_record(*, conversation: Conversation, author_type: str, read_at: datetime) -> int:
    """Marks the agent's messages up to `read_at` as read. Returns how many were newly read.

    8x8 accepts user read receipts only on ChatAPI channels; bots may send them anywhere.
    """
    if author_type == ParticipantType.USER and conversation.channel.type != "ChatAPI":
        raise InvalidReference(
            f"Read receipts with authorType=user are only accepted on ChatAPI channels, "
            f"not on {conversation.channel.type}.",
            code="invalid_parameter",
            field="authorType",
        )
    with transaction.atomic():
        marked = Message.objects.filter(
            conversation=conversation,
            author_type=ParticipantType.AGENT,
            created_at__lte=read_at,
            read_at__isnull=True,
        ).update(read_at=read_at)
        broadcast_on_commit(
            [conversation_group(conversation.id)],
            "activity.read",
            {"conversationId": conversation.id, "authorType": author_type, "readAt": read_at.isoformat()},
        )
        return marked


_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")


def filename_sanitise(name: str) -> str:
    """Keep a safe, readable base name: no paths, no control characters, at most 200 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base).strip(" ._") or "file"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else base[:200]
    return base


def attachment_create(*, conversation: Conversation, author_type: str, upload: UploadedFile) -> Attachment:
    """Store an uploaded file. It becomes visible once a message references it."""
    limit = settings.SANDBOX_MAX_ATTACHMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise AttachmentTooLarge(
            f"Attachment {upload.name} is {upload.size} bytes; the limit is {limit} bytes.",
            field="attachment",
        )
    filename = filename_sanitise(upload.name or "file")
    content_type = upload.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    with transaction.atomic():
        attachment = Attachment(
            conversation=conversation,
            author_type=author_type,
            filename=filename,
            content_type=content_type,
            size_in_bytes=upload.size or 0,
        )
        attachment.file.save(f"{attachment.id}-{filename}", upload, save=False)
        attachment.save()
        return attachment


def agent_attachment_create(*, agent: Agent, conversation_id: str, upload: UploadedFile) -> Attachment:
    """A file the agent attaches to a chat they are handling; a message then sends it by id."""
    conversation = Conversation.objects.filter(pk=conversation_id.strip(), tenant_id=agent.tenant_id).first()
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    with transaction.atomic():
        agent_handling_required(conversation, agent)
    # Stored outside the check's transaction: writing a large file must not hold the lock.
    return attachment_create(conversation=conversation, author_type=ParticipantType.AGENT, upload=upload)


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
    from conversations.services.scripts import script_handle_choice

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
            event_type="ACTIVITY",
            data=payloads.activity_card_action(card, action_type=action_type, inputs=inputs),
            moment=moment,
        )
        if card.content_type == QUICK_REPLIES and conversation.assignment_type == AssignmentType.SCRIPT:
            script_handle_choice(conversation, inputs["title"], moment=moment)
        return card
