"""Queues as services name them: by their public id within a tenant."""

from conversations.models import Queue, Tenant
from gateway_sim.domain_errors import InvalidReference


def queue_resolve(tenant: Tenant | str, queue_id: str) -> Queue:
    tenant_id = tenant if isinstance(tenant, str) else tenant.id
    queue = Queue.objects.filter(tenant_id=tenant_id, public_id=queue_id.strip()).first()
    if queue is None:
        raise InvalidReference(
            f"Queue ID {queue_id} is invalid.", code="invalid_queue", field="assignment.id"
        )
    return queue
