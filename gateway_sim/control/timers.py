"""Timers: the tenant's pending offer and post-agent timeouts, and firing them now.

Firing now is how a test of a 15-minute timeout takes milliseconds: the timers run the same
handlers, claimed the same way, as when the clock fires them.
"""

from datetime import timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.gateway.base import iso_timestamp
from conversations.models import Offer, Timer, TimerKind
from conversations.services.clock import timers_fire_now
from conversations.services.timers import timers_pending
from gateway_sim.control.base import ControlView

MAX_WITHIN_SECONDS = 86400

PURPOSES: dict[str, str] = {
    TimerKind.OFFER_TIMEOUT: "offer timeout",
    TimerKind.POST_AGENT_MAX_TOTAL: "post-agent maxTotalMinutes",
    TimerKind.POST_AGENT_USER_TIMEOUT: "post-agent userTimeoutInMinutes",
}


class FireInput(serializers.Serializer):  # type: ignore[type-arg]
    withinSeconds = serializers.IntegerField(min_value=0, max_value=MAX_WITHIN_SECONDS, default=0)


def timers_json(timers: list[Timer]) -> list[dict[str, Any]]:
    """Each timer with what it is for: the offer (its agent and conversation) or the conversation."""
    offer_ids = [timer.ref for timer in timers if timer.kind == TimerKind.OFFER_TIMEOUT]
    offers = {
        offer.id: offer
        for offer in Offer.objects.filter(pk__in=offer_ids).select_related("agent", "interaction")
    }
    return [_timer_json(timer, offers.get(timer.ref)) for timer in timers]


def _timer_json(timer: Timer, offer: Offer | None) -> dict[str, Any]:
    purpose = PURPOSES.get(timer.kind, timer.kind)
    body: dict[str, Any] = {"kind": timer.kind, "ref": timer.ref, "dueAt": iso_timestamp(timer.due_at)}
    if timer.kind != TimerKind.OFFER_TIMEOUT:
        return {**body, "conversationId": timer.ref, "for": f"{purpose} of conversation {timer.ref}"}
    conversation_id = offer.interaction.conversation_id if offer else None
    agent_id = offer.agent.public_id if offer else None
    return {
        **body,
        "conversationId": conversation_id,
        "offerId": timer.ref,
        "agentId": agent_id,
        "for": f"{purpose} of offer {timer.ref} to {agent_id} in conversation {conversation_id}",
    }


class TimerListView(ControlView):
    @extend_schema(
        operation_id="timers_list",
        summary="List the tenant's pending timers, soonest first",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response({"timers": timers_json(timers_pending(tenant_id=self.tenant.id))})


class TimerFireView(ControlView):
    @extend_schema(
        operation_id="timers_fire",
        summary="Fire now the tenant's timers due within N seconds",
        description=(
            "`withinSeconds` (0 to 86400, default 0: only those already due). Each timer is "
            "claimed as the clock claims it, so none fires twice. Timers scheduled by what "
            "fires (a re-offer's timeout) are not fired by the same call."
        ),
        request=FireInput,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        given = FireInput(data=request.data)
        given.is_valid(raise_exception=True)
        within = timedelta(seconds=given.validated_data["withinSeconds"])
        fired = timers_fire_now(tenant_id=self.tenant.id, within=within)
        return Response({"fired": len(fired), "timers": timers_json(fired)})
