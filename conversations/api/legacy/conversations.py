"""`/vcc/{region}/chat/v2/tenant/{tenant-id}/conversations`: create, read, leave, messages."""

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.fields import nul_errors
from conversations.api.legacy.base import LegacyView
from conversations.api.legacy.customer import user_from_customer
from conversations.api.legacy.selectors import (
    legacy_channel_require,
    legacy_conversation_get,
    legacy_conversation_list,
    legacy_messages,
    page_of,
)
from conversations.api.legacy.serializers import (
    ConversationCreatedOutput,
    ConversationCreateInput,
    ConversationListQuery,
    ConversationOutput,
    MessageInput,
    MessageListQuery,
    MessageOutput,
    ParticipantOutput,
    dump_many,
)
from conversations.models import ApiFlavour
from conversations.services.lifecycle import conversation_create, conversation_user_leave
from conversations.services.messages import message_post

CUSTOMER_FILTER_PREFIX = "customer."


class ConversationListView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str) -> Response:
        query = ConversationListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        # `customer.<any key>=value` filters on the customer map, e.g. customer.email.
        customer = {
            name.removeprefix(CUSTOMER_FILTER_PREFIX): str(value)
            for name, value in request.query_params.items()
            if name.startswith(CUSTOMER_FILTER_PREFIX) and len(name) > len(CUSTOMER_FILTER_PREFIX)
        }
        nuls = nul_errors({f"{CUSTOMER_FILTER_PREFIX}{key}": value for key, value in customer.items()})
        if nuls:
            raise ValidationError(nuls)
        conversations = legacy_conversation_list(
            tenant=self.tenant,
            channel_id=filters.get("channel-id"),
            status=filters["status"],
            order=filters["order"],
            user_id=filters.get("userId"),
            customer=customer,
        )
        items, page = page_of(conversations, size=filters["size"], page=filters["page"])
        return Response({"data": dump_many(ConversationOutput, items), "page": page})

    def post(self, request: Request, region: str, tenant_id: str) -> Response:
        body = ConversationCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        channel = legacy_channel_require(self.tenant, data["channelId"])
        history = data.get("history") or {"messages": []}
        conversation = conversation_create(
            tenant=self.tenant,
            channel_id=channel.id,
            user=user_from_customer(data["customer"]),
            # v2 has no assignment: the channel's queue routes every conversation.
            assignment=None,
            history=[{"authorType": item["type"], "text": item["text"]} for item in history["messages"]],
            api=ApiFlavour.LEGACY,
            legacy_customer=data["customer"],
        )
        return Response(ConversationCreatedOutput(conversation).data, status=202)


class ConversationDetailView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str, conversation_id: str) -> Response:
        conversation = legacy_conversation_get(self.tenant, conversation_id)
        return Response(ConversationOutput(conversation).data)


class ParticipantListView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str, conversation_id: str) -> Response:
        conversation = legacy_conversation_get(self.tenant, conversation_id)
        participants = conversation.participants.order_by("joined_at", "id")
        return Response({"participants": dump_many(ParticipantOutput, participants)})


class CustomerLeaveView(LegacyView):
    def delete(self, request: Request, region: str, tenant_id: str, conversation_id: str) -> Response:
        conversation_user_leave(conversation=legacy_conversation_get(self.tenant, conversation_id))
        return Response(status=204)


class MessageListView(LegacyView):
    def get(self, request: Request, region: str, tenant_id: str, conversation_id: str) -> Response:
        query = MessageListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        conversation = legacy_conversation_get(self.tenant, conversation_id)
        messages, interaction_of = legacy_messages(
            conversation, interaction_id=query.validated_data.get("interaction-id")
        )
        output = dump_many(MessageOutput, messages, {"interaction_of": interaction_of})
        return Response({"messages": output})

    def post(self, request: Request, region: str, tenant_id: str, conversation_id: str) -> Response:
        body = MessageInput(data=request.data)
        body.is_valid(raise_exception=True)
        message_post(
            conversation=legacy_conversation_get(self.tenant, conversation_id),
            author_type=body.validated_data["authorType"],
            text=body.validated_data["text"],
        )
        return Response(status=202)
