"""Everything an agent does on the desk, headlessly: accept, reject, send, type, transfer, end,
close. Each resolves the agent in the caller's tenant and runs the desk's own action (or the
service behind it), so events, webhooks and open desks follow exactly as for a click."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.desk import actions
from conversations.models import Agent
from conversations.services.agents import agent_get
from conversations.services.attachments import agent_attachment_create
from conversations.services.offers import conversation_pick, offer_accept, offer_pending_for
from gateway_sim.control.base import ControlView
from gateway_sim.control.routing_json import (
    ConversationOut,
    MessageOut,
    checked,
    conversation_json,
    message_json,
)


class OfferChoiceIn(serializers.Serializer):  # type: ignore[type-arg]
    offerId = serializers.CharField(required=False, default="", allow_blank=True)
    conversationId = serializers.CharField(required=False, default="", allow_blank=True)


class ConversationIn(serializers.Serializer):  # type: ignore[type-arg]
    conversationId = serializers.CharField()


class MessageIn(ConversationIn):
    text = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)
    attachmentIds = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    file = serializers.FileField(required=False, help_text="multipart/form-data only: a file to send.")


class TypingIn(ConversationIn):
    typing = serializers.BooleanField()


class TransferIn(ConversationIn):
    queueId = serializers.CharField()


class _AgentAction(ControlView):
    def agent(self, agent_id: str) -> Agent:
        return agent_get(self.tenant, agent_id)


def _conversation_response(conversation_id: str) -> Response:
    return Response(conversation_json(conversation_id))


ACCEPT_DESCRIPTION = """\
With no body, the agent's one pending offer (409 `no_pending_offer` if none, 409
`several_pending_offers` listing them if several). With `offerId`, that offer. With
`conversationId`, the chat waiting in one of the agent's queues, whether it is offered to
this agent, to another one (the agent picks it) or to no one yet."""


class AgentAcceptView(_AgentAction):
    @extend_schema(
        operation_id="agents_accept",
        summary="The agent accepts an offer or picks a waiting chat",
        description=ACCEPT_DESCRIPTION,
        request=OfferChoiceIn,
        responses={200: ConversationOut},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(OfferChoiceIn, request.data)
        if given["offerId"]:
            conversation_id = offer_accept(offer_id=given["offerId"], agent=agent).id
        elif given["conversationId"]:
            conversation_id = conversation_pick(agent=agent, conversation_id=given["conversationId"]).id
        else:
            conversation_id = offer_accept(offer_id=offer_pending_for(agent).id, agent=agent).id
        return _conversation_response(conversation_id)


class AgentRejectView(_AgentAction):
    @extend_schema(
        operation_id="agents_reject",
        summary="The agent rejects an offer; the chat is offered to the next agent",
        description="`offerId`, the agent's offer for `conversationId`, or their one pending offer.",
        request=OfferChoiceIn,
        responses={204: None},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(OfferChoiceIn, request.data)
        offer_id = given["offerId"] or offer_pending_for(agent, conversation_id=given["conversationId"]).id
        actions.reject(agent.pk, offer_id)
        return Response(status=204)


class AgentMessageView(_AgentAction):
    @extend_schema(
        operation_id="agents_messages_send",
        summary="The agent sends a message (text, attachments by id, or an uploaded file)",
        description=(
            "JSON `{conversationId, text, attachmentIds}`, or multipart/form-data with "
            "`conversationId`, `text` and `file`: the file is stored as the desk stores its "
            "uploads, then sent. Emits MESSAGE (`isEcho: false`, sender the agent)."
        ),
        request={"application/json": MessageIn, "multipart/form-data": MessageIn},
        responses={201: MessageOut},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(MessageIn, request.data)
        attachment_ids = list(given["attachmentIds"])
        if given.get("file") is not None:
            upload = agent_attachment_create(
                agent=agent, conversation_id=given["conversationId"], upload=given["file"]
            )
            attachment_ids.append(upload.id)
        message_id = actions.send(agent.pk, given["conversationId"], given["text"], attachment_ids)
        return Response(message_json(message_id), status=201)


class AgentTypingView(_AgentAction):
    @extend_schema(
        operation_id="agents_typing",
        summary="The agent starts or stops typing (ACTIVITY typing)",
        request=TypingIn,
        responses={204: None},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(TypingIn, request.data)
        actions.typing(agent.pk, given["conversationId"], given["typing"])
        return Response(status=204)


class AgentTransferView(_AgentAction):
    @extend_schema(
        operation_id="agents_transfer",
        summary="The agent transfers a chat to a queue",
        description="TRANSFER, MEMBERS_CHANGED agent left, CONVERSATION_UPDATE (assignment queue), QUEUED.",
        request=TransferIn,
        responses={200: ConversationOut},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(TransferIn, request.data)
        actions.transfer(agent.pk, given["conversationId"], given["queueId"])
        return _conversation_response(given["conversationId"])


class AgentEndView(_AgentAction):
    @extend_schema(
        operation_id="agents_end",
        summary="The agent ends a chat; it stays in their wrap-up until closed",
        description="MEMBERS_CHANGED agent left, CONVERSATION_UPDATE `idle` (or the post-agent hand-back).",
        request=ConversationIn,
        responses={200: ConversationOut},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(ConversationIn, request.data)
        actions.end(agent.pk, given["conversationId"])
        return _conversation_response(given["conversationId"])


class AgentCloseView(_AgentAction):
    @extend_schema(
        operation_id="agents_close",
        summary="The agent closes the wrap-up of a chat they left",
        description="No event: the chat leaves the agent's desks. 400 `chat_open` while still handled.",
        request=ConversationIn,
        responses={200: ConversationOut},
    )
    def post(self, request: Request, agent_id: str) -> Response:
        agent = self.agent(agent_id)
        given = checked(ConversationIn, request.data)
        actions.close(agent.pk, given["conversationId"])
        return _conversation_response(given["conversationId"])
