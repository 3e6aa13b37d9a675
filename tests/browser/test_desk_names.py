"""A chat's name on the desk is the server's: the same in every place, and renamed live."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import Desktop, Integration, one_agent, orm
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chat_keeps_one_name_everywhere_and_follows_a_change_of_user(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    conversation_id = integration.create_conversation(world.channel.id, {"email": "maria@example.com"})

    # No name yet: the server names the chat by the email, in the offer and once accepted.
    anna.offer("maria@example.com").get_by_role("button", name="Accept").click()
    integration.message(conversation_id, authorType="user", text="Hello")
    for place in (anna.get("chat-name"), anna.get("user-name"), anna.page.locator(".chat-item-name")):
        expect(place).to_have_text("maria@example.com")
    expect(anna.timeline().locator(".msg-user .msg-author")).to_have_text("maria@example.com")

    # The integration sends the user's name: the open chat is renamed without a reload.
    maria = {"name": "Maria Silva", "email": "maria@example.com"}
    integration.update_conversation(conversation_id, user=maria)
    integration.message(conversation_id, authorType="user", text="It's Maria")

    for place in (anna.get("chat-name"), anna.get("user-name"), anna.page.locator(".chat-item-name")):
        expect(place).to_have_text("Maria Silva")
    expect(anna.timeline().locator(".msg-user .msg-author").last).to_have_text("Maria Silva")
    expect(anna.get("user-email")).to_have_text("maria@example.com")

    # A reloaded desk gets the same name from its snapshot.
    anna.page.reload()
    anna.expect_live()
    expect(anna.get("chat-name")).to_have_text("Maria Silva")
    expect(anna.timeline().locator(".msg-user .msg-author")).to_have_text(["Maria Silva", "Maria Silva"])
    anna.close()
