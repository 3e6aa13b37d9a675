"""v2 conversations: create with a flat customer, read, list with filters, participants, leave."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import ApiFlavour, Conversation, ConversationState, InteractionStatus
from conversations.services.lifecycle import conversation_create, conversation_user_leave
from conversations.services.offers import offer_accept
from tests.factories import ChannelFactory
from tests.helpers import event_summary, events_of
from tests.legacy.conftest import LegacyWorld

CUSTOMER = {
    "name": "James Jones",
    "email": "james@example.com",
    "customerId": "crm-42",
    "company": "Acme",
    "caseId": "case-7",
    "language": "en",
    "cognigyUserId": "u-1",
    "cognigySessionId": "s-1",
}


def create(legacy: LegacyWorld, **overrides):  # type: ignore[no-untyped-def]
    body = {"channelId": legacy.channel.id, "customer": dict(CUSTOMER), **overrides}
    return legacy.api.post("/conversations", body)


def iso(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_it_creates_a_conversation_routed_through_the_channels_queue(legacy: LegacyWorld) -> None:
    moment = timezone.now().replace(microsecond=250000)
    history = {
        "messages": [{"type": "user", "text": "Hi"}, {"type": "bot", "text": "Connecting you"}, {"text": "!"}]
    }

    with time_machine.travel(moment, tick=False):
        response = create(legacy, history=history)

    assert response.status_code == 202
    conversation = Conversation.objects.get()
    assert response.json() == {"conversationId": conversation.id, "timestamp": int(moment.timestamp() * 1000)}
    assert conversation.api == ApiFlavour.LEGACY
    assert conversation.channel == legacy.channel
    assert conversation.legacy_customer == CUSTOMER
    assert conversation.user == {
        "name": "James Jones",
        "email": "james@example.com",
        "userId": "crm-42",
        "company": "Acme",
        "caseId": "case-7",
        "language": "en",
        "additionalProperties": [
            {"key": "cognigyUserId", "value": "u-1"},
            {"key": "cognigySessionId", "value": "s-1"},
        ],
    }
    assert conversation.user_participant_id == "crm-42"
    assert conversation.interactions.get().queue == legacy.world.sales
    assert list(conversation.messages.values_list("author_type", "text", "is_history")) == [
        ("user", "Hi", True),
        ("bot", "Connecting you", True),
        ("user", "!", True),
    ]
    assert [event_summary(e) for e in events_of(conversation)][-1] == ("QUEUED", legacy.world.sales.public_id)


def test_customer_values_are_kept_as_strings_and_nulls_dropped(legacy: LegacyWorld) -> None:
    response = create(legacy, customer={"name": "N", "accountNumber": 1234, "vip": True, "note": None})

    assert response.status_code == 202
    assert Conversation.objects.get().legacy_customer == {"name": "N", "accountNumber": "1234", "vip": "true"}


def test_sender_name_names_the_customer_when_name_is_missing(legacy: LegacyWorld) -> None:
    create(legacy, customer={"senderName": "Jo"})

    conversation = Conversation.objects.get()
    assert conversation.user["name"] == "Jo"
    assert conversation.display_name == "Jo"


def test_gateway_style_history_items_are_understood(legacy: LegacyWorld) -> None:
    create(legacy, history={"messages": [{"authorType": "bot", "text": "Hello"}]})

    assert list(Conversation.objects.get().messages.values_list("author_type", "text")) == [("bot", "Hello")]


def test_history_types_beyond_bot_and_user_are_kept_as_the_client_sent_them(legacy: LegacyWorld) -> None:
    # A published client labels its bot's quick-reply turns "bot Options:"; 8x8's `type` is an
    # extensible enum, so the hand-over must not fail on it.
    messages = [
        {"type": "user", "text": "Hi"},
        {"type": "bot Options:", "text": "Sales | Support"},
        {"text": "Support"},
        {"type": "", "text": "Please"},
    ]

    response = create(legacy, history={"messages": messages})

    assert response.status_code == 202
    conversation = Conversation.objects.get(pk=response.json()["conversationId"])
    interaction = conversation.interactions.get()
    listed = legacy.api.get(f"/conversations/{conversation.id}/messages")
    assert listed.json() == {
        "messages": [
            {
                "interactionId": interaction.id,
                "originalText": text,
                "translatedText": text,
                "authorType": author_type,
                "participantId": participant_id,
            }
            for text, author_type, participant_id in [
                ("Hi", "user", "crm-42"),
                ("Sales | Support", "bot Options:", legacy.webhook.id),
                ("Support", "user", "crm-42"),
                ("Please", "user", "crm-42"),
            ]
        ]
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, ["channelId: May not be empty.", "customer: May not be empty."]),
        (
            {"channelId": "", "customer": "James"},
            ["channelId: May not be empty.", "customer: Must be a JSON object of string values."],
        ),
        (
            {"customer": {"email": "not-an-email", "name": "x" * 257, "tags": ["a"]}},
            [
                "channelId: May not be empty.",
                "customer.tags: Must be a string.",
                "customer.name: Ensure this field has no more than 256 characters.",
                "customer.email: Must be a well-formed email address.",
            ],
        ),
        (
            {"channelId": "c", "customer": {"language": "x" * 17, "customerId": "x" * 129}},
            [
                "customer.language: Ensure this field has no more than 16 characters.",
                "customer.customerId: Ensure this field has no more than 128 characters.",
            ],
        ),
        (
            {"customer": {f"k{i}": "v" for i in range(31)}},
            ["channelId: May not be empty.", "customer: May hold at most 30 properties."],
        ),
        (
            {"customer": {}, "history": {"messages": [{"type": "agent", "text": "x"}, {}]}},
            [
                "channelId: May not be empty.",
                "history.messages[0].type: Must not be agent: only the contact center speaks as agent.",
                "history.messages[1].text: May not be empty.",
            ],
        ),
        (
            {"channelId": "c", "customer": {}, "history": {"messages": [{"type": "system", "text": "x"}]}},
            ["history.messages[0].type: Must not be system: only the contact center speaks as system."],
        ),
        (
            {"channelId": "c", "customer": {}, "history": {"messages": [{"type": "b" * 65, "text": "x"}]}},
            ["history.messages[0].type: May hold at most 64 characters."],
        ),
        (
            {"channelId": "c", "customer": {}, "history": {"messages": [{"type": None, "text": "x"}]}},
            ["history.messages[0].type: May not be null."],
        ),
        (
            {"customer": {}, "history": {"messages": [{"text": "x"}] * 201}},
            ["channelId: May not be empty.", "history.messages: May hold at most 200 messages."],
        ),
    ],
)
def test_invalid_bodies_are_constraint_violations_and_store_nothing(
    legacy: LegacyWorld,
    body: dict,
    errors: list[str],  # type: ignore[type-arg]
) -> None:
    response = legacy.api.post("/conversations", body)

    assert response.status_code == 400
    assert response.json() == {"message": "Constraint Violation", "errors": errors}
    assert not Conversation.objects.exists()


@override_settings(SANDBOX_MAX_MESSAGE_TEXT_LENGTH=10)
def test_a_history_text_over_the_length_limit_is_a_constraint_violation(legacy: LegacyWorld) -> None:
    history = {"messages": [{"text": "Hello"}, {"text": "x" * 11}]}

    response = legacy.api.post(
        "/conversations", {"channelId": legacy.channel.id, "customer": {}, "history": history}
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": ["history.messages[1].text: Ensure this field has no more than 10 characters."],
    }
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("channel", ["unknown", "gateway"])
def test_an_unknown_or_gateway_channel_is_a_constraint_violation(legacy: LegacyWorld, channel: str) -> None:
    channel_id = legacy.world.channel.id if channel == "gateway" else "unknown"

    response = legacy.api.post("/conversations", {"channelId": channel_id, "customer": {"name": "N"}})

    assert response.status_code == 400
    assert response.json() == {
        "message": "Constraint Violation",
        "errors": [f"channelId: Channel ID {channel_id} is invalid."],
    }
    assert not Conversation.objects.exists()


def test_it_reads_a_conversation_with_its_customer_and_interactions(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent()
    conversation_id = create(legacy).json()["conversationId"]
    conversation = Conversation.objects.get(pk=conversation_id)
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    conversation_user_leave(conversation=conversation)
    interaction = conversation.interactions.get()

    response = legacy.api.get(f"/conversations/{conversation_id}")

    assert response.status_code == 200
    assert response.json() == {
        "id": conversation_id,
        "channelId": legacy.channel.id,
        "customer": CUSTOMER,
        "startTime": iso(conversation.created_at),
        "interactions": [
            {
                "id": interaction.id,
                "startTime": iso(interaction.started_at),
                "endTime": iso(interaction.ended_at),
            }
        ],
    }


def test_an_open_interaction_has_no_end_time(legacy: LegacyWorld) -> None:
    conversation_id = create(legacy).json()["conversationId"]

    interactions = legacy.api.get(f"/conversations/{conversation_id}").json()["interactions"]

    assert list(interactions[0]) == ["id", "startTime"]


def test_a_gateway_conversation_is_not_found_on_v2(legacy: LegacyWorld) -> None:
    gateway = conversation_create(tenant=legacy.world.tenant, channel_id=legacy.world.channel.id, user={})

    for path in ["", "/participants", "/messages", "/participants/customer"]:
        method = legacy.api.delete if path == "/participants/customer" else legacy.api.get
        response = method(f"/conversations/{gateway.id}{path}")

        assert response.status_code == 404
        assert response.json() == {
            "message": f"Resource of type Conversation with id {gateway.id} was not found.",
            "errors": [f"Entity of type Conversation with id {gateway.id} was not found."],
        }


def test_participants_lists_everyone_who_joined(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent(languages=["en"])
    conversation_id = create(legacy).json()["conversationId"]
    conversation = Conversation.objects.get(pk=conversation_id)
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)
    conversation_user_leave(conversation=conversation)

    response = legacy.api.get(f"/conversations/{conversation_id}/participants")

    assert response.status_code == 200
    assert response.json() == {
        "participants": [
            {"id": "crm-42", "type": "user", "language": "en"},
            {"id": agent.public_id, "type": "agent", "language": "en"},
        ]
    }


def test_the_customer_leaving_ends_the_interaction_and_frees_the_agent(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent()
    conversation_id = create(legacy).json()["conversationId"]
    conversation = Conversation.objects.get(pk=conversation_id)
    offer_accept(offer_id=conversation.interactions.get().offers.get().id, agent=agent)

    response = legacy.api.delete(f"/conversations/{conversation_id}/participants/customer")

    assert response.status_code == 204
    assert response.content == b""
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.IDLE
    assert conversation.agent is None
    assert conversation.interactions.get().status == InteractionStatus.ENDED
    # Leaving twice is harmless.
    assert legacy.api.delete(f"/conversations/{conversation_id}/participants/customer").status_code == 204


class TestListing:
    @pytest.fixture
    def three(self, legacy: LegacyWorld) -> list[str]:
        """Three conversations a minute apart: one waiting, one with an agent, one ended."""
        other_channel = ChannelFactory(
            tenant=legacy.world.tenant,
            webhook=legacy.webhook,
            routing_queue=legacy.world.support,
            api=ApiFlavour.LEGACY,
        )
        agent = legacy.world.agent(queues=[legacy.world.sales])
        start = timezone.now()
        ids = []
        customers = [
            {"name": "Ann", "email": "ann@example.com", "customerId": "c-1", "tier": "gold"},
            {"name": "Bob", "email": "bob@example.com", "customerId": "c-2", "tier": "silver"},
            {"name": "Cy", "email": "cy@example.com", "customerId": "c-3", "tier": "gold"},
        ]
        for index, customer in enumerate(customers):
            channel = other_channel if index == 2 else legacy.channel
            with time_machine.travel(start + timedelta(minutes=index), tick=False):
                ids.append(create(legacy, channelId=channel.id, customer=customer).json()["conversationId"])
        first, second = (Conversation.objects.get(pk=pk) for pk in ids[:2])
        offer_accept(offer_id=first.interactions.get().offers.get().id, agent=agent)
        conversation_user_leave(conversation=first)
        offer_accept(offer_id=second.interactions.get().offers.get().id, agent=agent)
        # A Gateway conversation of the same tenant never shows on v2.
        conversation_create(tenant=legacy.world.tenant, channel_id=legacy.world.channel.id, user={})
        return ids

    def listed(self, legacy: LegacyWorld, **query: str) -> list[str]:
        response = legacy.api.get("/conversations", query)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["data"]]

    def test_it_lists_v2_conversations_oldest_first_with_a_bounded_number_of_queries(
        self, legacy: LegacyWorld, three: list[str]
    ) -> None:
        with CaptureQueriesContext(connection) as queries:
            response = legacy.api.get("/conversations")

        body = response.json()
        assert [item["id"] for item in body["data"]] == three
        assert body["page"] == {"pageSize": 20, "pageIndex": 0, "elementCount": 3, "pageCount": 1}
        assert body["data"][0]["customer"] == {
            "name": "Ann",
            "email": "ann@example.com",
            "customerId": "c-1",
            "tier": "gold",
        }
        # token, tenant, count, page, interactions
        assert len(queries) == 5

    def test_order_desc_lists_newest_first(self, legacy: LegacyWorld, three: list[str]) -> None:
        assert self.listed(legacy, order="desc") == three[::-1]

    def test_it_filters_by_channel(self, legacy: LegacyWorld, three: list[str]) -> None:
        assert self.listed(legacy, **{"channel-id": legacy.channel.id}) == three[:2]

    @pytest.mark.parametrize(
        ("status", "expected"),
        [("all", [0, 1, 2]), ("pending", [2]), ("handling", [1]), ("deleted", [0]), ("created", [])],
    )
    def test_it_filters_by_status(
        self, legacy: LegacyWorld, three: list[str], status: str, expected: list[int]
    ) -> None:
        assert self.listed(legacy, status=status) == [three[i] for i in expected]

    def test_it_filters_by_user_id_and_customer_keys(self, legacy: LegacyWorld, three: list[str]) -> None:
        assert self.listed(legacy, userId="c-2") == [three[1]]
        assert self.listed(legacy, **{"customer.email": "cy@example.com"}) == [three[2]]
        assert self.listed(legacy, **{"customer.tier": "gold"}) == [three[0], three[2]]
        assert self.listed(legacy, **{"customer.tier": "gold", "customer.name": "Ann"}) == [three[0]]
        assert self.listed(legacy, **{"customer.missing": "x"}) == []

    def test_unknown_status_or_order_is_a_constraint_violation(self, legacy: LegacyWorld) -> None:
        response = legacy.api.get("/conversations", {"status": "open", "order": "up"})

        assert response.status_code == 400
        assert response.json() == {
            "message": "Constraint Violation",
            "errors": [
                "status: Must be one of all, created, pending, handling, deleted.",
                "order: Must be asc or desc.",
            ],
        }
