"""`/chat-gateway/v1/channels`: list, create, get, put, delete."""

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import GatewayView, validated
from conversations.api.gateway.selectors import channel_get, channels_of
from conversations.models import Channel
from conversations.services.channels import CHAT_API, channel_create, channel_delete, channel_update
from gateway_sim.errors import ErrorShapes, generic_body
from gateway_sim.hal import Listing, hal_page

CHANNELS = Listing(
    name="channels",
    sort_fields={"id": ("id",), "name": ("name",), "type": ("type",)},
    filter_fields={
        "id": "id",
        "name": "name",
        "type": "type",
        "webHookId": "webhook_id",
        "routingOptions.id": "routing_queue__public_id",
        # The spec's own filter example spells it in the singular.
        "routingOption.id": "routing_queue__public_id",
    },
)


class RoutingOptionsInput(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.ChoiceField(
        choices=["queue"],
        default="queue",
        error_messages={"invalid_choice": 'Invalid routingOptions.type="{input}", has to be queue'},
    )
    id = serializers.CharField(max_length=64)


class ChannelInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=255)
    type = serializers.CharField(max_length=25, default=CHAT_API)
    webHookId = serializers.CharField(max_length=64)
    routingOptions = RoutingOptionsInput()


class RoutingOptionsOutput(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()

    def get_type(self, channel: Channel) -> str:
        return "queue"

    def get_id(self, channel: Channel) -> str:
        return channel.routing_queue.public_id if channel.routing_queue else ""


class ChannelOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    webHookId = serializers.SerializerMethodField()
    routingOptions = RoutingOptionsOutput(source="*")

    def get_webHookId(self, channel: Channel) -> str:
        return channel.webhook_id or ""


def _channels(rows: list[Channel]) -> list[dict[str, Any]]:
    return list(ChannelOutput(rows, many=True).data)


def _save_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "channel_type": data["type"],
        "webhook_id": data["webHookId"],
        "queue_id": data["routingOptions"]["id"],
    }


class ChannelListView(GatewayView):
    error_shapes_by_method = {
        "GET": ErrorShapes(not_found=generic_body),
        # Channel creation documents its 403 as a GenericExceptionPayload.
        "POST": ErrorShapes(forbidden=generic_body),
    }

    def get(self, request: Request) -> Response:
        return Response(hal_page(request, channels_of(self.tenant), CHANNELS, _channels))

    def post(self, request: Request) -> Response:
        data = validated(ChannelInput, request)
        channel = channel_create(tenant=self.tenant, **_save_arguments(data))
        return Response(ChannelOutput(channel).data)


class ChannelDetailView(GatewayView):
    def get(self, request: Request, channel_id: str) -> Response:
        return Response(ChannelOutput(channel_get(tenant=self.tenant, channel_id=channel_id)).data)

    def put(self, request: Request, channel_id: str) -> Response:
        channel = channel_get(tenant=self.tenant, channel_id=channel_id)
        data = validated(ChannelInput, request)
        channel = channel_update(channel=channel, **_save_arguments(data))
        return Response(ChannelOutput(channel).data)

    def delete(self, request: Request, channel_id: str) -> Response:
        channel_delete(channel=channel_get(tenant=self.tenant, channel_id=channel_id))
        return Response(status=204)
