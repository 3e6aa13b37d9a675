"""`/vcc/{region}/chat/v2/tenant/{tenant-id}/web-hooks`: CRUD of v1.0/v2.0 webhooks."""

from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.legacy.base import LegacyView
from conversations.api.legacy.preconditions import etag, if_match
from conversations.api.legacy.selectors import legacy_webhook_get, legacy_webhooks, page_of
from conversations.api.legacy.serializers import (
    PageQuery,
    WebhookInput,
    WebhookOutput,
    WebhookVerifyInput,
    dump_many,
)
from webhooks.services import webhook_create, webhook_delete, webhook_update, webhook_verify


class WebhookListView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str) -> Response:
        query = PageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        items, page = page_of(legacy_webhooks(self.tenant), **query.validated_data)
        return Response({"data": dump_many(WebhookOutput, items), "page": page})

    def post(self, request: Request, region: str, tenant_id: str) -> Response:
        body = WebhookInput(data=request.data)
        body.is_valid(raise_exception=True)
        webhook = webhook_create(tenant=self.tenant, **body.validated_data)
        return Response(WebhookOutput(webhook).data, headers=etag(webhook.entity_version))


class WebhookDetailView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str, webhook_id: str) -> Response:
        webhook = legacy_webhook_get(self.tenant, webhook_id)
        return Response(WebhookOutput(webhook).data, headers=etag(webhook.entity_version))

    def put(self, request: Request, region: str, tenant_id: str, webhook_id: str) -> Response:
        expected = if_match(request)
        body = WebhookInput(data=request.data)
        body.is_valid(raise_exception=True)
        webhook = webhook_update(
            webhook=legacy_webhook_get(self.tenant, webhook_id),
            expected_version=expected,
            **body.validated_data,
        )
        return Response(WebhookOutput(webhook).data, headers=etag(webhook.entity_version))

    def delete(self, request: Request, region: str, tenant_id: str, webhook_id: str) -> Response:
        webhook_delete(webhook=legacy_webhook_get(self.tenant, webhook_id))
        return Response(status=204)


class WebhookVerifyView(LegacyView):
    """Send a WEB_HOOK_VERIFY (`notificationVersion: v2.0`) to `uri`: 204 if it answers 2xx."""

    def post(self, request: Request, region: str, tenant_id: str) -> Response:
        body = WebhookVerifyInput(data=request.data)
        body.is_valid(raise_exception=True)
        webhook_verify(tenant=self.tenant, **body.validated_data)
        return Response(status=204)
