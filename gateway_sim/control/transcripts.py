"""Conversations: the tenant's list (to find the one a test just caused) and its transcript."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import ConversationState
from gateway_sim.control.base import ControlView
from gateway_sim.control.snapshot import normalized
from gateway_sim.control.transcript_document import conversation_summary, conversations_of, transcript_of


class ConversationQuery(serializers.Serializer):  # type: ignore[type-arg]
    state = serializers.ChoiceField(choices=ConversationState.values, required=False, default="")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class TranscriptQuery(serializers.Serializer):  # type: ignore[type-arg]
    normalized = serializers.BooleanField(default=False)


class ConversationListView(ControlView):
    @extend_schema(
        operation_id="conversations_list",
        summary="List the tenant's conversations, newest first",
        parameters=[
            OpenApiParameter("state", str, enum=ConversationState.values, description="Only in this state."),
            OpenApiParameter("limit", int, description="At most this many (100, up to 1000)."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query = ConversationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params: dict[str, Any] = query.validated_data
        found = list(conversations_of(self.tenant.id, state=params["state"])[: params["limit"] + 1])
        page = found[: params["limit"]]
        return Response(
            {"conversations": [conversation_summary(c) for c in page], "hasMore": len(found) > len(page)}
        )


class TranscriptView(ControlView):
    @extend_schema(
        operation_id="conversations_transcript",
        summary="A conversation's whole record as one JSON document",
        description=(
            "The conversation, participants, interactions, messages (attachment metadata, "
            "cards), events in order and deliveries with every attempt. With "
            "`normalized=true` ids become placeholders per kind in order of first "
            "appearance, times `<time>`, and per-attempt values are masked."
        ),
        parameters=[OpenApiParameter("normalized", bool, description="Normalise for snapshots (false).")],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        query = TranscriptQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        transcript = transcript_of(tenant_id=self.tenant.id, conversation_id=conversation_id)
        if query.validated_data["normalized"]:
            return Response(normalized(transcript.document, transcript.ids))
        return Response(transcript.document)
