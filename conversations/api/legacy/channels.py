"""`/vcc/{region}/chat/v2/tenant/{tenant-id}/channels`: CRUD of v2 Chat API channels."""

from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.legacy.base import LegacyView
from conversations.api.legacy.preconditions import etag, if_match
from conversations.api.legacy.selectors import legacy_channel_get, legacy_channels, page_of
from conversations.api.legacy.serializers import ChannelInput, ChannelOutput, PageQuery, dump_many
from conversations.models import ApiFlavour
from conversations.services.channels import channel_create, channel_delete, channel_update
from gateway_sim.errors_legacy import ErrorStyle


class ChannelListView(LegacyView):
    @property
    def error_style(self) -> ErrorStyle:  # type: ignore[override]
        # The spec gives channel creation the ValidationExceptionPayload (with `validations`).
        return ErrorStyle.VALIDATION if self.request.method == "POST" else ErrorStyle.CONSTRAINT

    def get(self, request: Request, region: str, tenant_id: str) -> Response:
        query = PageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        items, page = page_of(legacy_channels(self.tenant), **query.validated_data)
        return Response({"data": dump_many(ChannelOutput, items), "page": page})

    def post(self, request: Request, region: str, tenant_id: str) -> Response:
        body = ChannelInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        channel = channel_create(
            tenant=self.tenant,
            name=data["name"],
            webhook_id=data["webHookId"],
            queue_id=data["routingOptions"]["id"],
            api=ApiFlavour.LEGACY,
        )
        return Response(ChannelOutput(channel).data, headers=etag(channel.version))


class ChannelDetailView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str, channel_id: str) -> Response:
        channel = legacy_channel_get(self.tenant, channel_id)
        return Response(ChannelOutput(channel).data, headers=etag(channel.version))

    def put(self, request: Request, region: str, tenant_id: str, channel_id: str) -> Response:
        expected = if_match(request)
        body = ChannelInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        channel = channel_update(
            channel=legacy_channel_get(self.tenant, channel_id),
            name=data["name"],
            webhook_id=data["webHookId"],
            queue_id=data["routingOptions"]["id"],
            expected_version=expected,
        )
        return Response(ChannelOutput(channel).data, headers=etag(channel.version))

    def delete(self, request: Request, region: str, tenant_id: str, channel_id: str) -> Response:
        channel_delete(channel=legacy_channel_get(self.tenant, channel_id))
        return Response(status=204)
