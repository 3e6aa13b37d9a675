"""The legacy Chat API v2 URL contract: `/oauth/v2/token` and `/vcc/{region}/chat/v2/…`.

Paths are 8x8's, spelled out one by one; a trailing slash is optional. Any other path
under `/vcc/` or `/oauth/v2/` (an unknown region, resource or method path) gets the v2 404
body. The public keys at `/vcc/{region}/chat/v2/jwk/{kid}/public` are served with the
Gateway's, by `webhooks.urls`, so the fallback leaves that path alone.
"""

from django.urls import URLPattern, URLResolver, re_path

from conversations.api.legacy import channels, conversations, token, webhooks
from conversations.api.legacy.base import UnknownPathView

TENANT = r"^vcc/(?P<region>us|eu|ca|ap)/chat/v2/tenant/(?P<tenant_id>[^/]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^oauth/v2/token/?$", token.TokenView.as_view(), name="legacy-token"),
    re_path(rf"{TENANT}/web-hooks/?$", webhooks.WebhookListView.as_view(), name="legacy-webhooks"),
    re_path(
        rf"{TENANT}/web-hooks/verify/?$", webhooks.WebhookVerifyView.as_view(), name="legacy-webhook-verify"
    ),
    re_path(
        rf"{TENANT}/web-hooks/(?P<webhook_id>[^/]+)/?$",
        webhooks.WebhookDetailView.as_view(),
        name="legacy-webhook",
    ),
    re_path(rf"{TENANT}/channels/?$", channels.ChannelListView.as_view(), name="legacy-channels"),
    re_path(
        rf"{TENANT}/channels/(?P<channel_id>[^/]+)/?$",
        channels.ChannelDetailView.as_view(),
        name="legacy-channel",
    ),
    re_path(
        rf"{TENANT}/conversations/?$",
        conversations.ConversationListView.as_view(),
        name="legacy-conversations",
    ),
    re_path(
        rf"{TENANT}/conversations/(?P<conversation_id>[^/]+)/?$",
        conversations.ConversationDetailView.as_view(),
        name="legacy-conversation",
    ),
    re_path(
        rf"{TENANT}/conversations/(?P<conversation_id>[^/]+)/participants/?$",
        conversations.ParticipantListView.as_view(),
        name="legacy-participants",
    ),
    re_path(
        rf"{TENANT}/conversations/(?P<conversation_id>[^/]+)/participants/customer/?$",
        conversations.CustomerLeaveView.as_view(),
        name="legacy-customer-leave",
    ),
    re_path(
        rf"{TENANT}/conversations/(?P<conversation_id>[^/]+)/messages/?$",
        conversations.MessageListView.as_view(),
        name="legacy-messages",
    ),
    re_path(r"^vcc/(?![^/]+/chat/v2/jwk/[^/]+/public/?$)", UnknownPathView.as_view()),
    re_path(r"^oauth/v2/", UnknownPathView.as_view()),
]
