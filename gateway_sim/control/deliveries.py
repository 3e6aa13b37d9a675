"""Deliveries: the tenant's delivery log, one delivery with its attempts, re-send, retry-now."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from gateway_sim.control.base import ControlView
from gateway_sim.control.delivery_log import delivery_detail_json, delivery_json
from webhooks.models import DeliveryStatus
from webhooks.selectors import DeliveryFilter, attempts_of, deliveries_of, delivery_get
from webhooks.services import deliveries_retry_now, delivery_resend


class DeliveryQuery(serializers.Serializer):  # type: ignore[type-arg]
    webhook = serializers.CharField(required=False, default="", trim_whitespace=True)
    event = serializers.CharField(required=False, default="", trim_whitespace=True)
    conversation = serializers.CharField(required=False, default="", trim_whitespace=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.values, required=False, default="")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)


class DeliveryListView(ControlView):
    @extend_schema(
        operation_id="deliveries_list",
        summary="List the tenant's deliveries, newest event first",
        parameters=[
            OpenApiParameter("webhook", str, description="Only deliveries to this webhook id."),
            OpenApiParameter("event", str, description="Only deliveries of this event id."),
            OpenApiParameter(
                "conversation", str, description="Only deliveries of this conversation's events."
            ),
            OpenApiParameter("status", str, enum=DeliveryStatus.values, description="Only in this status."),
            OpenApiParameter("limit", int, description="At most this many (100, up to 1000)."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query = DeliveryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params: dict[str, Any] = query.validated_data
        where = DeliveryFilter(
            webhook_id=params["webhook"],
            event_id=params["event"],
            conversation_id=params["conversation"],
            status=params["status"],
        )
        found = list(deliveries_of(self.tenant.id, where)[: params["limit"] + 1])
        page = found[: params["limit"]]
        return Response({"deliveries": [delivery_json(d) for d in page], "hasMore": len(found) > len(page)})


class DeliveryDetailView(ControlView):
    @extend_schema(
        operation_id="deliveries_get",
        summary="One delivery with its body and every attempt",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, delivery_id: str) -> Response:
        delivery = delivery_get(tenant_id=self.tenant.id, delivery_id=delivery_id)
        return Response(delivery_detail_json(delivery, attempts_of([delivery])[delivery.pk]))


class DeliveryResendView(ControlView):
    @extend_schema(
        operation_id="deliveries_resend",
        summary="Send a delivery again",
        description=(
            "One more attempt, now: same body and `x-8x8-event-id`, the next `x-8x8-retry`. "
            "Answers 202 with the delivery, pending again; 400 `in_flight` while it is being attempted."
        ),
        request=None,
        responses={202: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = delivery_resend(delivery=delivery_get(tenant_id=self.tenant.id, delivery_id=delivery_id))
        return Response(delivery_json(delivery), status=202)


class DeliveryRetryNowView(ControlView):
    @extend_schema(
        operation_id="deliveries_retry_now",
        summary="Make every pending retry of the tenant due now",
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        return Response({"retried": deliveries_retry_now(tenant=self.tenant)})
