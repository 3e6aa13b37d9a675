"""Autopilot: agents that answer offers and user messages by themselves.

A queue's autopilot document (or an agent's own override) says how its agents accept
offers, what they reply, and when they transfer or end the chat. Autopilot agents are
ordinary agents: every step is a timer whose handler (conversations.services.autopilot_play)
calls the same services the desk calls, so the events are the same too.

With a `seed`, every draw (reply delays, random lines) comes from a generator seeded with
the seed and the position of the draw in the chat, never from ids or clocks, so the same
conversation script gives the same transcript on every run.
"""

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import (
    Agent,
    Autopilot,
    Conversation,
    Interaction,
    InteractionStatus,
    Message,
    Offer,
    OfferStatus,
    ParticipantType,
    Queue,
    Tenant,
    TimerKind,
)
from conversations.services.activity import agent_typing
from conversations.services.timers import timer_schedule
from gateway_sim.domain_errors import NotFound

# The last part of a reply timer's ref when the agent was shown typing (else "quiet").
TYPING_SHOWN = "typing"

# Without a seed, draws are not meant to repeat; nothing here is a secret.
_UNSEEDED = random.Random()  # noqa: S311


@dataclass(frozen=True)
class ReplyRule:
    match: str
    text: str


@dataclass(frozen=True)
class AutopilotConfig:
    """A stored autopilot document, read. `accept` is "accept", "reject" or "never"."""

    accept: str
    accept_after_ms: int
    mode: str
    lines: tuple[str, ...]
    order: str
    rules: tuple[ReplyRule, ...]
    delay_min_ms: int
    delay_max_ms: int
    typing: bool
    transfer_after: int | None
    transfer_queue_id: str | None
    end_after: int | None
    seed: int | None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "AutopilotConfig | None":
        """The autopilot a stored document describes; None when it is switched off."""
        if not document.get("enabled", True):
            return None
        accept = document["accept"]
        reply = document["reply"]
        transfer = document.get("transferAfterMessages")
        if accept == "never":
            action, after_ms = "never", 0
        else:
            action = "reject" if accept.get("reject") else "accept"
            after_ms = int(accept.get("afterMs", 0))
        return cls(
            accept=action,
            accept_after_ms=after_ms,
            mode=reply["mode"],
            lines=tuple(reply.get("lines", [])),
            order=reply.get("order", "sequence"),
            rules=tuple(ReplyRule(rule["match"], rule["text"]) for rule in reply.get("rules", [])),
            delay_min_ms=int(reply["delayMs"]["min"]),
            delay_max_ms=int(reply["delayMs"]["max"]),
            typing=bool(reply.get("typing", False)),
            transfer_after=transfer["count"] if transfer else None,
            transfer_queue_id=transfer["queueId"] if transfer else None,
            end_after=document.get("endAfterMessages"),
            seed=document.get("seed"),
        )

    def _draw(self, purpose: str, index: int) -> random.Random:
        if self.seed is None:
            return _UNSEEDED
        return random.Random(f"{self.seed}:{purpose}:{index}")  # noqa: S311  # repeatable on purpose

    def reply_delay(self, message_index: int) -> timedelta:
        """How long the agent waits before answering the chat's `message_index`-th user message."""
        if self.delay_max_ms <= self.delay_min_ms:
            return timedelta(milliseconds=self.delay_min_ms)
        drawn = self._draw("delay", message_index).randint(self.delay_min_ms, self.delay_max_ms)
        return timedelta(milliseconds=drawn)

    def replies_to(self, text: str) -> bool:
        return self.reply_text(text, reply_index=0) is not None

    def reply_text(self, text: str, *, reply_index: int) -> str | None:
        """The agent's `reply_index`-th reply (from 0) to a user message; None: no reply.

        `rules`: the first rule whose pattern matches the text; without a match, the lines
        (when there are any) are the fallback.
        """
        if self.mode == "echo":
            return text
        if self.mode == "rules":
            for rule in self.rules:
                if re.search(rule.match, text):
                    return rule.text
        if self.mode in ("lines", "rules") and self.lines:
            if self.order == "random":
                return self._draw("line", reply_index).choice(self.lines)
            return self.lines[reply_index % len(self.lines)]
        return None


