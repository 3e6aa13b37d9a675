"""Webhook test fixtures: a real local receiver (see receiver.py)."""

from tests.webhooks.receiver import receiver

__all__ = ["receiver"]
