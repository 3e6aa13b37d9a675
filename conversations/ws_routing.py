"""WebSocket routes of the agent desktop."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
