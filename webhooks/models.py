"""Webhooks, the event outbox, and the deliveries of events to webhooks."""

from django.db import models
from django.utils import timezone

from gateway_sim.ids import new_id


class WebhookVersion(models.TextChoices):
    GATEWAY = "Chat Gateway v1.0"
    LEGACY_V1 = "v1.0"
    LEGACY_V2 = "v2.0"


class Webhook(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=256)
    uri = models.URLField(max_length=2048)
    version = models.CharField(max_length=32, choices=WebhookVersion.choices, default=WebhookVersion.GATEWAY)
    # Echo the integration's own messages back as MESSAGE isEcho:true (8x8 does by default).
    echo = models.BooleanField(default=True)
    is_deleted = models.BooleanField(default=False)
    entity_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "is_deleted"], name="webhook_tenant_live")]

    def __str__(self) -> str:
        return f"{self.name} -> {self.uri}"

    @property
    def is_legacy(self) -> bool:
        return self.version != WebhookVersion.GATEWAY

    @property
    def signed(self) -> bool:
        """Whether deliveries to this webhook carry the `x-8x8-signature`."""
        return signed_version(self.version)


def signed_version(version: str) -> bool:
    """Whether deliveries for a webhook of `version` carry the `x-8x8-signature`.

    Signed notifications came with Chat API v2.0: v1.0 webhooks receive them unsigned,
    every later version (v2.0, Chat Gateway v1.0) signed.
    """
    return version != WebhookVersion.LEGACY_V1


class Event(models.Model):
    """The outbox: one row per event, written in the transaction of the change that caused it.

    `payload` is the Chat Gateway envelope (`eventType`, `conversationId`, `timestamp`,
    `data`), built when the event happens, so later changes never alter what was emitted.
    """

    # The auto-increment key gives the global commit order that deliveries follow.
    id = models.BigAutoField(primary_key=True)
    event_id = models.CharField(max_length=32, unique=True, default=new_id)
    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="events")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    type = models.CharField(max_length=32)
    # Position of the event within its conversation (1, 2, 3 ...).
    sequence = models.PositiveIntegerField(default=0)
    # Position in the tenant's one sequence of events, given once the event has committed
    # (conversations.events.cursor); null until then.
    cursor = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Timelines and the control API list a conversation's events in order.
            models.Index(fields=["conversation", "sequence"], name="event_conversation_seq"),
            models.Index(fields=["tenant", "id"], name="event_tenant_order"),
            # The control API's "events after a cursor" and the sequencer's "not yet sequenced".
            models.Index(fields=["tenant", "cursor"], name="event_tenant_cursor"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Delivery(models.Model):
    """One event on its way to one webhook URI, across all of its attempts."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    webhook = models.ForeignKey(
        Webhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    uri = models.URLField(max_length=2048)
    # The `x-8x8-customer-id` of its attempts: a delivery carries what the worker sends.
    customer_id = models.CharField(max_length=64, blank=True)
    # The exact bytes sent (compact JSON); the signature covers exactly these.
    body = models.TextField()
    signed = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event_id", "id"]
        indexes = [
            # The worker's claim query: due pending deliveries in event order.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["webhook", "event"], name="delivery_stream"),
        ]


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    # The `x-8x8-retry` value sent: 0 for the first attempt.
    retry = models.PositiveIntegerField()
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    latency_ms = models.FloatField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivery", "retry", "id"]

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class SigningKey(models.Model):
    """An RSA key pair that signs webhook deliveries. Retired keys stay published as JWKs."""

    kid = models.CharField(primary_key=True, max_length=64, default=new_id)
    private_pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
