"""Queues as services name them (by their public id within a tenant), and their upkeep."""

from django.db import transaction
from django.utils import timezone

from conversations.models import Agent, Channel, Interaction, Queue, Script, Tenant
from conversations.services.routing import agent_offers_withdraw, routing_dispatch
from gateway_sim.domain_errors import AlreadyExists, InvalidReference, NotFound, ResourceInUse

NAME_MAX = 256
PUBLIC_ID_MAX = 64
# Seeded and generated queue ids are numbers from here on, as 8x8's are.
FIRST_PUBLIC_ID = 100


def queue_resolve(tenant: Tenant | str, queue_id: str) -> Queue:
    tenant_id = tenant if isinstance(tenant, str) else tenant.id
    queue = Queue.objects.filter(tenant_id=tenant_id, public_id=queue_id.strip()).first()
    if queue is None:
        raise InvalidReference(
            f"Queue ID {queue_id} is invalid.", code="invalid_queue", field="assignment.id"
        )
    return queue


def queue_get(tenant: Tenant, queue_id: str) -> Queue:
    """The queue a request's path names: unknown here (or another tenant's) is a 404."""
    queue = Queue.objects.filter(tenant=tenant, public_id=queue_id.strip()).first()
    if queue is None:
        raise NotFound("Queue", queue_id)
    return queue


def _members(tenant: Tenant, agent_ids: list[str]) -> list[Agent]:
    wanted = list(dict.fromkeys(agent_id.strip() for agent_id in agent_ids))
    found = {agent.public_id: agent for agent in Agent.objects.filter(tenant=tenant, public_id__in=wanted)}
    missing = [agent_id for agent_id in wanted if agent_id not in found]
    if missing:
        raise InvalidReference(f"Agent ID {missing[0]} is invalid.", code="invalid_agent", field="agentIds")
    return [found[agent_id] for agent_id in wanted]


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidReference("name is required.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidReference(f"name must be at most {NAME_MAX} characters.", field="name")
    return name


def _next_public_id(tenant: Tenant) -> str:
    numbers = [
        int(i) for i in Queue.objects.filter(tenant=tenant).values_list("public_id", flat=True) if i.isdigit()
    ]
    return str(max(numbers, default=FIRST_PUBLIC_ID - 1) + 1)


def queue_create(
    *, tenant: Tenant, name: str, public_id: str = "", agent_ids: list[str] | None = None
) -> Queue:
    """A new queue with the given members. Without `public_id` it takes the next free number."""
    name = _checked_name(name)
    public_id = public_id.strip()
    if len(public_id) > PUBLIC_ID_MAX or "/" in public_id:
        raise InvalidReference(
            f"publicId must be at most {PUBLIC_ID_MAX} characters, without '/'.", field="publicId"
        )
    with transaction.atomic():
        members = _members(tenant, agent_ids or [])
        if not public_id:
            public_id = _next_public_id(tenant)
        elif Queue.objects.filter(tenant=tenant, public_id=public_id).exists():
            raise AlreadyExists(f"Queue ID {public_id} already exists.", field="publicId")
        queue = Queue.objects.create(tenant=tenant, public_id=public_id, name=name)
        queue.agents.set(members)
        return queue


def queue_update(*, queue: Queue, name: str | None = None, agent_ids: list[str] | None = None) -> Queue:
    """Rename the queue and/or replace its members; new members are offered its waiting chats.

    An agent leaving the queue keeps their chats; their pending offers from it are withdrawn.
    """
    moment = timezone.now()
    with transaction.atomic():
        if name is not None:
            queue.name = _checked_name(name)
            queue.save(update_fields=["name"])
        if agent_ids is not None:
            members = _members(queue.tenant, agent_ids)
            for agent in queue.agents.exclude(pk__in=[member.pk for member in members]):
                agent_offers_withdraw(agent, moment=moment, queue_pks=[queue.pk])
            queue.agents.set(members)
            routing_dispatch(tenant_id=queue.tenant_id)
        return queue


def queue_holders(queue: Queue) -> list[str]:
    """What still routes chats to the queue, described for the person who wants it gone."""
    holders = []
    chats = list(
        Interaction.objects.open()
        .filter(queue=queue)
        .order_by("started_at")
        .values_list("conversation_id", "status")
    )
    waiting = [conversation_id for conversation_id, status in chats if status == "queued"]
    handled = [conversation_id for conversation_id, status in chats if status != "queued"]
    if waiting:
        holders.append(f"{len(waiting)} waiting chat(s) ({', '.join(waiting)})")
    if handled:
        holders.append(f"{len(handled)} active chat(s) ({', '.join(handled)})")
    channels = list(
        Channel.objects.filter(routing_queue=queue, is_deleted=False).values_list("id", flat=True)
    )
    if channels:
        holders.append(f"channel(s) routing to it ({', '.join(channels)})")
    scripts = [
        script.public_id
        for script in Script.objects.filter(tenant_id=queue.tenant_id)
        if any(
            str(option.get("queue", "")) == queue.public_id for option in script.definition.get("options", [])
        )
    ]
    if scripts:
        holders.append(f"script(s) routing to it ({', '.join(scripts)})")
    return holders


def queue_delete(*, queue: Queue) -> None:
    """Delete a queue nothing routes to any more; otherwise `ResourceInUse` says what does."""
    with transaction.atomic():
        queue = Queue.objects.select_for_update().get(pk=queue.pk)
        holders = queue_holders(queue)
        if holders:
            raise ResourceInUse(f"Queue {queue.public_id} is still in use: {'; '.join(holders)}.")
        queue.delete()
