"""The sandbox's own records about its API traffic (the API journal).

The tenant is referenced by name, "conversations.Tenant", so this module imports no app.
"""

from django.db import models
from django.utils import timezone


class ApiFamily(models.TextChoices):
    GATEWAY = "gateway"
    LEGACY = "legacy"
    CONTROL = "control"


class JournalEntry(models.Model):
    """One call to the Chat Gateway, legacy v2 or control API, with its secrets masked.

    Written by gateway_sim.control.journal; bodies are kept up to a limit (`*_trimmed` says
    when a body was cut or not kept). A tenant's journal is
    `JournalEntry.objects.filter(tenant=tenant)`.
    """

    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    api = models.CharField(max_length=16, choices=ApiFamily.choices)
    method = models.CharField(max_length=16)
    path = models.CharField(max_length=2048)
    query = models.TextField(blank=True, default="")
    # 8x8's operationId for the Gateway and legacy v2, the control schema's for /sandbox/v1/.
    operation = models.CharField(max_length=128, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    latency_ms = models.FloatField()
    conversation_id = models.CharField(max_length=64, blank=True, default="")
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField(blank=True, default="")
    request_body_trimmed = models.BooleanField(default=False)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True, default="")
    response_body_trimmed = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # The listing (GET /sandbox/v1/requests: a tenant's entries after an id, in order)
            # and the retention's "id of the Nth newest entry of a tenant".
            models.Index(fields=["tenant", "id"], name="journal_tenant_id"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
