"""The Chat Gateway v1 URL contract, as 8x8 documents it. A trailing slash is optional."""

from django.urls import URLPattern, URLResolver, re_path

from conversations.api.gateway import (
    attachments,
    cards,
    channels,
    conversations,
    docs,
    messages,
    participants,
)
from conversations.api.gateway import webhooks as webhook_views

ID = r"[^/]+"
CONVERSATION = rf"^chat-gateway/v1/conversations/(?P<conversation_id>{ID})"


def _gateway(path: str) -> str:
    return rf"^chat-gateway/v1/{path}/?$"


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(_gateway("webhooks"), webhook_views.WebhookListView.as_view(), name="gateway-webhooks"),
    re_path(
        _gateway("webhooks/verify"), webhook_views.WebhookVerifyView.as_view(), name="gateway-webhook-verify"
    ),
    re_path(
        _gateway(rf"webhooks/(?P<webhook_id>{ID})"),
        webhook_views.WebhookDetailView.as_view(),
        name="gateway-webhook",
    ),
    re_path(_gateway("channels"), channels.ChannelListView.as_view(), name="gateway-channels"),
    re_path(
        _gateway(rf"channels/(?P<channel_id>{ID})"),
        channels.ChannelDetailView.as_view(),
        name="gateway-channel",
    ),
    re_path(
        _gateway("conversations"), conversations.ConversationListView.as_view(), name="gateway-conversations"
    ),
    re_path(
        rf"{CONVERSATION}/?$", conversations.ConversationDetailView.as_view(), name="gateway-conversation"
    ),
    re_path(
        rf"{CONVERSATION}/interactions/?$",
        conversations.InteractionListView.as_view(),
        name="gateway-interactions",
    ),
    re_path(
        rf"{CONVERSATION}/post-agent-assignment/?$",
        participants.PostAgentAssignmentView.as_view(),
        name="gateway-post-agent-assignment",
    ),
    re_path(rf"{CONVERSATION}/typing/?$", participants.TypingView.as_view(), name="gateway-typing"),
    re_path(rf"{CONVERSATION}/thinking/?$", participants.ThinkingView.as_view(), name="gateway-thinking"),
    re_path(
        rf"{CONVERSATION}/read-receipt/?$",
        participants.ReadReceiptView.as_view(),
        name="gateway-read-receipt",
    ),
    re_path(
        rf"{CONVERSATION}/participants/?$",
        participants.ParticipantListView.as_view(),
        name="gateway-participants",
    ),
    re_path(
        rf"{CONVERSATION}/participants/user/?$",
        participants.UserParticipantView.as_view(),
        name="gateway-participant-user",
    ),
    re_path(rf"{CONVERSATION}/messages/?$", messages.MessageListView.as_view(), name="gateway-messages"),
    re_path(
        rf"{CONVERSATION}/messages/(?P<message_id>{ID})/?$",
        messages.MessageDetailView.as_view(),
        name="gateway-message",
    ),
    re_path(
        rf"{CONVERSATION}/messages/(?P<message_id>{ID})/cards/?$",
        messages.MessageCardsView.as_view(),
        name="gateway-message-cards",
    ),
    re_path(
        rf"{CONVERSATION}/attachments/?$",
        attachments.AttachmentListView.as_view(),
        name="gateway-attachments",
    ),
    re_path(
        rf"{CONVERSATION}/attachments/(?P<attachment_id>{ID})/?$",
        attachments.AttachmentDetailView.as_view(),
        name="gateway-attachment",
    ),
    re_path(
        rf"{CONVERSATION}/attachments/(?P<attachment_id>{ID})/content/?$",
        attachments.AttachmentContentView.as_view(),
        name="gateway-attachment-content",
    ),
    # Card actions: no /chat-gateway/v1 prefix, the tenant in the path.
    re_path(
        rf"^api/v1/tenant/(?P<tenant_id>{ID})/conversations/(?P<conversation_id>{ID})"
        rf"/cards/(?P<card_id>{ID})/action-submit/?$",
        cards.CardSubmitView.as_view(),
        name="gateway-card-submit",
    ),
    re_path(
        rf"^api/v1/tenant/(?P<tenant_id>{ID})/conversations/(?P<conversation_id>{ID})"
        rf"/cards/(?P<card_id>{ID})/action-execute/?$",
        cards.CardExecuteView.as_view(),
        name="gateway-card-execute",
    ),
    # The preSignedUrl of attachments in events: the token is the credential.
    re_path(
        rf"^files/(?P<attachment_id>{ID})/(?P<token>{ID})/?$",
        attachments.AttachmentLinkView.as_view(),
        name="attachment-link",
    ),
    # The official OpenAPI file and a page to try it against this sandbox.
    re_path(r"^api/chat-gateway-v1\.oas\.yml$", docs.gateway_spec_yaml, name="gateway-spec"),
    re_path(r"^api/docs/chat-gateway-v1/?$", docs.gateway_docs, name="gateway-docs"),
]
