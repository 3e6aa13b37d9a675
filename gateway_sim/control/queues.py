"""Queues of the caller's tenant, addressed by their public id (`100`): list, create, read,
change (name, members), delete."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Queue
from conversations.services.queues import queue_create, queue_delete, queue_get, queue_update
from gateway_sim.control.base import ControlView
from gateway_sim.control.routing_json import QueueOut, checked, queues_shown


class QueueCreateIn(serializers.Serializer):  # type: ignore[type-arg]
    publicId = serializers.CharField(
        required=False, default="", allow_blank=True, help_text="Default: the next free number (100, 101 …)."
    )
    name = serializers.CharField(max_length=256)
    agentIds = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class QueueUpdateIn(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=256, required=False)
    agentIds = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Replaces the members."
    )


def _shown(queue: Queue) -> Response:
    return Response(QueueOut(queues_shown(Queue.objects.filter(pk=queue.pk)).get()).data)


class QueueListView(ControlView):
    @extend_schema(
        operation_id="queues_list",
        summary="List the tenant's queues with their members and waiting chats",
        responses={200: inline_serializer("QueueList", {"queues": QueueOut(many=True)})},
    )
    def get(self, request: Request) -> Response:
        queues = queues_shown(Queue.objects.filter(tenant=self.tenant).order_by("public_id"))
        return Response({"queues": QueueOut(queues, many=True).data})

    @extend_schema(
        operation_id="queues_create",
        summary="Create a queue",
        request=QueueCreateIn,
        responses={201: QueueOut},
    )
    def post(self, request: Request) -> Response:
        given = checked(QueueCreateIn, request.data)
        queue = queue_create(
            tenant=self.tenant, name=given["name"], public_id=given["publicId"], agent_ids=given["agentIds"]
        )
        response = _shown(queue)
        response.status_code = 201
        return response


class QueueDetailView(ControlView):
    @extend_schema(operation_id="queues_read", summary="Read a queue", responses={200: QueueOut})
    def get(self, request: Request, queue_id: str) -> Response:
        return _shown(queue_get(self.tenant, queue_id))

    @extend_schema(
        operation_id="queues_update",
        summary="Rename a queue or replace its members",
        description="New members who are available are offered the queue's waiting chats at once.",
        request=QueueUpdateIn,
        responses={200: QueueOut},
    )
    def patch(self, request: Request, queue_id: str) -> Response:
        queue = queue_get(self.tenant, queue_id)
        given = checked(QueueUpdateIn, request.data)
        queue_update(queue=queue, name=given.get("name"), agent_ids=given.get("agentIds"))
        return _shown(queue)

    @extend_schema(
        operation_id="queues_delete",
        summary="Delete a queue nothing routes to",
        description=(
            "409 while chats wait in it or are handled from it, or a channel or script routes to it; "
            "the problem's detail names them."
        ),
        responses={204: None},
    )
    def delete(self, request: Request, queue_id: str) -> Response:
        queue_delete(queue=queue_get(self.tenant, queue_id))
        return Response(status=204)
