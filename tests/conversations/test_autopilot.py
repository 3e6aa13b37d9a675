"""Autopilot agents answer offers and messages through the desk's own services, by timers."""

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from conversations.models import (
    Agent,
    Conversation,
    ConversationState,
    Message,
    Offer,
    OfferStatus,
    Participant,
    ParticipantType,
    Timer,
    TimerKind,
)
from conversations.services.autopilot import AutopilotConfig, autopilot_set
from conversations.services.clock import timers_fire_due
from conversations.services.lifecycle import conversation_create
from conversations.services.messages import message_post
from tests.factories import World
from webhooks.models import Event


def document(**changes: Any) -> dict[str, Any]:
    """A canonical autopilot document (as the control API stores it), with `changes`."""
    reply = {
        "mode": "echo",
        "lines": [],
        "order": "sequence",
        "rules": [],
        "delayMs": {"min": 0, "max": 0},
        "typing": False,
        **changes.pop("reply", {}),
    }
    return {
        "enabled": True,
        "accept": {"afterMs": 0},
        "reply": reply,
        "transferAfterMessages": None,
        "endAfterMessages": None,
        "seed": None,
        **changes,
    }


def soon() -> Any:
    """Later than every autopilot timer of these tests, earlier than any offer timeout."""
    return timezone.now() + timedelta(seconds=5)


def start(world: World) -> Conversation:
    return conversation_create(tenant=world.tenant, channel_id=world.channel.id, user={"name": "Kim"})


def accepted_chat(world: World, **changes: Any) -> tuple[Conversation, Agent]:
    agent = world.agent()
    autopilot_set(tenant=world.tenant, queue=world.sales, document=document(**changes))
    conversation = start(world)
    timers_fire_due(now=soon())
    conversation.refresh_from_db()
    assert conversation.agent == agent
    return conversation, agent


def say(conversation: Conversation, text: str) -> None:
    message_post(conversation=conversation, author_type=ParticipantType.USER, text=text)
    timers_fire_due(now=soon())


def agent_texts(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, author_type=ParticipantType.AGENT).values_list(
            "text", flat=True
        )
    )


def event_types(conversation: Conversation, after: int = 0) -> list[str]:
    return list(
        Event.objects.filter(conversation=conversation, sequence__gt=after)
        .order_by("sequence")
        .values_list("type", flat=True)
    )


def test_it_accepts_an_offer_once_after_ms_have_passed(world: World) -> None:
    agent = world.agent()
    autopilot_set(tenant=world.tenant, queue=world.sales, document=document(accept={"afterMs": 200}))
    conversation = start(world)
    offer = Offer.objects.get(interaction__conversation=conversation)

    assert timers_fire_due(now=offer.created_at + timedelta(milliseconds=199)) == 0
    assert timers_fire_due(now=offer.created_at + timedelta(milliseconds=200)) == 1

    offer.refresh_from_db()
    assert (offer.status, offer.agent) == (OfferStatus.ACCEPTED, agent)
    assert event_types(conversation, after=3) == ["MEMBERS_CHANGED", "CONVERSATION_UPDATE"]


def test_setting_an_autopilot_answers_the_offers_already_waiting(world: World) -> None:
    agent = world.agent()
    conversation = start(world)

    autopilot_set(tenant=world.tenant, queue=world.sales, document=document())
    timers_fire_due(now=soon())

    conversation.refresh_from_db()
    assert conversation.agent == agent


def test_never_leaves_the_offer_to_time_out(world: World) -> None:
    world.agent()
    autopilot_set(tenant=world.tenant, queue=world.sales, document=document(accept="never"))

    conversation = start(world)

    offer = Offer.objects.get(interaction__conversation=conversation)
    assert list(Timer.objects.values_list("kind", "ref")) == [(TimerKind.OFFER_TIMEOUT, offer.id)]


def test_reject_declines_each_chat_once_and_lets_it_come_back_to_time_out(world: World) -> None:
    world.agent()
    autopilot_set(
        tenant=world.tenant, queue=world.sales, document=document(accept={"reject": True, "afterMs": 0})
    )
    conversation = start(world)

    timers_fire_due(now=soon())

    first, second = Offer.objects.filter(interaction__conversation=conversation).order_by("created_at")
    assert (first.status, second.status) == (OfferStatus.REJECTED, OfferStatus.PENDING)
    assert timers_fire_due(now=soon()) == 0


def test_an_agent_override_switched_off_lets_a_person_answer(world: World) -> None:
    agent = world.agent()
    autopilot_set(tenant=world.tenant, queue=world.sales, document=document())
    autopilot_set(tenant=world.tenant, agent=agent, document={"enabled": False})

    conversation = start(world)
    timers_fire_due(now=soon())

    assert Offer.objects.get(interaction__conversation=conversation).status == OfferStatus.PENDING


def test_an_agent_override_wins_over_the_queue(world: World) -> None:
    agent = world.agent()
    autopilot_set(tenant=world.tenant, queue=world.sales, document=document(accept="never"))
    autopilot_set(
        tenant=world.tenant, agent=agent, document=document(reply={"mode": "lines", "lines": ["Mine"]})
    )
    conversation = start(world)
    timers_fire_due(now=soon())

    say(conversation, "hello")

    assert agent_texts(conversation) == ["Mine"]


