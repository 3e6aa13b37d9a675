"""Autopilot documents: a queue's, and one agent's override of it.

The serializer reads what a test sends (tolerant: `"reject"` and `"never"` short forms,
unknown fields ignored) and answers with the canonical document the sandbox stores, every
default filled in, so a GET shows exactly what the autopilot will do.
"""

import re
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.models import Agent, Autopilot, Queue, Tenant
from conversations.services.autopilot import autopilot_delete, autopilot_set
from gateway_sim.control.base import ControlView
from gateway_sim.domain_errors import NotFound

# An hour: longer than any offer timeout, and short enough to catch a unit mistake.
MAX_MS = 3_600_000


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": ["never", "reject"]},
            {
                "type": "object",
                "properties": {"afterMs": {"type": "integer"}, "reject": {"type": "boolean"}},
            },
        ]
    }
)
class AcceptField(serializers.Field):  # type: ignore[type-arg]
    """`{"afterMs": n}` accept, `{"reject": true, "afterMs": n}` or `"reject"` (at once)
    reject, `"never"`: leave the offer to time out."""

    INVALID = 'Expected {"afterMs": n}, {"reject": true, "afterMs": n}, "never" or "reject".'

    def to_internal_value(self, data: Any) -> Any:
        if data == "never":
            return "never"
        if data == "reject":
            return {"reject": True, "afterMs": 0}
        if not isinstance(data, dict):
            raise serializers.ValidationError(self.INVALID)
        after = serializers.IntegerField(min_value=0, max_value=MAX_MS)
        reject = serializers.BooleanField()
        try:
            after_ms = after.run_validation(data.get("afterMs", 0))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"afterMs": exc.detail}) from exc
        try:
            rejects = reject.run_validation(data.get("reject", False))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"reject": exc.detail}) from exc
        return {"reject": True, "afterMs": after_ms} if rejects else {"afterMs": after_ms}

    def to_representation(self, value: Any) -> Any:
        return value


class RuleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    match = serializers.CharField(trim_whitespace=False, help_text="A regular expression (Python syntax).")
    text = serializers.CharField(trim_whitespace=False, help_text="The reply when it matches.")

    def validate_match(self, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise serializers.ValidationError(f"invalid regular expression ({exc})") from exc
        return value


class DelaySerializer(serializers.Serializer):  # type: ignore[type-arg]
    min = serializers.IntegerField(min_value=0, max_value=MAX_MS, default=0)
    max = serializers.IntegerField(min_value=0, max_value=MAX_MS, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["max"] < attrs["min"]:
            raise serializers.ValidationError({"max": f"must be at least min ({attrs['min']})"})
        return attrs


class ReplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    mode = serializers.ChoiceField(choices=["echo", "lines", "rules", "none"])
    lines = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False), default=list, max_length=1000
    )
    order = serializers.ChoiceField(choices=["sequence", "random"], default="sequence")
    rules = RuleSerializer(many=True, default=list)
    delayMs = DelaySerializer(default=lambda: {"min": 0, "max": 0})  # the wire name
    typing = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["mode"] == "lines" and not attrs["lines"]:
            raise serializers.ValidationError({"lines": "at least one line is needed with mode lines"})
        if attrs["mode"] == "rules" and not attrs["rules"]:
            raise serializers.ValidationError({"rules": "at least one rule is needed with mode rules"})
        return attrs


class TransferSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField(min_value=1)
    queueId = serializers.CharField()  # the wire name

    def validate_queueId(self, value: str) -> str:  # DRF names it after the field
        tenant: Tenant = self.context["tenant"]
        if not Queue.objects.filter(tenant=tenant, public_id=value).exists():
            raise serializers.ValidationError(f"unknown queue {value}")
        return value


NO_REPLY: dict[str, Any] = {
    "mode": "none",
    "lines": [],
    "order": "sequence",
    "rules": [],
    "delayMs": {"min": 0, "max": 0},
    "typing": False,
}


class AutopilotSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enabled = serializers.BooleanField(
        default=True, help_text="false (agents only): a person answers, whatever the queue's autopilot says."
    )
    accept = AcceptField(default=lambda: {"afterMs": 0})
    reply = ReplySerializer(default=lambda: dict(NO_REPLY))
    transferAfterMessages = TransferSerializer(default=None, allow_null=True)
    endAfterMessages = serializers.IntegerField(min_value=1, default=None, allow_null=True)
    seed = serializers.IntegerField(default=None, allow_null=True)

    def document(self) -> dict[str, Any]:
        """The canonical document to store: every default filled in."""
        data: dict[str, Any] = dict(self.validated_data)
        if not data["enabled"]:
            return {"enabled": False}
        reply = data["reply"]
        return {
            "enabled": True,
            "accept": data["accept"],
            "reply": {
                "mode": reply["mode"],
                "lines": list(reply["lines"]),
                "order": reply["order"],
                "rules": [{"match": rule["match"], "text": rule["text"]} for rule in reply["rules"]],
                "delayMs": {"min": reply["delayMs"]["min"], "max": reply["delayMs"]["max"]},
                "typing": reply["typing"],
            },
            "transferAfterMessages": dict(data["transferAfterMessages"])
            if data["transferAfterMessages"]
            else None,
            "endAfterMessages": data["endAfterMessages"],
            "seed": data["seed"],
        }


