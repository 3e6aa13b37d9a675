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
    # The control API for tests, its schema and docs page.
    path("", include("gateway_sim.control.urls")),
    # The agent desktop.
    path("", include("conversations.desk.urls")),
]

# Errors raised outside a view (unknown path, unreadable request, middleware): JSON under the
# API prefixes, Django's pages elsewhere.
handler400 = "gateway_sim.error_views.bad_request"
handler403 = "gateway_sim.error_views.permission_denied"
handler404 = "gateway_sim.error_views.page_not_found"
handler500 = "gateway_sim.error_views.server_error"
