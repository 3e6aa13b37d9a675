"""Agents of the caller's tenant, addressed by their public id (`agent-anna`): list, create,
read, change, delete, set the status, and what is on their desk (offers, chats)."""

from django.db.models import F, Q
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Agent, AgentStatus, Offer, Participant, ParticipantType
from conversations.services.agents import (
    agent_create,
    agent_delete,
    agent_get,
    agent_set_status,
    agent_update,
)
from gateway_sim.control.base import ControlView
from gateway_sim.control.routing_json import AgentOut, ChatOut, OfferOut, agents_shown, checked

STATUSES = [status.value for status in AgentStatus]


class AgentCreateIn(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=256)
    publicId = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text="Default: made from the name (agent-anna-berg).",
    )
    languages = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    capacity = serializers.IntegerField(required=False, allow_null=True, default=None)
    queueIds = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    status = serializers.ChoiceField(choices=STATUSES, default=AgentStatus.OFFLINE)


class AgentUpdateIn(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=256, required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    capacity = serializers.IntegerField(required=False)
    queueIds = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Replaces them."
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False)


class AgentStatusIn(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=STATUSES)


def _shown(agent: Agent, status: int = 200) -> Response:
    return Response(AgentOut(agents_shown(Agent.objects.filter(pk=agent.pk)).get()).data, status=status)


class AgentListView(ControlView):
    @extend_schema(
        operation_id="agents_list",
        summary="List the tenant's agents",
        responses={200: inline_serializer("AgentList", {"agents": AgentOut(many=True)})},
    )
    def get(self, request: Request) -> Response:
        agents = agents_shown(Agent.objects.filter(tenant=self.tenant).order_by("public_id"))
        return Response({"agents": AgentOut(agents, many=True).data})

    @extend_schema(
        operation_id="agents_create",
        summary="Create an agent",
        description="An agent created `available` is offered its queues' waiting chats at once.",
        request=AgentCreateIn,
        responses={201: AgentOut},
    )
    def post(self, request: Request) -> Response:
        given = checked(AgentCreateIn, request.data)
        agent = agent_create(
            tenant=self.tenant,
            name=given["name"],
            public_id=given["publicId"],
            languages=given["languages"],
            capacity=given["capacity"],
            queue_ids=given["queueIds"],
            status=AgentStatus(given["status"]),
        )
        return _shown(agent, status=201)


class AgentDetailView(ControlView):
    @extend_schema(operation_id="agents_read", summary="Read an agent", responses={200: AgentOut})
    def get(self, request: Request, agent_id: str) -> Response:
        return _shown(agent_get(self.tenant, agent_id))

    @extend_schema(
        operation_id="agents_update",
        summary="Change an agent's name, languages, capacity, queues or status",
        request=AgentUpdateIn,
        responses={200: AgentOut},
    )
    def patch(self, request: Request, agent_id: str) -> Response:
        agent = agent_get(self.tenant, agent_id)
        given = checked(AgentUpdateIn, request.data)
        status = given.get("status")
        agent = agent_update(
            agent=agent,
            name=given.get("name"),
            languages=given.get("languages"),
            capacity=given.get("capacity"),
            queue_ids=given.get("queueIds"),
            status=AgentStatus(status) if status else None,
        )
        return _shown(agent)

    @extend_schema(
        operation_id="agents_delete",
        summary="Delete an agent who handles no chat",
        description="409 while the agent handles chats; their pending offers go to other agents.",
        responses={204: None},
    )
    def delete(self, request: Request, agent_id: str) -> Response:
        agent_delete(agent=agent_get(self.tenant, agent_id))
        return Response(status=204)


class AgentStatusView(ControlView):
    @extend_schema(
        operation_id="agents_status_set",
        summary="Set an agent's status",
        description=(
            "Becoming `available` offers waiting chats at once; any other status withdraws the "
            "agent's pending offers. Open desks show the change."
        ),
        request=AgentStatusIn,
        responses={200: AgentOut},
    )
    def put(self, request: Request, agent_id: str) -> Response:
        agent = agent_get(self.tenant, agent_id)
        given = checked(AgentStatusIn, request.data)
        return _shown(agent_set_status(agent=agent, status=AgentStatus(given["status"])))


class AgentOffersView(ControlView):
    @extend_schema(
        operation_id="agents_offers_list",
        summary="The agent's pending offers, oldest first",
        responses={200: inline_serializer("OfferList", {"offers": OfferOut(many=True)})},
    )
    def get(self, request: Request, agent_id: str) -> Response:
        agent = agent_get(self.tenant, agent_id)
        offers = (
            Offer.objects.pending()
            .filter(agent=agent)
            .select_related("interaction__conversation", "interaction__queue")
            .order_by("created_at", "id")
        )
        return Response({"offers": OfferOut(offers, many=True).data})


class AgentChatsView(ControlView):
    @extend_schema(
        operation_id="agents_chats_list",
        summary="The agent's chats: those they handle and those in wrap-up, oldest first",
        responses={200: inline_serializer("ChatList", {"chats": ChatOut(many=True)})},
    )
    def get(self, request: Request, agent_id: str) -> Response:
        agent = agent_get(self.tenant, agent_id)
        # On the desk: joined and not left, or left and not closed since (Participant.wrapped_up_at).
        chats = (
            Participant.objects.filter(type=ParticipantType.AGENT, agent=agent)
            .filter(Q(removed=False) | Q(wrapped_up_at__isnull=True) | Q(left_at__gt=F("wrapped_up_at")))
            .select_related("conversation")
            .order_by("joined_at", "id")
        )
        return Response({"chats": ChatOut(chats, many=True).data})
