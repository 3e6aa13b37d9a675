"""Who may call the sandbox: customers, their tenants, API keys and legacy credentials."""

import secrets
from datetime import datetime

from django.db import models
from django.utils import timezone


class Customer(models.Model):
    """An 8x8 customer (organisation). Owns tenants and Chat Gateway API keys."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.id


class Tenant(models.Model):
    """A Contact Center tenant. Everything below it is isolated from other tenants."""

    id = models.CharField(primary_key=True, max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tenants")
    name = models.CharField(max_length=256)
    # The cursor of the tenant's newest sequenced event (conversations.events.cursor).
    event_cursor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.id


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class ApiKey(models.Model):
    """A Chat Gateway `x-api-key`; it belongs to a customer, not to one tenant."""

    key = models.CharField(primary_key=True, max_length=128, default=_new_secret)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=256, default="Chat Gateway")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"


class LegacyCredential(models.Model):
    """A legacy Chat API v2 key + secret pair, exchanged for bearer tokens."""

    key = models.CharField(primary_key=True, max_length=128, default=_new_secret)
    secret = models.CharField(max_length=128, default=_new_secret)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="legacy_credentials")
    created_at = models.DateTimeField(default=timezone.now)


class AccessToken(models.Model):
    """An opaque legacy bearer token issued by `POST /oauth/v2/token`."""

    token = models.CharField(primary_key=True, max_length=128, default=_new_secret)
    credential = models.ForeignKey(LegacyCredential, on_delete=models.CASCADE, related_name="tokens")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def is_valid_at(self, moment: datetime) -> bool:
        return moment < self.expires_at
