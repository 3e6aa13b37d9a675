from django.urls import include, path

from gateway_sim import views

urlpatterns = [
    path("", views.home, name="home"),
    # Chat Gateway v1, card actions, API docs and attachment links.
    path("", include("conversations.api.gateway_urls")),
    # Legacy Chat API v2 and its OAuth token endpoint.
    path("", include("conversations.api.legacy_urls")),
    # Public signing keys (JWK) at both the Gateway and the legacy path.
    path("", include("webhooks.urls")),
    # The agent desktop.
    path("", include("conversations.desk.urls")),
]
