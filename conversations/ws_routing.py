"""WebSocket routes of the agent desktop."""

from django.urls import URLPattern, path

from conversations.consumers import DeskConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/desk/<str:tenant_id>/<str:agent_id>/", DeskConsumer.as_asgi(), name="desk-socket"),
]
