"""Customers (admin key) and the caller's tenant: what it holds, and resetting it between tests."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.events.cursor import events_sequence
from conversations.models import Tenant
from conversations.services.tenants import RESET_SCOPES, tenant_counts, tenant_reset
from gateway_sim.control.base import AdminView, ControlView
from gateway_sim.control.customers import CustomerCreated, customer_create, customer_delete

NAME_MAX = 256


class CustomerCreateInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(required=False, default="", allow_blank=True, max_length=NAME_MAX)
    tenantName = serializers.CharField(required=False, default="", allow_blank=True, max_length=NAME_MAX)
    seed = serializers.JSONField(
        required=False,
        default=None,
        help_text=(
            "The tenant's queues, agents and scripts in the seed file's format "
            "(`{queues: [...], agents: [...], scripts: [...]}`); the demo tenant's when omitted."
        ),
    )


class PublicItem(serializers.Serializer):  # type: ignore[type-arg]
    publicId = serializers.CharField()
    name = serializers.CharField()


class AgentItem(PublicItem):
    status = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    queues = serializers.ListField(child=serializers.CharField(), help_text="Queue publicIds.")


class LegacyPair(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    secret = serializers.CharField()


class CustomerCreatedOutput(serializers.Serializer):  # type: ignore[type-arg]
    customerId = serializers.CharField()
    customerName = serializers.CharField()
    tenantId = serializers.CharField()
    tenantName = serializers.CharField()
    apiKey = serializers.CharField(help_text="The Chat Gateway `x-api-key` of the new customer.")
    legacy = LegacyPair(help_text="The legacy Chat API v2 key and secret.")
    queues = PublicItem(many=True)
    agents = AgentItem(many=True)
    scripts = PublicItem(many=True)
    gatewayUrl = serializers.CharField()
    controlUrl = serializers.CharField()


class TenantCounts(serializers.Serializer):  # type: ignore[type-arg]
    conversations = serializers.IntegerField()
    queues = serializers.IntegerField()
    agents = serializers.IntegerField()
    webhooks = serializers.IntegerField()
    channels = serializers.IntegerField()


class TenantOutput(serializers.Serializer):  # type: ignore[type-arg]
    tenantId = serializers.CharField()
    tenantName = serializers.CharField()
    customerId = serializers.CharField()
    customerName = serializers.CharField()
    counts = TenantCounts()
    cursor = serializers.IntegerField(help_text="The tenant's current event cursor.")


class TenantResetInput(serializers.Serializer):  # type: ignore[type-arg]
    scope = serializers.ChoiceField(choices=sorted(RESET_SCOPES), default="conversations")


class TenantResetOutput(serializers.Serializer):  # type: ignore[type-arg]
    scope = serializers.CharField()
    removed = serializers.DictField(child=serializers.IntegerField(), help_text="Rows removed per kind.")
    agentsRestored = serializers.IntegerField(help_text="Agents put back in their configured status.")
    cursor = serializers.IntegerField(help_text="The tenant's event cursor: a reset never moves it back.")


def customer_json(created: CustomerCreated, request: Request) -> dict[str, Any]:
    tenant = created.tenant
    agents = tenant.agents.prefetch_related("queues")
    return {
        "customerId": created.customer.id,
        "customerName": created.customer.name,
        "tenantId": tenant.id,
        "tenantName": tenant.name,
        "apiKey": created.api_key.key,
        "legacy": {"key": created.legacy.key, "secret": created.legacy.secret},
        "queues": [{"publicId": queue.public_id, "name": queue.name} for queue in tenant.queues.all()],
        "agents": [
            {
                "publicId": agent.public_id,
                "name": agent.name,
                "status": agent.status,
                "languages": agent.languages,
                "queues": sorted(queue.public_id for queue in agent.queues.all()),
            }
            for agent in agents
        ],
        "scripts": [{"publicId": script.public_id, "name": script.name} for script in tenant.scripts.all()],
        "gatewayUrl": request.build_absolute_uri("/chat-gateway/v1"),
        "controlUrl": request.build_absolute_uri("/sandbox/v1"),
    }


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    return {
        "tenantId": tenant.id,
        "tenantName": tenant.name,
        "customerId": tenant.customer.id,
        "customerName": tenant.customer.name,
        "counts": tenant_counts(tenant),
        "cursor": events_sequence(tenant.id),
    }


class CustomerListView(AdminView):
    @extend_schema(
        operation_id="customers_create",
        summary="Create a customer with one tenant, its keys, queues, agents and scripts",
        description=(
            "Needs the admin key (`SANDBOX_ADMIN_KEY`, printed at start-up) in `x-api-key`. "
            "Ids and keys are fresh; the new key works on the Chat Gateway at once."
        ),
        request=CustomerCreateInput,
        responses={201: CustomerCreatedOutput, 400: OpenApiResponse(description="The template is unusable.")},
    )
    def post(self, request: Request) -> Response:
        serializer = CustomerCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = customer_create(name=data["name"], tenant_name=data["tenantName"], template=data["seed"])
        return Response(customer_json(created, request), status=201)


class CustomerDetailView(AdminView):
    @extend_schema(
        operation_id="customers_delete",
        summary="Remove a customer with its tenants and everything they hold",
        responses={204: None, 404: OpenApiResponse(description="No such customer.")},
    )
    def delete(self, request: Request, customer_id: str) -> Response:
        customer_delete(customer_id=customer_id)
        return Response(status=204)


class TenantView(ControlView):
    @extend_schema(
        operation_id="tenant_get",
        summary="The caller's tenant: ids, names, what it holds and its event cursor",
        responses={200: TenantOutput},
    )
    def get(self, request: Request) -> Response:
        return Response(tenant_json(self.tenant))


class TenantResetView(ControlView):
    @extend_schema(
        operation_id="tenant_reset",
        summary="Empty the tenant between tests",
        description=(
            "`conversations` (default) removes conversations, messages, attachments, events, "
            "deliveries, offers and timers, and puts agents back in their configured status; "
            "`all` also removes webhooks and channels. Queues, agents and scripts stay; the "
            "event cursor is not reset. Open desks of the tenant reload."
        ),
        request=TenantResetInput,
        responses={200: TenantResetOutput},
    )
    def post(self, request: Request) -> Response:
        serializer = TenantResetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        reset = tenant_reset(tenant=self.tenant, scope=serializer.validated_data["scope"])
        return Response(
            {
                "scope": reset.scope,
                "removed": reset.removed,
                "agentsRestored": reset.agents_restored,
                "cursor": reset.cursor,
            }
        )