def autopilot_set(
    *, tenant: Tenant, document: dict[str, Any], queue: Queue | None = None, agent: Agent | None = None
) -> Autopilot:
    """Store the queue's autopilot or the agent's override (replacing any), and let the
    agents it now drives answer the offers already waiting for them."""
    with transaction.atomic():
        autopilot, _ = Autopilot.objects.update_or_create(
            tenant=tenant,
            queue=queue,
            agent=agent,
            defaults={"config": document, "updated_at": timezone.now()},
        )
        waiting = Offer.objects.pending().select_related("interaction", "agent")
        if queue is not None:
            waiting = waiting.filter(interaction__queue=queue)
        else:
            waiting = waiting.filter(agent=agent)
        for offer in waiting:
            autopilot_offer_made(offer=offer)
        return autopilot


def autopilot_delete(*, tenant: Tenant, queue: Queue | None = None, agent: Agent | None = None) -> None:
    deleted, _ = Autopilot.objects.filter(tenant=tenant, queue=queue, agent=agent).delete()
    if not deleted:
        owner = queue.public_id if queue is not None else agent.public_id if agent is not None else ""
        raise NotFound("Autopilot", owner)


def autopilot_effective(*, agent: Agent, queue_id: int | None) -> AutopilotConfig | None:
    """What drives `agent` on a chat of queue `queue_id`: its own override if it has one
    (which may switch autopilot off), else the queue's autopilot; None: a person does."""
    found = {
        ("agent" if row.agent_id else "queue"): row.config
        for row in Autopilot.objects.filter(Q(agent=agent) | Q(queue_id=queue_id, queue__isnull=False))
    }
    document = found.get("agent", found.get("queue"))
    return AutopilotConfig.from_document(document) if document is not None else None


def autopilot_offer_made(*, offer: Offer) -> None:
    """An offer to an autopilot agent: accept or reject it after `afterMs` (never: let it
    time out). An interaction this agent rejected once is left to time out when it comes
    back, so one declining agent does not spin a chat between offers."""
    config = autopilot_effective(agent=offer.agent, queue_id=offer.interaction.queue_id)
    if config is None or config.accept == "never":
        return
    kind = TimerKind.AUTOPILOT_ACCEPT
    if config.accept == "reject":
        declined = Offer.objects.filter(
            interaction_id=offer.interaction_id, agent_id=offer.agent_id, status=OfferStatus.REJECTED
        )
        if declined.exists():
            return
        kind = TimerKind.AUTOPILOT_REJECT
    timer_schedule(
        tenant_id=offer.agent.tenant_id,
        kind=kind,
        ref=offer.id,
        due_at=offer.created_at + timedelta(milliseconds=config.accept_after_ms),
    )


def autopilot_joined_at(interaction: Interaction, agent: Agent) -> datetime | None:
    """When `agent` took this chat (its accepted offer); the autopilot counts from there."""
    offer = (
        Offer.objects.filter(interaction=interaction, agent=agent, status=OfferStatus.ACCEPTED)
        .order_by("-decided_at")
        .first()
    )
    return offer.decided_at if offer else None


def messages_since(interaction: Interaction, joined_at: datetime, *, author_type: str) -> int:
    return Message.objects.filter(
        interaction=interaction, author_type=author_type, created_at__gte=joined_at, is_history=False
    ).count()


def autopilot_user_message(*, conversation: Conversation, message: Message) -> None:
    """A user message in a chat an autopilot agent handles: schedule the reply after the
    drawn delay, showing the agent typing meanwhile when the document asks for it."""
    agent = conversation.agent
    interaction = message.interaction
    if agent is None or interaction is None or interaction.status != InteractionStatus.WITH_AGENT:
        return
    config = autopilot_effective(agent=agent, queue_id=interaction.queue_id)
    if config is None or not config.replies_to(message.text):
        return
    joined_at = autopilot_joined_at(interaction, agent)
    if joined_at is None:
        return
    index = messages_since(interaction, joined_at, author_type=ParticipantType.USER) - 1
    if config.typing:
        agent_typing(conversation=conversation, agent=agent, typing=True)
    timer_schedule(
        tenant_id=conversation.tenant_id,
        kind=TimerKind.AUTOPILOT_REPLY,
        ref=f"{message.id}:{agent.pk}:{TYPING_SHOWN if config.typing else 'quiet'}",
        due_at=message.created_at + config.reply_delay(index),
    )


def agent_on_autopilot(agent: Agent) -> bool:
    """Whether an autopilot drives `agent` on any of its queues (for the desk's badge)."""
    override = Autopilot.objects.filter(agent=agent).values_list("config", flat=True).first()
    if override is not None:
        return bool(override.get("enabled", True))
    queued = Autopilot.objects.filter(queue__agents=agent).values_list("config", flat=True)
    return any(config.get("enabled", True) for config in queued)
