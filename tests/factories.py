"""Factories for the domain: a complete tenant (queues, agents, webhook, channel) per test."""

from dataclasses import dataclass
from typing import Any

import factory

from conversations.models import (
    Agent,
    AgentStatus,
    ApiKey,
    Channel,
    Customer,
    LegacyCredential,
    Queue,
    Script,
    Tenant,
)
from webhooks.models import Webhook


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    id = factory.Sequence(lambda n: f"customer-{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    id = factory.Sequence(lambda n: f"tenant-{n}")
    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Tenant {n}")


class ApiKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiKey

    customer = factory.SubFactory(CustomerFactory)


class LegacyCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegacyCredential

    customer = factory.SubFactory(CustomerFactory)


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    tenant = factory.SubFactory(TenantFactory)
    public_id = factory.Sequence(lambda n: str(100 + n))
    name = factory.Sequence(lambda n: f"Queue {n}")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    tenant = factory.SubFactory(TenantFactory)
    public_id = factory.Sequence(lambda n: f"agent-{n}")
    name = factory.Sequence(lambda n: f"Agent {n}")
    languages = factory.LazyFunction(lambda: ["en"])
    status = AgentStatus.AVAILABLE
    capacity = 3


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webhook

    tenant = factory.SubFactory(TenantFactory)
    name = "Integration webhook"
    uri = "http://127.0.0.1:9/hook"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    tenant = factory.SubFactory(TenantFactory)
    name = "Chat API channel"
    webhook = factory.SubFactory(WebhookFactory, tenant=factory.SelfAttribute("..tenant"))


class ScriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Script

    tenant = factory.SubFactory(TenantFactory)
    public_id = factory.Sequence(lambda n: f"script-{n}")
    name = "Menu"
    definition = factory.LazyFunction(dict)


@dataclass
class World:
    """A tenant with two queues, agents, a webhook and a channel routed to `sales`."""

    tenant: Tenant
    api_key: ApiKey
    sales: Queue
    support: Queue
    webhook: Webhook
    channel: Channel

    def agent(self, **kwargs: Any) -> Agent:
        queues = kwargs.pop("queues", [self.sales])
        agent = AgentFactory(tenant=self.tenant, **kwargs)
        for queue in queues:
            queue.agents.add(agent)
        return agent


def world_create(**webhook_kwargs: Any) -> World:
    tenant = TenantFactory()
    sales = QueueFactory(tenant=tenant, name="Sales")
    support = QueueFactory(tenant=tenant, name="Support")
    webhook = WebhookFactory(tenant=tenant, **webhook_kwargs)
    channel = ChannelFactory(tenant=tenant, webhook=webhook, routing_queue=sales)
    return World(
        tenant=tenant,
        api_key=ApiKeyFactory(customer=tenant.customer),
        sales=sales,
        support=support,
        webhook=webhook,
        channel=channel,
    )