EXAMPLE = OpenApiExample(
    "Accept after 200 ms, answer refunds, hand over after two replies",
    value={
        "accept": {"afterMs": 200},
        "reply": {
            "mode": "rules",
            "rules": [{"match": "(?i)refund", "text": "Refunds take 3 days."}],
            "lines": ["Tell me more."],
            "delayMs": {"min": 100, "max": 400},
            "typing": True,
        },
        "transferAfterMessages": {"count": 2, "queueId": "101"},
        "seed": 7,
    },
)


def _queue(tenant: Tenant, queue_id: str) -> Queue:
    queue = Queue.objects.filter(tenant=tenant, public_id=queue_id).first()
    if queue is None:
        raise NotFound("Queue", queue_id)
    return queue


def _agent(tenant: Tenant, agent_id: str) -> Agent:
    agent = Agent.objects.filter(tenant=tenant, public_id=agent_id).first()
    if agent is None:
        raise NotFound("Agent", agent_id)
    return agent


class _AutopilotView(ControlView):
    owner_kind = ""

    def owner(self, owner_id: str) -> tuple[Queue | None, Agent | None]:
        if self.owner_kind == "queue":
            return _queue(self.tenant, owner_id), None
        return None, _agent(self.tenant, owner_id)

    def _get(self, owner_id: str) -> Response:
        queue, agent = self.owner(owner_id)
        autopilot = Autopilot.objects.filter(tenant=self.tenant, queue=queue, agent=agent).first()
        if autopilot is None:
            raise NotFound("Autopilot", owner_id)
        return Response(autopilot.config)

    def _put(self, request: Request, owner_id: str) -> Response:
        queue, agent = self.owner(owner_id)
        serializer = AutopilotSerializer(data=request.data, context={"tenant": self.tenant})
        serializer.is_valid(raise_exception=True)
        autopilot = autopilot_set(
            tenant=self.tenant, document=serializer.document(), queue=queue, agent=agent
        )
        return Response(autopilot.config)

    def _delete(self, owner_id: str) -> Response:
        queue, agent = self.owner(owner_id)
        autopilot_delete(tenant=self.tenant, queue=queue, agent=agent)
        return Response(status=204)


class QueueAutopilotView(_AutopilotView):
    owner_kind = "queue"

    @extend_schema(
        operation_id="queue_autopilot_get",
        summary="The queue's autopilot",
        responses={200: AutopilotSerializer},
    )
    def get(self, request: Request, queue_id: str) -> Response:
        return self._get(queue_id)

    @extend_schema(
        operation_id="queue_autopilot_put",
        summary="Drive the queue's agents by autopilot",
        description="Replaces the queue's autopilot. Offers already waiting for its agents are answered too.",
        request=AutopilotSerializer,
        responses={200: AutopilotSerializer},
        examples=[EXAMPLE],
    )
    def put(self, request: Request, queue_id: str) -> Response:
        return self._put(request, queue_id)

    @extend_schema(
        operation_id="queue_autopilot_delete",
        summary="Switch the queue's autopilot off",
        responses={204: None},
    )
    def delete(self, request: Request, queue_id: str) -> Response:
        return self._delete(queue_id)


class AgentAutopilotView(_AutopilotView):
    owner_kind = "agent"

    @extend_schema(
        operation_id="agent_autopilot_get",
        summary="The agent's autopilot override",
        responses={200: AutopilotSerializer},
    )
    def get(self, request: Request, agent_id: str) -> Response:
        return self._get(agent_id)

    @extend_schema(
        operation_id="agent_autopilot_put",
        summary="Override the queues' autopilot for one agent",
        description='`{"enabled": false}` hands the agent back to a person; any other document drives it.',
        request=AutopilotSerializer,
        responses={200: AutopilotSerializer},
        examples=[EXAMPLE],
    )
    def put(self, request: Request, agent_id: str) -> Response:
        return self._put(request, agent_id)

    @extend_schema(
        operation_id="agent_autopilot_delete",
        summary="Remove the agent's override (the queue's autopilot applies again)",
        responses={204: None},
    )
    def delete(self, request: Request, agent_id: str) -> Response:
        return self._delete(agent_id)
