"""The lifecycle as a state machine: each row of the event-sequence table, exactly."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conversations.models import (
    AgentStatus,
    ApiFlavour,
    ConversationState,
    InteractionStatus,
    Message,
    Participant,
)
from conversations.services.activity import agent_typing
from conversations.services.cards import card_action
from conversations.services.clock import timers_fire_due
from conversations.services.lifecycle import (
    conversation_create,
    conversation_end_by_agent,
    conversation_transfer,
    conversation_update,
    conversation_user_leave,
)
from conversations.services.messages import agent_message_send, message_post
from conversations.services.offers import offer_accept
from conversations.services.post_agent import post_agent_assignment_create
from gateway_sim.domain_errors import AlreadyExists, InvalidReference, InvalidTransition
from tests.factories import ScriptFactory, WebhookFactory, World
from tests.helpers import event_summary, events_of, last_sequence
from webhooks.models import WebhookVersion

USER = {"name": "James Jones", "email": "user@example.com", "language": "en"}


def create(world: World, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("user", dict(USER))
    kwargs.setdefault("assignment", {"type": "queue", "id": world.sales.public_id})
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, **kwargs)


def accepted(world: World, agent=None):  # type: ignore[no-untyped-def]
    agent = agent or world.agent()
    conversation = create(world)
    offer = conversation.interactions.get().offers.get()
    assert offer.agent == agent
    offer_accept(offer_id=offer.id, agent=agent)
    conversation.refresh_from_db()
    return conversation, agent


def summaries(conversation, since=0):  # type: ignore[no-untyped-def]
    return [event_summary(e) for e in events_of(conversation, since=since)]


def test_creating_with_a_queue_emits_created_active_queued(world: World) -> None:
    conversation = create(world)

    assert summaries(conversation) == [
        ("CONVERSATION_UPDATE", "created", "queue", world.sales.public_id),
        ("CONVERSATION_UPDATE", "active", "queue", world.sales.public_id),
        ("QUEUED", world.sales.public_id),
    ]
    assert conversation.state == ConversationState.ACTIVE
    interaction = conversation.interactions.get()
    assert interaction.status == InteractionStatus.QUEUED
    assert interaction.queue == world.sales


def test_creating_without_assignment_uses_the_channels_queue(world: World) -> None:
    conversation = create(world, assignment=None)

    assert summaries(conversation)[-1] == ("QUEUED", world.sales.public_id)


def test_creating_into_an_unknown_queue_is_rejected_and_stores_nothing(world: World) -> None:
    with pytest.raises(InvalidReference) as error:
        create(world, assignment={"type": "queue", "id": "999"})

    assert error.value.code == "invalid_queue"
    assert error.value.message == "Queue ID 999 is invalid."
    assert not world.tenant.conversations.exists()


def test_agent_is_not_an_input_assignment_type(world: World) -> None:
    with pytest.raises(InvalidReference):
        create(world, assignment={"type": "agent", "id": "agent-1"})


def test_history_is_stored_as_messages_without_events(world: World) -> None:
    history = [{"authorType": "user", "text": "Hi"}, {"authorType": "bot", "text": "Connecting you"}]
    conversation = create(world, history=history)

    texts = list(conversation.messages.values_list("author_type", "text", "is_history"))
    assert texts == [("user", "Hi", True), ("bot", "Connecting you", True)]
    assert [e["eventType"] for e in events_of(conversation)] == [
        "CONVERSATION_UPDATE",
        "CONVERSATION_UPDATE",
        "QUEUED",
    ]


def test_accepting_emits_agent_joined_then_assignment_agent(world: World) -> None:
    agent = world.agent()
    conversation = create(world)
    since = last_sequence(conversation)
    offer = conversation.interactions.get().offers.get()

    offer_accept(offer_id=offer.id, agent=agent)

    assert summaries(conversation, since) == [
        ("MEMBERS_CHANGED", "agent", "joined", agent.public_id),
        ("CONVERSATION_UPDATE", "active", "agent", agent.public_id),
    ]
    assert Participant.objects.filter(conversation=conversation, type="agent", removed=False).count() == 1


def test_agent_typing_starts_and_stops(world: World) -> None:
    conversation, agent = accepted(world)
    since = last_sequence(conversation)

    agent_typing(conversation=conversation, agent=agent, typing=True)
    agent_typing(conversation=conversation, agent=agent, typing=False)

    assert summaries(conversation, since) == [
        ("ACTIVITY", "typing", (agent.public_id,)),
        ("ACTIVITY", "typing", ()),
    ]


def test_agent_message_is_not_an_echo(world: World) -> None:
    conversation, agent = accepted(world)
    since = last_sequence(conversation)

    agent_message_send(conversation=conversation, agent=agent, text="How can I help?")

    [event] = events_of(conversation, since=since)
    assert event["data"]["isEcho"] is False
    assert event["data"]["sender"] == {"id": agent.public_id, "type": "agent"}
    assert event["data"]["text"] == "How can I help?"


def test_integration_message_is_echoed(world: World) -> None:
    conversation, _ = accepted(world)
    since = last_sequence(conversation)

    message_post(conversation=conversation, author_type="user", text="My order is late")

    assert summaries(conversation, since) == [("MESSAGE", "user", True, "My order is late")]


def test_a_bot_message_makes_the_integrations_webhook_a_bot_participant(world: World) -> None:
    conversation, agent = accepted(world)

    message_post(conversation=conversation, author_type="bot", text="Your order ships today")

    participants = Participant.objects.filter(conversation=conversation).values_list("type", "participant_id")
    assert list(participants) == [
        ("user", conversation.user_participant_id),
        ("agent", agent.public_id),
        ("bot", world.webhook.id),
    ]
    assert events_of(conversation)[-1]["data"]["sender"] == {"id": world.webhook.id, "type": "bot"}


def test_transfer_emits_transfer_left_update_queued_then_the_next_agent_joins(world: World) -> None:
    conversation, anna = accepted(world)
    bruno = world.agent(queues=[world.support])
    since = last_sequence(conversation)

    conversation_transfer(conversation=conversation, agent=anna, queue_id=world.support.public_id)
    offer = conversation.interactions.get().offers.get(status="pending")
    offer_accept(offer_id=offer.id, agent=bruno)

    assert summaries(conversation, since) == [
        ("TRANSFER",),
        ("MEMBERS_CHANGED", "agent", "left", anna.public_id),
        ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id),
        ("QUEUED", world.support.public_id),
        ("MEMBERS_CHANGED", "agent", "joined", bruno.public_id),
        ("CONVERSATION_UPDATE", "active", "agent", bruno.public_id),
    ]


def test_agent_ending_emits_left_then_idle(world: World) -> None:
    conversation, agent = accepted(world)
    since = last_sequence(conversation)

    conversation_end_by_agent(conversation=conversation, agent=agent)

    assert summaries(conversation, since) == [
        ("MEMBERS_CHANGED", "agent", "left", agent.public_id),
        ("CONVERSATION_UPDATE", "idle", "agent", agent.public_id),
    ]
    assert conversation.interactions.get().ended_at is not None


def test_user_leaving_with_an_agent_emits_user_left_agent_left_idle(world: World) -> None:
    conversation, agent = accepted(world)
    since = last_sequence(conversation)

    conversation_user_leave(conversation=conversation)

    assert summaries(conversation, since) == [
        ("MEMBERS_CHANGED", "user", "left", conversation.user_participant_id),
        ("MEMBERS_CHANGED", "agent", "left", agent.public_id),
        ("CONVERSATION_UPDATE", "idle", "agent", agent.public_id),
    ]


def test_user_leaving_while_queued_withdraws_the_offer(world: World) -> None:
    world.agent()
    conversation = create(world)
    offer = conversation.interactions.get().offers.get()

    conversation_user_leave(conversation=conversation)

    offer.refresh_from_db()
    assert offer.status == "cancelled"
    assert [e["eventType"] for e in events_of(conversation)][-2:] == [
        "MEMBERS_CHANGED",
        "CONVERSATION_UPDATE",
    ]


def test_a_user_message_reopens_an_idle_conversation_in_the_last_queue(world: World) -> None:
    conversation, agent = accepted(world)
    conversation_end_by_agent(conversation=conversation, agent=agent)
    since = last_sequence(conversation)

    message_post(conversation=conversation, author_type="user", text="One more thing")

    assert summaries(conversation, since) == [
        ("MESSAGE", "user", True, "One more thing"),
        ("CONVERSATION_UPDATE", "active", "queue", world.sales.public_id),
        ("QUEUED", world.sales.public_id),
    ]
    assert conversation.interactions.count() == 2


def test_reassigning_while_queued_emits_update_then_queued(world: World) -> None:
    conversation = create(world)
    since = last_sequence(conversation)

    conversation_update(
        conversation=conversation, assignment={"type": "queue", "id": world.support.public_id}
    )

    assert summaries(conversation, since) == [
        ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id),
        ("QUEUED", world.support.public_id),
    ]


def test_updating_user_data_emits_one_conversation_update(world: World) -> None:
    conversation = create(world)
    since = last_sequence(conversation)

    conversation_update(conversation=conversation, user={**USER, "name": "Jim"})

    [event] = events_of(conversation, since=since)
    assert event["eventType"] == "CONVERSATION_UPDATE"
    assert event["data"]["user"]["name"] == "Jim"


def test_a_submitted_quick_reply_card_emits_an_activity(world: World) -> None:
    conversation, _ = accepted(world)
    card = {
        "contentType": "application/8x8.quick.replies",
        "content": {"options": [{"title": "Check order status", "data": {"postback": "order_status"}}]},
    }
    message = message_post(conversation=conversation, author_type="bot", text="Pick one", cards=[card])
    since = last_sequence(conversation)

    card_action(
        conversation=conversation, card_id=message.cards.get().id, action="submit", name="order_status"
    )

    [event] = events_of(conversation, since=since)
    assert event["data"] == {
        "name": "quickReply/action",
        "value": {"type": "postback", "data": {"title": "Check order status", "payload": "order_status"}},
    }
    assert message.cards.get().action_submitted is True


def test_an_adaptive_card_action_emits_adaptive_card_activity(world: World) -> None:
    conversation, _ = accepted(world)
    card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard"}}
    message = message_post(conversation=conversation, author_type="bot", text="", cards=[card])
    since = last_sequence(conversation)

    card_action(conversation=conversation, card_id=message.cards.get().id, action="execute", name="8x8-Int")

    assert summaries(conversation, since) == [("ACTIVITY", "adaptiveCard/action", "Action.Execute")]
    assert message.cards.get().action_executed is True


def test_an_agent_cannot_post_to_an_idle_conversation(world: World) -> None:
    conversation, agent = accepted(world)
    conversation_end_by_agent(conversation=conversation, agent=agent)

    with pytest.raises(InvalidTransition, match="idle"):
        agent_message_send(conversation=conversation, agent=agent, text="Hello?")
    assert not Message.objects.filter(author_type="agent").exists()


def test_script_assignment_greets_and_routes_on_the_chosen_option(world: World) -> None:
    world.agent(queues=[world.support])
    script = ScriptFactory(
        tenant=world.tenant,
        definition={
            "greeting": "Hi, what do you need?",
            "options": [
                {"title": "Get help", "postback": "support", "queue": world.support.public_id},
                {"title": "Hours", "postback": "hours", "reply": "Always open."},
            ],
        },
    )
    conversation = create(world, assignment={"type": "script", "id": script.public_id})

    assert summaries(conversation) == [
        ("CONVERSATION_UPDATE", "created", "script", script.public_id),
        ("CONVERSATION_UPDATE", "active", "script", script.public_id),
        ("MESSAGE", "bot", False, "Hi, what do you need?"),
    ]
    greeting = events_of(conversation)[-1]
    assert greeting["data"]["cards"][0]["contentType"] == "application/8x8.quick.replies"

    since = last_sequence(conversation)
    message_post(conversation=conversation, author_type="user", text="hours")
    message_post(conversation=conversation, author_type="user", text="Get help")

    assert summaries(conversation, since) == [
        ("MESSAGE", "user", True, "hours"),
        ("MESSAGE", "bot", False, "Always open."),
        ("MESSAGE", "user", True, "Get help"),
        ("CONVERSATION_UPDATE", "active", "queue", world.support.public_id),
        ("QUEUED", world.support.public_id),
    ]


def test_an_unrecognised_answer_repeats_the_script_menu(world: World) -> None:
    script = ScriptFactory(
        tenant=world.tenant,
        definition={
            "greeting": "Hi",
            "fallback": "Please pick one.",
            "options": [{"title": "A", "reply": "a"}],
        },
    )
    conversation = create(world, assignment={"type": "script", "id": script.public_id})
    since = last_sequence(conversation)

    message_post(conversation=conversation, author_type="user", text="something else")

    assert summaries(conversation, since)[-1] == ("MESSAGE", "bot", False, "Please pick one.")


def test_post_agent_assignment_hands_the_conversation_to_the_bot_webhook(world: World) -> None:
    bot_hook = WebhookFactory(tenant=world.tenant, name="Survey bot")
    conversation, agent = accepted(world)
    post_agent_assignment_create(
        conversation=conversation, webhook_id=bot_hook.id, max_total_minutes=30, user_timeout_minutes=10
    )
    since = last_sequence(conversation)

    conversation_end_by_agent(conversation=conversation, agent=agent)

    assert summaries(conversation, since) == [
        ("MEMBERS_CHANGED", "agent", "left", agent.public_id),
        ("CONVERSATION_UPDATE", "active", "webhook", bot_hook.id),
    ]
    handoff = events_of(conversation)[-1]
    assert handoff["data"]["state"] == "active"


def test_post_agent_user_timeout_ends_the_conversation(world: World) -> None:
    bot_hook = WebhookFactory(tenant=world.tenant)
    conversation, agent = accepted(world)
    post_agent_assignment_create(conversation=conversation, webhook_id=bot_hook.id, user_timeout_minutes=10)
    conversation_end_by_agent(conversation=conversation, agent=agent)
    since = last_sequence(conversation)

    with time_machine.travel(timezone.now() + timedelta(minutes=9)):
        assert timers_fire_due() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert timers_fire_due() == 1

    assert summaries(conversation, since) == [("CONVERSATION_UPDATE", "idle", "webhook", bot_hook.id)]
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.IDLE


def test_post_agent_max_total_ends_the_conversation_even_when_the_user_talks(world: World) -> None:
    bot_hook = WebhookFactory(tenant=world.tenant)
    conversation, agent = accepted(world)
    post_agent_assignment_create(conversation=conversation, webhook_id=bot_hook.id, max_total_minutes=20)
    conversation_end_by_agent(conversation=conversation, agent=agent)
    message_post(conversation=conversation, author_type="user", text="still here")

    with time_machine.travel(timezone.now() + timedelta(minutes=21)):
        timers_fire_due()

    conversation.refresh_from_db()
    assert conversation.state == ConversationState.IDLE


def test_events_during_post_agent_assignment_go_to_its_webhook(world: World) -> None:
    bot_hook = WebhookFactory(tenant=world.tenant)
    conversation, agent = accepted(world)
    post_agent_assignment_create(conversation=conversation, webhook_id=bot_hook.id)
    conversation_end_by_agent(conversation=conversation, agent=agent)

    message_post(conversation=conversation, author_type="bot", text="Rate us 1-5")

    event = conversation.events.order_by("-sequence").first()
    assert [d.webhook_id for d in event.deliveries.all()] == [bot_hook.id]


def test_a_second_post_agent_assignment_is_rejected(world: World) -> None:
    bot_hook = WebhookFactory(tenant=world.tenant)
    conversation, _ = accepted(world)
    post_agent_assignment_create(conversation=conversation, webhook_id=bot_hook.id)

    with pytest.raises(AlreadyExists, match="Post agent assignment already exists"):
        post_agent_assignment_create(conversation=conversation, webhook_id=bot_hook.id)


def test_every_event_is_written_with_its_deliveries_in_the_same_transaction(world: World) -> None:
    conversation = create(world)

    for event in conversation.events.all():
        assert [d.webhook_id for d in event.deliveries.all()] == [world.webhook.id]


def test_an_unavailable_agent_gets_no_offer(world: World) -> None:
    world.agent(status=AgentStatus.AWAY)
    conversation = create(world)

    assert not conversation.interactions.get().offers.exists()


def test_when_the_user_leaves_during_a_hand_back_the_end_goes_to_the_bot_webhook(world: World) -> None:
    bot_hook = WebhookFactory(tenant=world.tenant)
    conversation, agent = accepted(world)
    post_agent_assignment_create(conversation=conversation, webhook_id=bot_hook.id)
    conversation_end_by_agent(conversation=conversation, agent=agent)
    since = last_sequence(conversation)

    conversation_user_leave(conversation=conversation)

    ends = conversation.events.filter(sequence__gt=since).order_by("sequence")
    assert [(e.type, [d.webhook_id for d in e.deliveries.all()]) for e in ends] == [
        ("MEMBERS_CHANGED", [bot_hook.id]),
        ("CONVERSATION_UPDATE", [bot_hook.id]),
    ]


def test_a_script_assignment_without_an_id_says_the_script_is_missing(world: World) -> None:
    with pytest.raises(InvalidReference, match="a script assignment names the script"):
        create(world, assignment={"type": "script"})


def test_a_card_action_on_a_malformed_quick_reply_card_is_refused_not_crashed(world: World) -> None:
    conversation, _ = accepted(world)
    card = {
        "contentType": "application/8x8.quick.replies",
        "content": {"options": ["yes", None, {"data": 5}]},
    }
    message = message_post(conversation=conversation, author_type="bot", text="Pick", cards=[card])

    with pytest.raises(InvalidReference, match="is not an option of card"):
        card_action(conversation=conversation, card_id=message.cards.get().id, action="submit", name="yes")


def test_a_gateway_conversation_cannot_use_a_legacy_channel(world: World) -> None:
    world.channel.api = ApiFlavour.LEGACY
    world.channel.save(update_fields=["api"])

    with pytest.raises(InvalidReference, match="Channel ID"):
        create(world)


def test_a_hand_back_cannot_go_to_a_legacy_webhook(world: World) -> None:
    legacy_hook = WebhookFactory(tenant=world.tenant, version=WebhookVersion.LEGACY_V2)
    conversation, _ = accepted(world)

    with pytest.raises(InvalidReference, match="Webhook ID"):
        post_agent_assignment_create(conversation=conversation, webhook_id=legacy_hook.id)
