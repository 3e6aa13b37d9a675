"""Writing messages: the row, its attachment links and its cards, and the creation history."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from conversations import store
from conversations.events import builders
from conversations.models import Attachment, Card, Conversation, Message
from conversations.services.post_agent import bot_participant_id
from gateway_sim.domain_errors import InvalidReference


def attachments_of(conversation: Conversation, refs: Iterable[dict[str, Any]]) -> list[Attachment]:
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


class StoredMessage(NamedTuple):
    """A message just written, with the attachments and cards written with it."""

    message: Message
    attachments: list[Attachment]
    cards: list[Card]

    def event(self, *, is_echo: bool) -> builders.DomainEvent:
        data = builders.message_data(
            self.message, is_echo=is_echo, attachments=self.attachments, cards=self.cards
        )
        return builders.message(data)


def message_store(
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
    message = store.message_insert(
        Message(
            conversation=conversation,
            interaction_id=store.open_interaction_id(conversation.pk),
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
    store.conversation_row_update(conversation.pk, message_seq=conversation.message_seq, **updates)
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
        message_store(
            conversation,
            author_type=author_type,
            author_id=conversation.user_participant_id
            if author_type == "user"
            else bot_participant_id(conversation),
            text=item.get("text") or "",
            attachments=attachments_of(conversation, item.get("attachments") or []),
            cards=item.get("cards") or [],
            external_provider=item.get("externalProvider"),
            is_history=True,
            moment=moment,
        )
