"""Card actions: `PUT /api/v1/tenant/{tenantId}/conversations/{id}/cards/{cardId}/action-submit|execute`.

These two paths carry the tenant in the URL (no `/chat-gateway/v1` prefix), exactly as 8x8
documents them; it must be one of the API key's customer's tenants.
"""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import GatewayView, validated
from conversations.api.gateway.selectors import conversation_get, path_id
from conversations.services.cards import card_action
from gateway_sim.errors import ErrorShapes, not_found_exception_body


class CardActionInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=1024, required=False, default="")


class CardActionView(GatewayView):
    """Sets the card's flag and emits ACTIVITY `adaptiveCard/action` or `quickReply/action`."""

    tenant_kwarg = "tenant_id"
    error_shapes_by_method = {"PUT": ErrorShapes(not_found=not_found_exception_body)}
    action = ""

    def put(self, request: Request, tenant_id: str, conversation_id: str, card_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        data = validated(CardActionInput, request)
        card_action(
            conversation=conversation, card_id=path_id(card_id, "Card"), action=self.action, name=data["name"]
        )
        return Response(status=204)


class CardSubmitView(CardActionView):
    action = "submit"


class CardExecuteView(CardActionView):
    action = "execute"
