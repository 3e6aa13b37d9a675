"""Webhooks as the control API sees them: every version, delivery counts, the echo switch."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from gateway_sim.control.base import ControlView
from gateway_sim.control.delivery_log import webhook_json
from webhooks.selectors import webhook_live_get, webhooks_with_counts
from webhooks.services import webhook_set_echo


class EchoInput(serializers.Serializer):  # type: ignore[type-arg]
    echo = serializers.BooleanField()


class WebhookListView(ControlView):
    @extend_schema(
        operation_id="webhooks_list",
        summary="List the tenant's webhooks with their delivery counts by status",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response({"webhooks": [webhook_json(w) for w in webhooks_with_counts(self.tenant.id)]})


class WebhookDetailView(ControlView):
    @extend_schema(
        operation_id="webhooks_set_echo",
        summary="Switch the echo of the integration's own messages on or off",
        description=(
            "With `echo: false` the webhook no longer receives MESSAGE `isEcho: true` for "
            "messages the integration posted; other events are unchanged."
        ),
        request=EchoInput,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def patch(self, request: Request, webhook_id: str) -> Response:
        webhook = webhook_live_get(tenant_id=self.tenant.id, webhook_id=webhook_id)
        given = EchoInput(data=request.data)
        given.is_valid(raise_exception=True)
        params: dict[str, Any] = given.validated_data
        webhook_set_echo(webhook=webhook, echo=params["echo"])
        return Response(webhook_json(webhook))
