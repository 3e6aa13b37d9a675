"""Two agents accept the same offer at the same moment: exactly one wins, every time.

Runs on PostgreSQL only (row locks and real concurrency); skipped on SQLite, which
serialises writers anyway.
"""

import threading

import pytest
from django.db import connection, connections

from conversations.models import Offer, OfferStatus
from conversations.services.lifecycle import conversation_create
from conversations.services.offers import offer_accept
from gateway_sim.domain_errors import OfferUnavailable
from tests.factories import world_create

TRIALS = 50

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the accept race runs on PostgreSQL (set DATABASE_URL)")


def test_exactly_one_of_two_concurrent_accepts_wins() -> None:
    world = world_create()
    anna = world.agent(capacity=TRIALS)
    bruno = world.agent(capacity=TRIALS)
    winners: list[str] = []

    for _ in range(TRIALS):
        conversation = conversation_create(
            tenant=world.tenant, channel_id=world.channel.id, user={"name": "Race"}
        )
        offer = Offer.objects.get(interaction__conversation=conversation, status=OfferStatus.PENDING)
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def accept(agent, outcomes=outcomes, barrier=barrier, offer_id=offer.id):  # type: ignore[no-untyped-def]
            try:
                barrier.wait(timeout=5)
                offer_accept(offer_id=offer_id, agent=agent)
                outcomes[agent.public_id] = "won"
            except OfferUnavailable as exc:
                outcomes[agent.public_id] = f"lost: {exc.message}"
            finally:
                connections.close_all()

        threads = [threading.Thread(target=accept, args=(agent,)) for agent in (anna, bruno)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)

        won = [agent for agent, result in outcomes.items() if result == "won"]
        lost = [result for result in outcomes.values() if result != "won"]
        assert len(won) == 1, outcomes
        assert lost == ["lost: This chat was already accepted by another agent."], outcomes
        conversation.refresh_from_db()
        assert conversation.assignment_id == won[0]
        assert conversation.events.filter(type="MEMBERS_CHANGED").count() == 1
        winners.extend(won)

    assert len(winners) == TRIALS
