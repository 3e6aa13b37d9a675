"""The agent desktop's WebSocket: one connection per open desk (an agent may have several).

Frames from the browser are `{"type": ..., "ref": ...}` actions; each calls one service.
The server answers `ack` or `error` (with the domain message) for the `ref`. A `send` may
carry a `clientId`: the message is posted once per id, and its `ack` repeats the id (with
`repeated: true` when an earlier send had already posted it). The server also pushes the
desk's state: a `snapshot` on connect and on `resync`, a `chat` when a chat lands on the
desk, every broadcast (`push`) of the agent's and its chats' groups, and a new `snapshot`
when told to reload (`desk.reload`).
"""

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from conversations.desk import actions, selectors
from conversations.desk.sends import SendRegistry
from conversations.groups import agent_group, conversation_group
from gateway_sim.broadcast import pushes_awaited
from gateway_sim.domain_errors import DomainError

P = ParamSpec("P")
T = TypeVar("T")
logger = logging.getLogger(__name__)

# Close code telling the desktop not to reconnect: the agent does not exist.
CLOSE_UNKNOWN_AGENT = 4404
CARD_ACTIONS = {"quickReply/action", "adaptiveCard/action"}
CLIENT_ID_MAX_LENGTH = 100
# Shared by every desk in this process: a retry arrives on a new connection.
sends = SendRegistry()

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class BadFrame(DomainError):
    """The browser sent a frame the desk does not understand."""

    code = "invalid_frame"


