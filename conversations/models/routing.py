"""Routing: queues, the agents who are their members, scripts, and offers to agents."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from gateway_sim.ids import new_id


class Queue(models.Model):
    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="queues")
    # The id integrations send as `assignment.id` / `routingOptions.id` (e.g. "100").
    public_id = models.CharField(max_length=64)
    name = models.CharField(max_length=256)
    agents = models.ManyToManyField("conversations.Agent", related_name="queues", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["public_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="queue_unique_public_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class AgentStatus(models.TextChoices):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


def _default_capacity() -> int:
    return int(settings.SANDBOX_AGENT_CAPACITY)


class Agent(models.Model):
    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="agents")
    # The id events carry (`MEMBERS_CHANGED.id`, `assignment.id`), e.g. "agent-anna".
    public_id = models.CharField(max_length=64)
    name = models.CharField(max_length=256)
    languages = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=AgentStatus.choices, default=AgentStatus.OFFLINE)
    # The status the agent was created with (seed file, agent creation); a tenant reset
    # puts the agent back in it. Taken from `status` when the agent is first saved.
    configured_status = models.CharField(max_length=16, choices=AgentStatus.choices, blank=True)
    capacity = models.PositiveIntegerField(default=_default_capacity)
    # When the agent last became free for work; routing prefers the longest idle.
    last_idle_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="agent_unique_public_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.configured_status:
            self.configured_status = self.status
        super().save(*args, **kwargs)

    def speaks(self, language: str) -> bool:
        return language in (self.languages or [])


class Script(models.Model):
    """A small menu flow the sandbox plays as a bot (an invented stand-in for 8x8 scripting).

    `definition` = {"greeting": str, "options": [{"title", "postback", "queue" | "reply"}],
    "fallback": str}.
    """

    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="scripts")
    public_id = models.CharField(max_length=64)
    name = models.CharField(max_length=256)
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["public_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "public_id"], name="script_unique_public_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class OfferStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class OfferQuerySet(models.QuerySet["Offer"]):
    def pending(self) -> "OfferQuerySet":
        return self.filter(status=OfferStatus.PENDING)


class Offer(models.Model):
    """A queued interaction offered to one agent, until accepted, rejected or timed out."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    interaction = models.ForeignKey(
        "conversations.Interaction", on_delete=models.CASCADE, related_name="offers"
    )
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # An interaction is offered to one agent at a time.
            models.UniqueConstraint(
                fields=["interaction"],
                condition=models.Q(status="pending"),
                name="offer_one_pending_per_interaction",
            ),
        ]
        indexes = [
            # The desktop's "my pending offers" and capacity counts.
            models.Index(fields=["agent", "status"], name="offer_agent_status"),
        ]
