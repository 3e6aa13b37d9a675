"""End to end: an integration, two agents in two browsers, and the integration's webhook.

The integration creates a conversation over the API; agent A accepts it on her desk, types
and sends; the integration answers with a message and a quick-reply card; A transfers the
chat to another queue, where agent B (another browser) accepts and ends it. The webhook
receiver gets every event of the sandbox's lifecycle table, in order.
"""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from conversations.models import Message
from tests.browser.helpers import WAIT_MS, Desktop, Integration, events_of, orm
from tests.factories import World, world_create
from tests.helpers import event_summary
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER = {
    "name": "James Jones",
    "email": "james@example.com",
    "phone": "+44 20 7946 0000",
    "company": "Acme Ltd",
    "caseId": "CASE-1042",
    "language": "en",
    "additionalProperties": [{"key": "Intent", "value": "balance"}, {"key": "Tier", "value": "gold"}],
}
HISTORY = {
    "messages": [
        {"authorType": "user", "text": "Hello, can I get my balance please"},
        {"authorType": "bot", "text": "Sure, connecting you to an agent"},
    ]
}
SECONDS_LEFT = re.compile(r"^\d+ s$")
QUICK_REPLIES = {
    "contentType": "application/8x8.quick.replies",
    "content": {
        "options": [
            {"title": "Check order status", "data": {"postback": "order_status"}},
            {"title": "Talk to billing", "data": {"postback": "billing"}},
        ]
    },
}


def two_agents(receiver_url: str) -> World:
    world = world_create(uri=receiver_url)
    world.agent(public_id="agent-anna", name="Anna Berg", queues=[world.sales])
    world.agent(public_id="agent-bruno", name="Bruno Costa", queues=[world.support])
    return world


def summaries(receiver: Receiver, conversation_id: str) -> list[tuple[Any, ...]]:
    return [event_summary(event) for event in events_of(receiver.snapshot(), conversation_id)]


def wait_for_event(receiver: Receiver, conversation_id: str, summary: tuple[Any, ...]) -> None:
    receiver.wait_until(
        lambda requests: summary in [event_summary(e) for e in events_of(requests, conversation_id)],
        timeout=WAIT_MS / 1000,
    )


