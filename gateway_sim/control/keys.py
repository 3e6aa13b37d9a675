"""Signing keys: list them with their public JWKs and URLs, and rotate.

The keys are the sandbox's, not a tenant's: every tenant's deliveries are signed with the
current key, and a rotation by any tenant's key changes it for all.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import iso_timestamp
from gateway_sim.control.base import ControlView
from webhooks.keys import signing_key_public, signing_key_rotate, signing_keys_published
from webhooks.models import SigningKey

# The region shown in the legacy v2 URL; us, eu, ca and ap all serve the same keys.
LEGACY_REGION = "us"


def key_json(request: Request, key: SigningKey, *, current: bool) -> dict[str, Any]:
    gateway = reverse("jwk-gateway", kwargs={"kid": key.kid})
    legacy = reverse("jwk-legacy", kwargs={"region": LEGACY_REGION, "kid": key.kid})
    return {
        "kid": key.kid,
        "createdAt": iso_timestamp(key.created_at),
        "retiredAt": iso_timestamp(key.retired_at) if key.retired_at else None,
        "current": current,
        "jwk": signing_key_public(key.kid),
        "jwkUrls": {
            "gateway": request.build_absolute_uri(gateway),
            "legacy": request.build_absolute_uri(legacy),
        },
    }


class KeyListView(ControlView):
    @extend_schema(
        operation_id="keys_list",
        summary="List the sandbox's signing keys, newest first, with their public JWKs",
        description="Sandbox-wide: the same keys sign every tenant's deliveries.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        keys = signing_keys_published()
        current = next(key.kid for key in keys if key.retired_at is None)
        return Response({"keys": [key_json(request, key, current=key.kid == current) for key in keys]})


class KeyRotateView(ControlView):
    @extend_schema(
        operation_id="keys_rotate",
        summary="Retire the current signing key and sign with a new one",
        description=(
            "Sandbox-wide. Attempts from now on are signed with the new kid; retired keys stay "
            "published at both JWK paths."
        ),
        request=None,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        return Response(key_json(request, signing_key_rotate(), current=True), status=201)