def _act(action: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """A desk action run from the consumer: off the event loop, back once its pushes are out."""
    run: Callable[P, Coroutine[Any, Any, T]] = database_sync_to_async(pushes_awaited(action))
    return run


def _text(content: dict[str, Any], field: str, *, required: bool = True) -> str:
    value = content.get(field, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadFrame(f"{field} must be a non-empty string.", field=field)
    return value


class DeskConsumer(AsyncJsonWebsocketConsumer):
    agent_pk: int
    agent_public_id: str
    joined: set[str]

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        agent = await database_sync_to_async(selectors.desk_agent)(kwargs["tenant_id"], kwargs["agent_id"])
        await self.accept()
        if agent is None:
            await self.send_json(
                {
                    "type": "error",
                    "code": "resource_not_found",
                    "message": f"Agent {kwargs['agent_id']} does not exist in tenant {kwargs['tenant_id']}.",
                }
            )
            await self.close(code=CLOSE_UNKNOWN_AGENT)
            return
        self.agent_pk = agent.pk
        self.agent_public_id = agent.public_id
        self.joined = set()
        await self.channel_layer.group_add(agent_group(agent.pk), self.channel_name)
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "agent_pk"):
            return
        await self.channel_layer.group_discard(agent_group(self.agent_pk), self.channel_name)
        for conversation_id in list(self.joined):
            await self.channel_layer.group_discard(conversation_group(conversation_id), self.channel_name)

    # --- state sent to the browser ---------------------------------------------------------

    async def send_snapshot(self) -> None:
        # Join the open chats' groups before reading, so nothing committed in between is
        # missed; the desktop drops what it receives twice by event sequence.
        open_ids = await database_sync_to_async(selectors.desk_open_conversation_ids)(self.agent_pk)
        for conversation_id in open_ids:
            await self._group_join(conversation_id)
        snapshot = await database_sync_to_async(selectors.desk_snapshot)(self.agent_pk)
        await self.send_json({"type": "snapshot", **snapshot})
        on_desk = {chat["conversationId"] for chat in snapshot["chats"] if chat["status"] == "open"}
        for conversation_id in self.joined - on_desk:
            await self._group_leave(conversation_id)
        for conversation_id in on_desk - self.joined:
            await self.join_chat(conversation_id)

    async def join_chat(self, conversation_id: str) -> None:
        """A chat landed on this desk: follow it, then send its full state."""
        await self._group_join(conversation_id)
        chat = await database_sync_to_async(selectors.desk_chat)(self.agent_pk, conversation_id)
        if chat is None:
            await self._group_leave(conversation_id)
            return
        await self.send_json({"type": "chat", "chat": chat})

    async def _group_join(self, conversation_id: str) -> None:
        if conversation_id not in self.joined:
            self.joined.add(conversation_id)
            await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)

    async def _group_leave(self, conversation_id: str) -> None:
        if conversation_id in self.joined:
            self.joined.discard(conversation_id)
            await self.channel_layer.group_discard(conversation_group(conversation_id), self.channel_name)

    async def desk_push(self, message: dict[str, Any]) -> None:
        """A broadcast from the services (see gateway_sim/broadcast.py)."""
        kind, payload = message["kind"], message["payload"]
        await self.send_json({"type": "push", "kind": kind, "payload": payload})
        if kind == "offer.accepted" and payload.get("agentId") == self.agent_public_id:
            await self.join_chat(payload["conversationId"])
        elif kind == "event":
            await self._follow(payload)

    async def desk_reload(self, message: dict[str, Any]) -> None:
        """What the desk shows was removed or replaced (a tenant reset): send it all again."""
        await self.send_snapshot()

    async def _follow(self, event: dict[str, Any]) -> None:
        conversation_id = event["conversationId"]
        data = event.get("data") or {}
        if (
            event["eventType"] == "MEMBERS_CHANGED"
            and data.get("memberType") == "agent"
            and data.get("change") == "left"
            and data.get("id") == self.agent_public_id
        ):
            await self._group_leave(conversation_id)
        elif event["eventType"] == "ACTIVITY" and data.get("name") in CARD_ACTIONS:
            # The event does not say which card was answered; the stored cards do.
            cards = await database_sync_to_async(selectors.card_states)(conversation_id)
            await self.send_json({"type": "cards", "conversationId": conversation_id, "cards": cards})

    # --- actions from the browser ----------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        ref = content.get("ref") if isinstance(content, dict) else None
        try:
            if not isinstance(content, dict):
                raise BadFrame("A frame must be a JSON object.")
            handler = self.handlers().get(str(content.get("type")))
            if handler is None:
                raise BadFrame(f"Unknown frame type {content.get('type')!r}.", field="type")
            answer = await handler(content)
        except DomainError as error:
            await self.send_json({"type": "error", "ref": ref, "code": error.code, "message": error.message})
            return
        except Exception:
            logger.exception("desk action %r failed", content)
            await self.send_json(
                {"type": "error", "ref": ref, "code": "internal_error", "message": "The action failed."}
            )
            return
        if ref is not None:
            await self.send_json({"type": "ack", "ref": ref, **(answer or {})})

    def handlers(self) -> dict[str, Handler]:
        return {
            "set_status": self.on_set_status,
            "accept": self.on_accept,
            "reject": self.on_reject,
            "send": self.on_send,
            "typing": self.on_typing,
            "transfer": self.on_transfer,
            "end": self.on_end,
            "close": self.on_close,
            "resync": self.on_resync,
        }

    async def on_set_status(self, content: dict[str, Any]) -> None:
        await _act(actions.set_status)(self.agent_pk, _text(content, "status"))

    async def on_accept(self, content: dict[str, Any]) -> None:
        await _act(actions.accept)(self.agent_pk, _text(content, "offerId"))

    async def on_reject(self, content: dict[str, Any]) -> None:
        await _act(actions.reject)(self.agent_pk, _text(content, "offerId"))

    async def on_send(self, content: dict[str, Any]) -> dict[str, Any] | None:
        ids = content.get("attachmentIds") or []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise BadFrame("attachmentIds must be a list of attachment ids.", field="attachmentIds")
        text = _text(content, "text", required=False)
        conversation_id = _text(content, "conversationId")
        client_id = content.get("clientId")
        if client_id is None:
            await _act(actions.send)(self.agent_pk, conversation_id, text, ids)
            return None
        if not isinstance(client_id, str) or not client_id or len(client_id) > CLIENT_ID_MAX_LENGTH:
            raise BadFrame(
                f"clientId must be a string of 1 to {CLIENT_ID_MAX_LENGTH} characters.", field="clientId"
            )

        def send() -> Coroutine[Any, Any, str]:
            return _act(actions.send)(self.agent_pk, conversation_id, text, ids)

        _, repeated = await sends.once(self.agent_pk, client_id, send)
        return {"clientId": client_id, "repeated": repeated}

    async def on_typing(self, content: dict[str, Any]) -> None:
        await _act(actions.typing)(
            self.agent_pk, _text(content, "conversationId"), bool(content.get("typing"))
        )

    async def on_transfer(self, content: dict[str, Any]) -> None:
        await _act(actions.transfer)(
            self.agent_pk, _text(content, "conversationId"), _text(content, "queueId")
        )

    async def on_end(self, content: dict[str, Any]) -> None:
        await _act(actions.end)(self.agent_pk, _text(content, "conversationId"))

    async def on_close(self, content: dict[str, Any]) -> None:
        await _act(actions.close)(self.agent_pk, _text(content, "conversationId"))

    async def on_resync(self, content: dict[str, Any]) -> None:
        await self.send_snapshot()
