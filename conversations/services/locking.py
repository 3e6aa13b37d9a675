"""Locking a conversation before changing it."""

from django.db import connection

from conversations import store
from conversations.models import Conversation
from gateway_sim.domain_errors import NotFound


def conversation_lock(conversation_id: str, *, tenant_id: str | None = None) -> Conversation:
    """Fetch a conversation and lock its row until the end of the transaction.

    Every service that changes a conversation takes this lock first, so concurrent changes
    to one conversation (API calls, agent actions, timers) are applied one after another
    and their events keep a strict order.
    """
    # On PostgreSQL, lock by primary key alone, then load the related rows: a locking query
    # with joins would re-check the joins against a concurrent writer's new row version and
    # hand back stale related objects. SQLite transactions here are BEGIN IMMEDIATE: the
    # write lock is already held.
    if connection.vendor == "postgresql" and not store.conversation_row_lock(conversation_id):
        raise NotFound("Conversation", conversation_id)
    conversation = store.conversation_load(conversation_id, tenant_id=tenant_id)
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    return conversation