def test_an_integration_and_two_agents_take_a_chat_from_start_to_end(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(two_agents, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    bruno = Desktop(browser, live_sandbox, world.tenant.id, "agent-bruno", color_scheme="dark").open()
    sales, support = world.sales.public_id, world.support.public_id

    # The integration creates the conversation; the offer shows on Anna's desk.
    conversation_id = integration.create_conversation(world.channel.id, USER, history=HISTORY)
    offer = anna.offer("James Jones")
    expect(offer).to_contain_text("Sales")
    expect(offer).to_contain_text("en")
    expect(offer.locator(".offer-countdown")).to_have_text(SECONDS_LEFT)
    expect(bruno.get("offer")).to_have_count(0)

    offer.get_by_role("button", name="Accept").click()
    wait_for_event(receiver, conversation_id, ("MEMBERS_CHANGED", "agent", "joined", "agent-anna"))
    expect(anna.get("offer")).to_have_count(0)
    expect(anna.get("chat-name")).to_have_text("James Jones")
    timeline = anna.timeline()
    expect(timeline).to_contain_text("Hello, can I get my balance please")
    expect(timeline).to_contain_text("Sure, connecting you to an agent")
    expect(timeline).to_contain_text("You joined the chat")
    panel = anna.get("user-panel")
    for value in (
        "james@example.com",
        "+44 20 7946 0000",
        "Acme Ltd",
        "CASE-1042",
        "Intent",
        "balance",
        "gold",
    ):
        expect(panel).to_contain_text(value)
    expect(anna.get("user-channel")).to_have_text(f"{world.channel.name} (ChatAPI)")

    # Anna types (the integration sees her typing) and sends with Enter; Shift+Enter breaks the line.
    anna.get("message").click()
    anna.page.keyboard.type("Hello James")
    wait_for_event(receiver, conversation_id, ("ACTIVITY", "typing", ("agent-anna",)))
    anna.page.keyboard.press("Shift+Enter")
    anna.page.keyboard.type("How can I help?")
    anna.page.keyboard.press("Enter")
    wait_for_event(receiver, conversation_id, ("MESSAGE", "agent", False, "Hello James\nHow can I help?"))
    expect(anna.get("message")).to_have_value("")
    expect(timeline.locator(".msg-mine .msg-text")).to_have_text("Hello James\nHow can I help?")

    # The user reads it, types, answers; the bot sends a quick-reply card.
    integration.post(
        conversation_id, "read-receipt", {"authorType": "user", "readAt": read_at(conversation_id)}
    )
    expect(timeline.locator(".msg-mine .receipt")).to_have_text("Read")
    integration.post(conversation_id, "typing", {"authorType": "user"})
    expect(anna.get("activity")).to_have_text("James Jones is typing…")
    integration.message(conversation_id, authorType="user", text="I would like my balance")
    expect(timeline).to_contain_text("I would like my balance")
    expect(anna.get("activity")).to_have_text("")
    integration.post(conversation_id, "thinking", {"authorType": "bot", "maxThinkingTimeSeconds": 30})
    expect(anna.get("activity")).to_have_text("Bot is thinking…")
    integration.message(
        conversation_id, authorType="bot", text="What would you like to do next?", cards=[QUICK_REPLIES]
    )
    card = timeline.locator(".card-view")
    expect(card.locator(".ac-pushButton")).to_have_text(["Check order status", "Talk to billing"])
    wait_for_event(receiver, conversation_id, ("MESSAGE", "bot", True, "What would you like to do next?"))
    [bot_message] = [
        e
        for e in events_of(receiver.snapshot(), conversation_id)
        if e["eventType"] == "MESSAGE" and e["data"]["sender"]["type"] == "bot"
    ]
    integration.submit_card(conversation_id, bot_message["data"]["cards"][0]["id"], "Talk to billing")
    expect(card.locator(".ac-pushButton.chosen")).to_have_text("Talk to billing")
    expect(timeline.locator(".system-choice")).to_have_text("James Jones chose “Talk to billing”")

    # Anna transfers to Support; her chat goes to wrap-up and Bruno gets the offer.
    anna.get("transfer-queue").select_option(support)
    anna.get("transfer").click()
    expect(anna.get("close")).to_be_visible()
    expect(anna.chat_item("James Jones")).to_contain_text("Wrap-up")
    expect(timeline).to_contain_text("Transferred")
    expect(timeline).to_contain_text("Waiting in queue Support")
    expect(anna.get("composer")).to_be_hidden()
    bruno_offer = bruno.offer("James Jones")
    expect(bruno_offer).to_contain_text("Support")
    bruno.page.keyboard.press("Alt+a")
    expect(bruno.get("chat-name")).to_have_text("James Jones")
    bruno_timeline = bruno.timeline()
    expect(bruno_timeline).to_contain_text("Hello James\nHow can I help?")
    expect(bruno_timeline).to_contain_text("Anna Berg left the chat")
    expect(bruno_timeline.locator(".card-view .ac-pushButton.chosen")).to_have_text("Talk to billing")

    # Bruno ends the chat; Anna closes her wrap-up.
    bruno.get("end").click()
    expect(bruno.get("close")).to_be_visible()
    expect(bruno_timeline).to_contain_text("Conversation ended")
    anna.get("close").click()
    expect(anna.get("chat-item")).to_have_count(0)
    wait_for_event(receiver, conversation_id, ("CONVERSATION_UPDATE", "idle", "agent", "agent-bruno"))

    assert summaries(receiver, conversation_id) == [
        ("CONVERSATION_UPDATE", "created", "queue", sales),
        ("CONVERSATION_UPDATE", "active", "queue", sales),
        ("QUEUED", sales),
        ("MEMBERS_CHANGED", "agent", "joined", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "agent", "agent-anna"),
        ("ACTIVITY", "typing", ("agent-anna",)),
        ("ACTIVITY", "typing", ()),
        ("MESSAGE", "agent", False, "Hello James\nHow can I help?"),
        ("MESSAGE", "user", True, "I would like my balance"),
        ("MESSAGE", "bot", True, "What would you like to do next?"),
        ("ACTIVITY", "quickReply/action", "postback"),
        ("TRANSFER",),
        ("MEMBERS_CHANGED", "agent", "left", "agent-anna"),
        ("CONVERSATION_UPDATE", "active", "queue", support),
        ("QUEUED", support),
        ("MEMBERS_CHANGED", "agent", "joined", "agent-bruno"),
        ("CONVERSATION_UPDATE", "active", "agent", "agent-bruno"),
        ("MEMBERS_CHANGED", "agent", "left", "agent-bruno"),
        ("CONVERSATION_UPDATE", "idle", "agent", "agent-bruno"),
    ]
    anna.close()
    bruno.close()


def read_at(conversation_id: str) -> int:
    message = orm(lambda: Message.objects.get(conversation_id=conversation_id, author_type="agent"))
    return int(message.created_at.timestamp() * 1000)


def test_a_rejected_offer_goes_to_the_next_agent_of_the_queue(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(two_agents, receiver.url)
    orm(world.agent, public_id="agent-chloe", name="Chloé Martin", queues=[world.sales])
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    chloe = Desktop(browser, live_sandbox, world.tenant.id, "agent-chloe").open()

    integration.create_conversation(world.channel.id, {"name": "Rita"})
    # Both are free; the longest idle (Anna, created first) is offered the chat first.
    anna.offer("Rita").get_by_role("button", name="Reject").click()

    expect(anna.get("offer")).to_have_count(0)
    chloe.offer("Rita").get_by_role("button", name="Accept").click()
    expect(chloe.get("chat-name")).to_have_text("Rita")
    anna.close()
    chloe.close()
