"""The Chat Gateway operations of the sandbox and a conversation that gives each one real ids.

Shared by the auth matrix and the conformance walk: every operation 8x8 documents, with the
path filled in from a `Scenario` and a valid body.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.models import Attachment, Card, Conversation, Message
from conversations.services.attachments import attachment_create
from conversations.services.lifecycle import conversation_create
from conversations.services.messages import message_post
from tests.factories import World

QUICK_REPLIES = {
    "contentType": "application/8x8.quick.replies",
    "content": {"options": [{"title": "Yes", "data": {"postback": "yes"}}]},
}


@dataclass
class Scenario:
    """A queued conversation with a user message carrying a quick-reply card and a file."""

    world: World
    conversation: Conversation
    message: Message
    card: Card
    attachment: Attachment

    @property
    def ids(self) -> dict[str, str]:
        return {
            "tenantId": self.world.tenant.id,
            "webhookId": self.world.webhook.id,
            "channelId": self.world.channel.id,
            "conversationId": self.conversation.id,
            "messageId": self.message.id,
            "cardId": self.card.id,
            "attachmentId": self.attachment.id,
            "jwkId": "unknown-key",
        }


def scenario_create(world: World) -> Scenario:
    conversation = conversation_create(
        tenant=world.tenant,
        channel_id=world.channel.id,
        user={"name": "James Jones", "email": "james@example.com", "language": "en"},
    )
    attachment = attachment_create(
        conversation=conversation,
        author_type="user",
        upload=SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain"),
    )
    message = message_post(
        conversation=conversation,
        author_type="user",
        text="Here you go",
        attachments=[{"id": attachment.id}],
        cards=[QUICK_REPLIES],
    )
    return Scenario(world, conversation, message, message.cards.get(), attachment)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    body: Callable[[Scenario], Any] | None = None
    multipart: bool = False

    def path(self, ids: dict[str, str]) -> str:
        return self.template.format(**ids)


GW = "/chat-gateway/v1"
CONV = GW + "/conversations/{conversationId}"
CARD = "/api/v1/tenant/{tenantId}/conversations/{conversationId}/cards/{cardId}"


def _webhook(_: Scenario) -> dict[str, Any]:
    return {"name": "Bot", "uri": "http://127.0.0.1:9/bot", "version": "Chat Gateway v1.0"}


def _channel(s: Scenario) -> dict[str, Any]:
    return {
        "name": "Web chat",
        "type": "ChatAPI",
        "webHookId": s.world.webhook.id,
        "routingOptions": {"type": "queue", "id": s.world.support.public_id},
    }


def _conversation(s: Scenario) -> dict[str, Any]:
    return {
        "channelId": s.world.channel.id,
        "user": {"name": "Ann", "email": "ann@example.com"},
        "assignment": {"type": "queue", "id": s.world.sales.public_id},
    }


def _upload(_: Scenario) -> dict[str, Any]:
    return {"attachment": SimpleUploadedFile("photo.bin", b"\x00\x01", "application/octet-stream")}


OPERATIONS: tuple[Operation, ...] = (
    Operation("getwebhooks-1", "GET", GW + "/webhooks"),
    Operation("createwebhook-1", "POST", GW + "/webhooks", _webhook),
    Operation("getwebhookbyid-1", "GET", GW + "/webhooks/{webhookId}"),
    Operation("updatewebhook-1", "PUT", GW + "/webhooks/{webhookId}", _webhook),
    Operation("deletewebhookbyid-1", "DELETE", GW + "/webhooks/{webhookId}"),
    Operation(
        "verifywebhook-1",
        "POST",
        GW + "/webhooks/verify",
        lambda s: {"uri": "http://127.0.0.1:9/bot", "version": "Chat Gateway v1.0"},
    ),
    Operation("getjwkpublickey-1", "GET", GW + "/jwk/{jwkId}/public"),
    Operation("getchatapichannels-1", "GET", GW + "/channels"),
    Operation("createchatapichannel-1", "POST", GW + "/channels", _channel),
    Operation("getchatapichannel-1", "GET", GW + "/channels/{channelId}"),
    Operation("updatechatapichannel-1", "PUT", GW + "/channels/{channelId}", _channel),
    Operation("deletechatapichannelbyid-1", "DELETE", GW + "/channels/{channelId}"),
    Operation("getcctransactions-1", "GET", GW + "/conversations"),
    Operation("createcctransaction-1", "POST", GW + "/conversations", _conversation),
    Operation("getcctransaction-1", "GET", CONV),
    Operation(
        "putcctransaction",
        "PUT",
        CONV,
        lambda s: {
            "user": {"name": "James"},
            "assignment": {"type": "queue", "id": s.world.support.public_id},
        },
    ),
    Operation("patchcctransaction", "PATCH", CONV, lambda s: {"user": {"name": "Jim"}}),
    Operation("getccinteractions", "GET", CONV + "/interactions"),
    Operation(
        "createpostagentassignment",
        "POST",
        CONV + "/post-agent-assignment",
        lambda s: {"type": "webhook", "id": s.world.webhook.id, "configuration": {"maxTotalMinutes": "300"}},
    ),
    Operation("sendtypingindicator", "POST", CONV + "/typing", lambda s: {"authorType": "user"}),
    Operation("sendthinkingindicator", "POST", CONV + "/thinking", lambda s: {"authorType": "bot"}),
    Operation(
        "sendreadreceipt",
        "POST",
        CONV + "/read-receipt",
        lambda s: {"authorType": "user", "readAt": 1770200431963},
    ),
    Operation("getparticipantsforcctransaction-1", "GET", CONV + "/participants"),
    Operation(
        "userparticipantleavecctransaction", "PATCH", CONV + "/participants/user", lambda s: {"removed": True}
    ),
    Operation("getmessagesforcctransaction-1", "GET", CONV + "/messages"),
    Operation(
        "sendmessagetocctransaction-1",
        "POST",
        CONV + "/messages",
        lambda s: {"authorType": "user", "text": "Hi"},
    ),
    Operation("getmessagebyidforcctransaction", "GET", CONV + "/messages/{messageId}"),
    Operation("getcardsforcctransaction", "GET", CONV + "/messages/{messageId}/cards"),
    Operation("getconversationattachments", "GET", CONV + "/attachments"),
    Operation("addconversationattachments", "POST", CONV + "/attachments", _upload, multipart=True),
    Operation("getconversationattachment", "GET", CONV + "/attachments/{attachmentId}"),
    Operation(
        "downloadattachmentforchatapiconversation", "GET", CONV + "/attachments/{attachmentId}/content"
    ),
    Operation("updatecardactionsubmit", "PUT", CARD + "/action-submit", lambda s: {"name": "Yes"}),
    Operation("updatecardactionexecute", "PUT", CARD + "/action-execute", lambda s: {"name": "Yes"}),
)

# The public-key operation takes no API key (and belongs to the webhook signing keys).
AUTHENTICATED = tuple(op for op in OPERATIONS if op.operation_id != "getjwkpublickey-1")
