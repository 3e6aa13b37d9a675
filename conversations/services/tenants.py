"""A tenant's own data: what it holds, emptying it between tests (reset), and removing it.

A reset removes one scope of the tenant's rows in one transaction: `conversations` (everything
that happened) or `all` (also the integration's configuration: webhooks and channels). Queues,
agents and scripts stay; agents go back to the status they were configured with. The tenant's
event cursor stays where it is: it only ever grows, so a test waiting after cursor N never sees
it go back and never mistakes an old event for a new one.

Pending deliveries and timers go with their rows, so nothing removed is retried or fires later.
A delivery whose attempt is under way when its row goes finishes that attempt and records
nothing (`webhooks.worker`). Stored attachment files are deleted once the removal commits.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from conversations.events import desk
from conversations.events.cursor import events_sequence
from conversations.models import Agent, Attachment, Autopilot, Channel, Conversation, Tenant, Timer
from gateway_sim.models import JournalEntry
from webhooks.models import Event, Webhook

logger = logging.getLogger(__name__)

ResetScope = Literal["conversations", "all"]

# Every per-tenant table a reset empties, by scope, in the order they are emptied: each a model
# and the lookup from it to its tenant. Rows that hang off these (messages, attachments,
# offers, deliveries and their attempts …) go with them. A new per-tenant table is one more
# line in the scope that should empty it.
CONVERSATION_TABLES: tuple[tuple[type[models.Model], str], ...] = (
    (Conversation, "tenant"),
    # Events outside a conversation (webhook verifications) and their deliveries.
    (Event, "tenant"),
    (Timer, "tenant"),
    # The API journal: after a reset, a test lists only its own calls.
    (JournalEntry, "tenant"),
)
CONFIGURATION_TABLES: tuple[tuple[type[models.Model], str], ...] = (
    # After the conversations: a channel cannot go while a conversation refers to it.
    (Channel, "tenant"),
    (Webhook, "tenant"),
    (Autopilot, "tenant"),
)
RESET_SCOPES: dict[str, tuple[tuple[type[models.Model], str], ...]] = {
    "conversations": CONVERSATION_TABLES,
    "all": CONVERSATION_TABLES + CONFIGURATION_TABLES,
}


@dataclass
class TenantReset:
    """What a reset did: rows removed per kind, agents whose status came back, the cursor."""

    scope: str
    removed: dict[str, int] = field(default_factory=dict)
    agents_restored: int = 0
    cursor: int = 0


def kind_name(model: type[models.Model]) -> str:
    """`DeliveryAttempt` -> `deliveryAttempts`: how a table is named in answers."""
    name = model.__name__
    plural = f"{name[:-1]}ies" if name.endswith("y") and name[-2:-1] not in "aeiou" else f"{name}s"
    return plural[0].lower() + plural[1:]


def _rows_remove(tenant: Tenant, scope: str) -> dict[str, int]:
    """Delete the scope's rows of `tenant` (inside the caller's transaction); counts per kind."""
    tables = RESET_SCOPES[scope]
    counts: Counter[str] = Counter({kind_name(model): 0 for model, _ in tables})
    files = [
        name
        for name in Attachment.objects.filter(conversation__tenant=tenant).values_list("file", flat=True)
        if name
    ]
    for model, lookup in tables:
        _, per_label = model._default_manager.filter(**{lookup: tenant}).delete()
        for label, count in per_label.items():
            removed = _model_of(label)
            # Link tables of many-to-many fields (a message's attachments) are not a kind.
            if removed is not None and not removed._meta.auto_created:
                counts[kind_name(removed)] += count
    transaction.on_commit(lambda: _files_delete(files))
    return dict(sorted(counts.items()))


def _model_of(label: str) -> type[models.Model] | None:
    app_label, _, name = label.partition(".")
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _files_delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as exc:
            # The rows are gone; a file left behind only takes space.
            logger.warning("attachment file %s not deleted: %s", name, exc)


def tenant_reset(*, tenant: Tenant, scope: ResetScope = "conversations") -> TenantReset:
    """Empty the tenant's scope, put its agents back in their configured status, and make
    every open desk of the tenant reload what it shows."""
    with transaction.atomic():
        # One reset of a tenant at a time; the cursor's sequencing waits for it too.
        # The cursor counts only events that were given a position (read by someone); those
        # removed before that had none, so the next event still comes after every position seen.
        Tenant.objects.select_for_update().get(pk=tenant.pk)
        result = TenantReset(scope=scope, removed=_rows_remove(tenant, scope))
        agents = Agent.objects.filter(tenant=tenant)
        result.agents_restored = agents.exclude(status=models.F("configured_status")).update(
            status=models.F("configured_status"), last_idle_at=timezone.now()
        )
        desk.push_desks_reload(agents.values_list("pk", flat=True))
    result.cursor = events_sequence(tenant.pk)
    return result


def tenant_delete(*, tenant: Tenant) -> dict[str, int]:
    """Remove the tenant with everything it holds (inside the caller's transaction)."""
    removed = _rows_remove(tenant, "all")
    tenant.delete()
    return removed


def tenant_counts(tenant: Tenant) -> dict[str, int]:
    """How much the tenant holds (webhooks and channels: those not deleted)."""
    return {
        "conversations": Conversation.objects.filter(tenant=tenant).count(),
        "queues": tenant.queues.count(),
        "agents": tenant.agents.count(),
        "webhooks": Webhook.objects.filter(tenant=tenant, is_deleted=False).count(),
        "channels": Channel.objects.filter(tenant=tenant, is_deleted=False).count(),
    }
