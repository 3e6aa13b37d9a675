"""Concurrent changes to one chat never deadlock, never break a constraint, never 500.

Each scenario releases two services at the same moment, many times, on PostgreSQL (row
locks and real concurrency; SQLite serialises writers). Either may win; the other gets a
domain error or nothing, never a database error.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from conversations.models import AgentStatus, ConversationState, Offer, OfferStatus
from conversations.services.agents import agent_set_status
from conversations.services.lifecycle import conversation_create, conversation_update, conversation_user_leave
from conversations.services.offers import offer_accept
from gateway_sim.domain_errors import DomainError
from tests.factories import World, world_create

TRIALS = 15

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency scenarios run on PostgreSQL (set DATABASE_URL)")


def together(*actions: Callable[[], object]) -> list[str]:
    """Run the actions at the same moment; each outcome is 'ok', 'domain: …' or the error."""
    barrier = threading.Barrier(len(actions))
    outcomes = ["not run"] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=5)
            action()
            outcomes[index] = "ok"
        except DomainError as exc:
            outcomes[index] = f"domain: {exc.message}"
        except Exception as exc:
            outcomes[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def queued_chat(world: World):  # type: ignore[no-untyped-def]
    conversation = conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Kim"})
    offer = Offer.objects.filter(interaction__conversation=conversation, status=OfferStatus.PENDING).first()
    return conversation, offer


def only_domain_errors(outcomes: list[str]) -> None:
    assert all(o == "ok" or o.startswith("domain: ") for o in outcomes), outcomes


def test_accepting_while_the_user_leaves() -> None:
    world = world_create()
    agent = world.agent(capacity=TRIALS)
    for _ in range(TRIALS):
        conversation, offer = queued_chat(world)

        outcomes = together(
            lambda offer=offer: offer_accept(offer_id=offer.id, agent=agent),
            lambda conversation=conversation: conversation_user_leave(conversation=conversation),
        )

        only_domain_errors(outcomes)
        conversation.refresh_from_db()
        assert conversation.state == ConversationState.IDLE
        assert not conversation.interactions.open().exists()


def test_accepting_while_the_chat_is_moved_to_another_queue() -> None:
    world = world_create()
    agent = world.agent(capacity=TRIALS)
    for _ in range(TRIALS):
        conversation, offer = queued_chat(world)

        outcomes = together(
            lambda offer=offer: offer_accept(offer_id=offer.id, agent=agent),
            lambda conversation=conversation: conversation_update(
                conversation=conversation, assignment={"type": "queue", "id": world.support.public_id}
            ),
        )

        only_domain_errors(outcomes)
        conversation.refresh_from_db()
        assert conversation.queue == world.support
        assert conversation.assignment_type == "queue"


def test_accepting_while_the_agent_goes_away() -> None:
    world = world_create()
    for _ in range(TRIALS):
        agent = world.agent()
        conversation, offer = queued_chat(world)
        assert offer is not None
        assert offer.agent == agent

        outcomes = together(
            lambda offer=offer, agent=agent: offer_accept(offer_id=offer.id, agent=agent),
            lambda agent=agent: agent_set_status(agent=agent, status=AgentStatus.AWAY),
        )

        only_domain_errors(outcomes)
        offer.refresh_from_db()
        assert offer.status in {OfferStatus.ACCEPTED, OfferStatus.CANCELLED}
        conversation_user_leave(conversation=conversation)


def test_two_agents_becoming_available_offer_a_waiting_chat_once() -> None:
    world = world_create()
    for _ in range(TRIALS):
        anna = world.agent(status=AgentStatus.OFFLINE)
        bruno = world.agent(status=AgentStatus.OFFLINE)
        conversation, offer = queued_chat(world)
        assert offer is None

        outcomes = together(
            lambda anna=anna: agent_set_status(agent=anna, status=AgentStatus.AVAILABLE),
            lambda bruno=bruno: agent_set_status(agent=bruno, status=AgentStatus.AVAILABLE),
        )

        assert outcomes == ["ok", "ok"]
        assert (
            Offer.objects.filter(interaction__conversation=conversation, status=OfferStatus.PENDING).count()
            == 1
        )
        conversation_user_leave(conversation=conversation)
        for agent in (anna, bruno):
            agent_set_status(agent=agent, status=AgentStatus.OFFLINE)
