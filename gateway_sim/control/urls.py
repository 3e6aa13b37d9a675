"""The control API's URL contract, `/sandbox/v1/…`; a trailing slash is optional."""

from django.urls import URLPattern, URLResolver, re_path

from gateway_sim.control import (
    agent_actions,
    agents,
    autopilot,
    deliveries,
    docs,
    events,
    journal_views,
    keys,
    queues,
    tenants,
    timers,
    transcripts,
    webhooks,
)

ID = r"[^/]+"


def _control(path: str) -> str:
    return rf"^sandbox/v1/{path}/?$"


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(_control("events"), events.EventListView.as_view(), name="control-events"),
    re_path(_control("events/wait"), events.EventWaitView.as_view(), name="control-events-wait"),
    re_path(_control("customers"), tenants.CustomerListView.as_view(), name="control-customers"),
    re_path(
        _control(rf"customers/(?P<customer_id>{ID})"),
        tenants.CustomerDetailView.as_view(),
        name="control-customer",
    ),
    re_path(_control("tenant"), tenants.TenantView.as_view(), name="control-tenant"),
    re_path(_control("tenant/reset"), tenants.TenantResetView.as_view(), name="control-tenant-reset"),
    re_path(_control("queues"), queues.QueueListView.as_view(), name="control-queues"),
    re_path(_control(rf"queues/(?P<queue_id>{ID})"), queues.QueueDetailView.as_view(), name="control-queue"),
    re_path(_control("agents"), agents.AgentListView.as_view(), name="control-agents"),
    re_path(_control(rf"agents/(?P<agent_id>{ID})"), agents.AgentDetailView.as_view(), name="control-agent"),
    re_path(
        _control(rf"agents/(?P<agent_id>{ID})/status"),
        agents.AgentStatusView.as_view(),
        name="control-agent-status",
    ),
    re_path(
        _control(rf"agents/(?P<agent_id>{ID})/offers"),
        agents.AgentOffersView.as_view(),
        name="control-agent-offers",
    ),
    re_path(
        _control(rf"agents/(?P<agent_id>{ID})/chats"),
        agents.AgentChatsView.as_view(),
        name="control-agent-chats",
    ),
    *(
        re_path(
            _control(rf"agents/(?P<agent_id>{ID})/{action}"), view.as_view(), name=f"control-agent-{action}"
        )
        for action, view in [
            ("accept", agent_actions.AgentAcceptView),
            ("reject", agent_actions.AgentRejectView),
            ("messages", agent_actions.AgentMessageView),
            ("typing", agent_actions.AgentTypingView),
            ("transfer", agent_actions.AgentTransferView),
            ("end", agent_actions.AgentEndView),
            ("close", agent_actions.AgentCloseView),
        ]
    ),
    re_path(
        _control(rf"queues/(?P<queue_id>{ID})/autopilot"),
        autopilot.QueueAutopilotView.as_view(),
        name="control-queue-autopilot",
    ),
    re_path(
        _control(rf"agents/(?P<agent_id>{ID})/autopilot"),
        autopilot.AgentAutopilotView.as_view(),
        name="control-agent-autopilot",
    ),
    re_path(_control("deliveries"), deliveries.DeliveryListView.as_view(), name="control-deliveries"),
    re_path(
        _control("deliveries/retry-now"),
        deliveries.DeliveryRetryNowView.as_view(),
        name="control-deliveries-retry-now",
    ),
    re_path(
        _control(f"deliveries/(?P<delivery_id>{ID})"),
        deliveries.DeliveryDetailView.as_view(),
        name="control-delivery",
    ),
    re_path(
        _control(f"deliveries/(?P<delivery_id>{ID})/resend"),
        deliveries.DeliveryResendView.as_view(),
        name="control-delivery-resend",
    ),
    re_path(_control("webhooks"), webhooks.WebhookListView.as_view(), name="control-webhooks"),
    re_path(
        _control(f"webhooks/(?P<webhook_id>{ID})"),
        webhooks.WebhookDetailView.as_view(),
        name="control-webhook",
    ),
    re_path(_control("keys"), keys.KeyListView.as_view(), name="control-keys"),
    re_path(_control("keys/rotate"), keys.KeyRotateView.as_view(), name="control-keys-rotate"),
    re_path(_control("timers"), timers.TimerListView.as_view(), name="control-timers"),
    re_path(_control("timers/fire"), timers.TimerFireView.as_view(), name="control-timers-fire"),
    re_path(
        _control("conversations"), transcripts.ConversationListView.as_view(), name="control-conversations"
    ),
    re_path(
        _control(f"conversations/(?P<conversation_id>{ID})/transcript"),
        transcripts.TranscriptView.as_view(),
        name="control-conversation-transcript",
    ),
    re_path(_control("requests"), journal_views.JournalListView.as_view(), name="control-requests"),
    re_path(
        _control(rf"requests/(?P<entry_id>{ID})"),
        journal_views.JournalDetailView.as_view(),
        name="control-request",
    ),
    # The schema generated from these views, and a page to try it.
    re_path(r"^api/sandbox-v1\.oas\.json$", docs.ControlSchemaView.as_view(), name="control-schema"),
    re_path(r"^api/docs/sandbox-v1/?$", docs.control_docs, name="control-docs"),
]
