"""`/chat-gateway/v1/webhooks`: list, create, get, put, delete, verify."""

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import GatewayView, HttpUrlField, validated
from conversations.api.gateway.selectors import webhook_get, webhooks_of
from gateway_sim.hal import Listing, hal_page
from webhooks.models import Webhook, WebhookVersion
from webhooks.services import webhook_create, webhook_delete, webhook_update, webhook_verify

WEBHOOKS = Listing(
    name="webhooks",
    sort_fields={"id": ("id",), "name": ("name",), "uri": ("uri",), "version": ("version",)},
    filter_fields={"id": "id", "name": "name", "uri": "uri", "version": "version"},
)


class WebhookInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=256)
    uri = HttpUrlField(max_length=2048)
    version = serializers.ChoiceField(
        choices=[WebhookVersion.GATEWAY.value],
        default=WebhookVersion.GATEWAY.value,
        error_messages={"invalid_choice": 'Invalid version="{input}", has to be Chat Gateway v1.0'},
    )


class WebhookVerifyInput(serializers.Serializer):  # type: ignore[type-arg]
    version = serializers.ChoiceField(
        choices=WebhookVersion.values,
        error_messages={
            "invalid_choice": 'Invalid version="{input}", has to be one of '
            + ", ".join(WebhookVersion.values)
        },
    )
    uri = HttpUrlField(max_length=2048)


class WebhookOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    name = serializers.CharField()
    uri = serializers.CharField()
    version = serializers.CharField()


def _webhooks(rows: list[Webhook]) -> list[dict[str, Any]]:
    return list(WebhookOutput(rows, many=True).data)


class WebhookListView(GatewayView):
    def get(self, request: Request) -> Response:
        return Response(hal_page(request, webhooks_of(self.tenant), WEBHOOKS, _webhooks))

    def post(self, request: Request) -> Response:
        data = validated(WebhookInput, request)
        webhook = webhook_create(
            tenant=self.tenant, name=data["name"], uri=data["uri"], version=data["version"]
        )
        return Response(WebhookOutput(webhook).data)


class WebhookDetailView(GatewayView):
    def get(self, request: Request, webhook_id: str) -> Response:
        return Response(WebhookOutput(webhook_get(tenant=self.tenant, webhook_id=webhook_id)).data)

    def put(self, request: Request, webhook_id: str) -> Response:
        webhook = webhook_get(tenant=self.tenant, webhook_id=webhook_id)
        data = validated(WebhookInput, request)
        webhook = webhook_update(webhook=webhook, name=data["name"], uri=data["uri"], version=data["version"])
        return Response(WebhookOutput(webhook).data)

    def delete(self, request: Request, webhook_id: str) -> Response:
        webhook_delete(webhook=webhook_get(tenant=self.tenant, webhook_id=webhook_id))
        return Response(status=204)


class WebhookVerifyView(GatewayView):
    def post(self, request: Request) -> Response:
        data = validated(WebhookVerifyInput, request)
        webhook_verify(tenant=self.tenant, uri=data["uri"], version=data["version"])
        return Response(status=204)
