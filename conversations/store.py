"""Plain-SQL reads and writes of the domain's rows, for the paths run once per request or message.

Django's ORM spends about 0.3 ms of CPU building each query, several times what the database
spends answering a primary-key lookup or a one-row insert; these run for every API call or
every message (the key check, the conversation's load and lock, the message, its event), so
they use `gateway_sim.db.rows.Table` and return ordinary model instances. Everything else
uses the ORM.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from django.db import connection

from conversations.models import (
    Agent,
    ApiKey,
    Channel,
    Conversation,
    Interaction,
    InteractionStatus,
    Message,
    Queue,
    Script,
    Tenant,
)
from gateway_sim.db.rows import Table
from webhooks.models import Event, Webhook

_TENANTS = Table.of(Tenant)
# The key's customer and its tenants: the one named (AND t.id = %s), or the oldest two.
_KEY_TENANTS_SQL = (
    f"SELECT k.customer_id, {_TENANTS.columns('t')} FROM {ApiKey._meta.db_table} k"
    f" LEFT JOIN {_TENANTS.name} t ON t.customer_id = k.customer_id{{named}}"
    " WHERE k.key = %s ORDER BY t.created_at LIMIT 2"
)
_ANY_TENANT_SQL = _KEY_TENANTS_SQL.format(named="")
_NAMED_TENANT_SQL = _KEY_TENANTS_SQL.format(named=" AND t.id = %s")


def key_tenants(key: str, tenant_id: str | None) -> tuple[str, list[Tenant]] | None:
    """(the key's customer id, its tenants as above), or None when the key is unknown."""
    with connection.cursor() as cursor:
        if tenant_id is None:
            cursor.execute(_ANY_TENANT_SQL, [key])
        else:
            cursor.execute(_NAMED_TENANT_SQL, [tenant_id, key])
        rows = cursor.fetchall()
    if not rows:
        return None
    tenants = [tenant for row in rows if (tenant := _TENANTS.from_row(row, 1)) is not None]
    return rows[0][0], tenants


# A conversation with everything the services read of it, in one query: its channel and
# the channel's webhook, its tenant, and the queue, agent and script it is with.
_CONVERSATIONS = Table.of(Conversation)
_CHANNELS = Table.of(Channel)
_WEBHOOKS = Table.of(Webhook)
_QUEUES = Table.of(Queue)
_AGENTS = Table.of(Agent)
_SCRIPTS = Table.of(Script)
_CONVERSATION_SQL = (
    f"SELECT {_CONVERSATIONS.columns('c')}, {_CHANNELS.columns('ch')}, {_WEBHOOKS.columns('w')},"
    f" {_TENANTS.columns('t')}, {_QUEUES.columns('q')}, {_AGENTS.columns('a')}, {_SCRIPTS.columns('s')}"
    f" FROM {_CONVERSATIONS.name} c"
    f" JOIN {_CHANNELS.name} ch ON ch.id = c.channel_id"
    f" LEFT JOIN {_WEBHOOKS.name} w ON w.id = ch.webhook_id"
    f" JOIN {_TENANTS.name} t ON t.id = c.tenant_id"
    f" LEFT JOIN {_QUEUES.name} q ON q.id = c.queue_id"
    f" LEFT JOIN {_AGENTS.name} a ON a.id = c.agent_id"
    f" LEFT JOIN {_SCRIPTS.name} s ON s.id = c.script_id"
    " WHERE c.id = %s"
)
_CONVERSATION_ALONE_SQL = f"SELECT {_CONVERSATIONS.columns('c')} FROM {_CONVERSATIONS.name} c WHERE c.id = %s"
_LOCK_SQL = f"SELECT 1 FROM {_CONVERSATIONS.name} WHERE id = %s FOR UPDATE"


def conversation_load(
    conversation_id: str, *, tenant_id: str | None = None, api: str | None = None, related: bool = True
) -> Conversation | None:
    """The conversation with its channel (and webhook), tenant, queue, agent and script
    loaded (only its own row without `related`), or None; `tenant_id` and `api` narrow
    the lookup."""
    sql, params = (_CONVERSATION_SQL if related else _CONVERSATION_ALONE_SQL), [conversation_id]
    if tenant_id is not None:
        sql, params = sql + " AND c.tenant_id = %s", [*params, tenant_id]
    if api is not None:
        sql, params = sql + " AND c.api = %s", [*params, api]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if not related:
        return _CONVERSATIONS.from_row(row)
    tables: list[Table[Any]] = [_CONVERSATIONS, _CHANNELS, _WEBHOOKS, _TENANTS, _QUEUES, _AGENTS, _SCRIPTS]
    objects = []
    start = 0
    for table in tables:
        objects.append(table.from_row(row, start))
        start += table.width
    # Inner joins: the conversation, its channel and its tenant are always there.
    conversation, channel, tenant = (
        cast(Conversation, objects[0]),
        cast(Channel, objects[1]),
        cast(Tenant, objects[3]),
    )
    webhook, queue, agent, script = objects[2], *objects[4:]
    channel.webhook = webhook
    conversation.channel = channel
    conversation.tenant = tenant
    conversation.queue = queue
    conversation.agent = agent
    conversation.script = script
    return conversation


def conversation_row_lock(conversation_id: str) -> bool:
    """`SELECT … FOR UPDATE` of the conversation's row alone (PostgreSQL); whether it exists."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [conversation_id])
        return cursor.fetchone() is not None


def conversation_row_update(conversation_id: str, **values: Any) -> None:
    _CONVERSATIONS.update(conversation_id, **values)


_MESSAGES = Table.of(Message)
_OPEN_INTERACTION_SQL = (
    f"SELECT id FROM {Interaction._meta.db_table} WHERE conversation_id = %s AND status <> %s LIMIT 1"
)


def open_interaction_id(conversation_id: str) -> str | None:
    """The conversation's open interaction (there is at most one)."""
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_INTERACTION_SQL, [conversation_id, InteractionStatus.ENDED.value])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def message_insert(message: Message) -> Message:
    return _MESSAGES.insert(message)


_EVENTS = Table.of(Event)


def event_insert(
    conversation: Conversation, *, event_type: str, payload: Mapping[str, Any], moment: datetime
) -> Event:
    """The conversation's next event (its position in the conversation comes with it)."""
    sequence = conversation.next_event_seq()
    conversation_row_update(conversation.pk, event_seq=sequence)
    return _EVENTS.insert(
        Event(
            tenant_id=conversation.tenant_id,
            conversation=conversation,
            type=event_type,
            sequence=sequence,
            payload=payload,
            created_at=moment,
        )
    )
