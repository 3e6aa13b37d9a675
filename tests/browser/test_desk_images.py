"""Images on the desk: drawn inline through the desk's own route, while the API serves every
file as 8x8 does, `application/octet-stream`. And history authors the desk does not know."""

import pytest
import requests
from playwright.sync_api import Browser, expect

from conversations.services.lifecycle import conversation_create
from tests.browser.helpers import WAIT_MS, Desktop, Integration, events_of, one_agent, orm, png
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_image_shows_inline_on_the_desk_while_the_api_serves_an_octet_stream(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    conversation_id = integration.create_conversation(world.channel.id, {"name": "Maria Silva"})
    anna.offer("Maria Silva").get_by_role("button", name="Accept").click()
    expect(anna.get("chat-name")).to_have_text("Maria Silva")

    image = png(48, 30)
    image_id = integration.upload(conversation_id, "parcel.png", image, "image/png")
    integration.message(conversation_id, authorType="user", text="The parcel", attachments=[{"id": image_id}])

    preview = anna.timeline().locator(".file-image img")
    expect(preview).to_have_js_property("naturalWidth", 48, timeout=WAIT_MS)
    desk_path = f"/desk/{world.tenant.id}/agent-anna/conversations/{conversation_id}/attachments/{image_id}"
    expect(preview).to_have_attribute("src", desk_path)
    shown = requests.get(live_sandbox.url + desk_path, timeout=10)
    assert (shown.headers["Content-Type"], shown.headers["Content-Disposition"], shown.content) == (
        "image/png",
        'inline; filename="parcel.png"',
        image,
    )
    content = integration.session.get(
        integration.url(f"conversations/{conversation_id}/attachments/{image_id}/content"), timeout=10
    )

    def messages(requests_: list) -> list[dict]:  # type: ignore[type-arg]
        return [e for e in events_of(requests_, conversation_id) if e["eventType"] == "MESSAGE"]

    [event] = messages(receiver.wait_until(lambda r: len(messages(r)) >= 1, timeout=WAIT_MS / 1000))
    linked = requests.get(event["data"]["attachments"][0]["preSignedUrl"], timeout=10)
    for response in (content, linked):
        assert (response.headers["Content-Type"], response.content) == ("application/octet-stream", image)
    anna.close()


def test_a_history_author_the_desk_does_not_know_is_shown_as_it_was_sent(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    # As the legacy v2 API stores a history item whose `type` is "bot Options:".
    orm(
        conversation_create,
        tenant=world.tenant,
        channel_id=world.channel.id,
        user={"name": "Maria Silva"},
        history=[
            {"authorType": "user", "text": "Hi"},
            {"authorType": "bot Options:", "text": "Sales | Support"},
        ],
    )
    anna.offer("Maria Silva").get_by_role("button", name="Accept").click()

    history = anna.timeline().locator(".msg-history")
    expect(history).to_have_count(2, timeout=WAIT_MS)
    expect(history.locator(".msg-author")).to_have_text(["Maria Silva", "bot Options:"])
    expect(history.nth(1)).to_have_class("msg msg-other msg-history")
    expect(history.nth(1).locator(".msg-text")).to_have_text("Sales | Support")
    anna.close()