def test_echo_replies_with_the_users_text_and_types_meanwhile(world: World) -> None:
    conversation, _ = accepted_chat(
        world, reply={"mode": "echo", "typing": True, "delayMs": {"min": 50, "max": 50}}
    )
    before = Event.objects.filter(conversation=conversation).count()
    message_post(conversation=conversation, author_type=ParticipantType.USER, text="Where is my parcel?")
    message = Message.objects.get(conversation=conversation, author_type=ParticipantType.USER)

    assert timers_fire_due(now=message.created_at + timedelta(milliseconds=49)) == 0
    assert timers_fire_due(now=message.created_at + timedelta(milliseconds=50)) == 1

    assert agent_texts(conversation) == ["Where is my parcel?"]
    events = Event.objects.filter(conversation=conversation, sequence__gt=before).order_by("sequence")
    assert [(event.type, event.payload["data"].get("value", {}).get("users")) for event in events] == [
        ("MESSAGE", None),
        ("ACTIVITY", [{"id": conversation.agent.public_id, "type": "agent"}]),  # type: ignore[union-attr]
        ("ACTIVITY", []),
        ("MESSAGE", None),
    ]


def test_lines_in_sequence_cycle(world: World) -> None:
    conversation, _ = accepted_chat(world, reply={"mode": "lines", "lines": ["One", "Two"]})

    for text in ["a", "b", "c"]:
        say(conversation, text)

    assert agent_texts(conversation) == ["One", "Two", "One"]


def test_rules_answer_the_first_match_and_fall_back_to_the_lines(world: World) -> None:
    rules = [
        {"match": "(?i)refund", "text": "Refunds take 3 days."},
        {"match": "refund|order", "text": "Order"},
    ]
    conversation, _ = accepted_chat(
        world, reply={"mode": "rules", "rules": rules, "lines": ["Tell me more."]}
    )

    for text in ["I want a REFUND", "my order", "hi"]:
        say(conversation, text)

    assert agent_texts(conversation) == ["Refunds take 3 days.", "Order", "Tell me more."]


def test_rules_without_lines_leave_an_unmatched_message_unanswered(world: World) -> None:
    rules = [{"match": "refund", "text": "Refunds take 3 days."}]
    conversation, _ = accepted_chat(world, reply={"mode": "rules", "rules": rules, "typing": True})
    before = Event.objects.filter(conversation=conversation).count()

    say(conversation, "hello")

    assert agent_texts(conversation) == []
    assert event_types(conversation, after=before) == ["MESSAGE"]


def test_it_transfers_after_the_kth_reply(world: World) -> None:
    conversation, _ = accepted_chat(
        world, transferAfterMessages={"count": 2, "queueId": world.support.public_id}
    )
    say(conversation, "one")
    before = Event.objects.filter(conversation=conversation).count()

    say(conversation, "two")

    conversation.refresh_from_db()
    assert (conversation.agent, conversation.queue) == (None, world.support)
    assert event_types(conversation, after=before) == [
        "MESSAGE",
        "MESSAGE",
        "TRANSFER",
        "MEMBERS_CHANGED",
        "CONVERSATION_UPDATE",
        "QUEUED",
    ]
    assert agent_texts(conversation) == ["one", "two"]


def test_it_ends_and_closes_the_chat_after_the_mth_reply(world: World) -> None:
    conversation, agent = accepted_chat(world, endAfterMessages=2)
    say(conversation, "one")

    say(conversation, "two")

    conversation.refresh_from_db()
    assert conversation.state == ConversationState.IDLE
    participant = Participant.objects.get(conversation=conversation, agent=agent)
    assert participant.removed
    assert participant.wrapped_up_at is not None
    assert event_types(conversation)[-4:] == ["MESSAGE", "MESSAGE", "MEMBERS_CHANGED", "CONVERSATION_UPDATE"]


def test_a_reply_due_after_autopilot_was_switched_off_is_not_sent(world: World) -> None:
    conversation, agent = accepted_chat(world)
    message_post(conversation=conversation, author_type=ParticipantType.USER, text="hi")

    autopilot_set(tenant=world.tenant, agent=agent, document={"enabled": False})
    timers_fire_due(now=soon())

    assert agent_texts(conversation) == []


def test_the_same_seed_draws_the_same_delays_and_lines() -> None:
    def draws(seed: int) -> list[tuple[timedelta, str | None]]:
        config = AutopilotConfig.from_document(
            document(
                seed=seed,
                reply={
                    "mode": "lines",
                    "order": "random",
                    "lines": list("abcdef"),
                    "delayMs": {"min": 0, "max": 1000},
                },
            )
        )
        assert config is not None
        return [(config.reply_delay(i), config.reply_text("x", reply_index=i)) for i in range(20)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)


def test_the_desk_marks_an_agent_on_autopilot_until_its_override_switches_it_off(world: World) -> None:
    agent = world.agent(public_id="agent-anna")
    page = f"/desk/{world.tenant.id}/agent-anna/"
    assert 'data-testid="autopilot"' not in Client().get(page).content.decode()

    autopilot_set(tenant=world.tenant, queue=world.sales, document=document())
    assert 'data-testid="autopilot"' in Client().get(page).content.decode()

    autopilot_set(tenant=world.tenant, agent=agent, document={"enabled": False})
    assert 'data-testid="autopilot"' not in Client().get(page).content.decode()


def test_typing_shown_is_stopped_when_a_person_took_over_before_the_reply(world: World) -> None:
    conversation, agent = accepted_chat(world, reply={"mode": "echo", "typing": True})
    message_post(conversation=conversation, author_type=ParticipantType.USER, text="hi")
    before = Event.objects.filter(conversation=conversation).count()

    autopilot_set(tenant=world.tenant, agent=agent, document={"enabled": False})
    timers_fire_due(now=soon())

    assert agent_texts(conversation) == []
    typing = Event.objects.filter(conversation=conversation, sequence__gt=before).values_list(
        "payload", flat=True
    )
    assert [payload["data"]["value"]["users"] for payload in typing] == [[]]
