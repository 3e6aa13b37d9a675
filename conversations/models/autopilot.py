"""Autopilot: a queue's (or one agent's) scripted way of answering offers and user messages."""

from django.db import models
from django.utils import timezone


class Autopilot(models.Model):
    """An autopilot document for one queue, or an override for one agent.

    `config` is the document as the control API validated and stored it (see
    conversations.services.autopilot.AutopilotConfig for what it means). An agent's
    override wins over the queue's autopilot; `{"enabled": false}` switches it off.
    """

    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="autopilots")
    queue = models.ForeignKey(
        "conversations.Queue", on_delete=models.CASCADE, null=True, blank=True, related_name="autopilots"
    )
    agent = models.ForeignKey(
        "conversations.Agent", on_delete=models.CASCADE, null=True, blank=True, related_name="autopilots"
    )
    config = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(queue__isnull=True) ^ models.Q(agent__isnull=True),
                name="autopilot_queue_xor_agent",
            ),
            models.UniqueConstraint(fields=["queue"], name="autopilot_one_per_queue"),
            models.UniqueConstraint(fields=["agent"], name="autopilot_one_per_agent"),
        ]

    def __str__(self) -> str:
        return f"autopilot of {self.queue or self.agent}"
