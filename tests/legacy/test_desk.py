"""A v2 conversation on the agent desktop: the customer map shown as the user panel."""

from conversations.desk.selectors import desk_snapshot
from conversations.models import Conversation
from conversations.services.offers import offer_accept
from tests.legacy.conftest import LegacyWorld


def test_a_v2_chat_shows_on_the_desk_with_the_customer_as_user(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent(name="Anna Agent")
    created = legacy.api.post(
        "/conversations",
        {
            "channelId": legacy.channel.id,
            "customer": {"name": "Ann", "email": "ann@example.com", "customerId": "c-1", "plan": "gold"},
            "history": {"messages": [{"type": "user", "text": "Hi bot"}]},
        },
    )
    conversation = Conversation.objects.get(pk=created.json()["conversationId"])

    offer = desk_snapshot(agent.pk)["offers"][0]
    assert (offer["conversationId"], offer["displayName"]) == (conversation.id, "Ann")
    offer_accept(offer_id=offer["offerId"], agent=agent)

    [chat] = desk_snapshot(agent.pk)["chats"]
    assert chat["conversationId"] == conversation.id
    assert chat["channel"] == {"id": legacy.channel.id, "name": "v2 channel", "type": "ChatAPI"}
    assert chat["user"] == {
        "name": "Ann",
        "userId": "c-1",
        "email": "ann@example.com",
        "language": "en",
        "additionalProperties": [{"key": "plan", "value": "gold"}],
    }
    assert [item["text"] for item in chat["history"]] == ["Hi bot"]
    assert [event["eventType"] for event in chat["timeline"]][-2:] == [
        "MEMBERS_CHANGED",
        "CONVERSATION_UPDATE",
    ]


def test_a_history_type_the_desk_does_not_know_reaches_the_agent_as_it_was_sent(legacy: LegacyWorld) -> None:
    agent = legacy.world.agent(name="Anna Agent")
    legacy.api.post(
        "/conversations",
        {
            "channelId": legacy.channel.id,
            "customer": {"name": "Ann"},
            "history": {"messages": [{"type": "bot Options:", "text": "Sales | Support"}]},
        },
    )
    offer_accept(offer_id=desk_snapshot(agent.pk)["offers"][0]["offerId"], agent=agent)

    [chat] = desk_snapshot(agent.pk)["chats"]

    [item] = chat["history"]
    assert (item["sender"], item["text"]) == (
        {"id": legacy.webhook.id, "type": "bot Options:"},
        "Sales | Support",
    )
