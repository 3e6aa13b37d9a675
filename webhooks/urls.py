"""The public-key paths 8x8 documents; a trailing slash is optional, as everywhere."""

from django.urls import URLPattern, URLResolver, re_path

from webhooks import views

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^chat-gateway/v1/jwk/(?P<kid>[^/]+)/public/?$", views.gateway_jwk, name="jwk-gateway"),
    re_path(
        r"^vcc/(?P<region>[^/]+)/chat/v2/jwk/(?P<kid>[^/]+)/public/?$", views.legacy_jwk, name="jwk-legacy"
    ),
]
