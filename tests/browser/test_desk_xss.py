"""Hostile text from users and integrations is shown as text; nothing in it runs.

The desk is opened with its content security policy bypassed, so that this test fails on
any markup that reaches the page as HTML, not only on markup that would also get past the
policy.
"""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import Desktop, Integration, one_agent, orm
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
SCRIPT = "<script>window.__xss=(window.__xss||0)+1</script>"
EVIL = f"{IMG}{SCRIPT}"


def test_hostile_names_messages_files_and_cards_are_shown_as_text(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna", bypass_csp=True).open()
    dialogs: list[str] = []
    anna.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    user = {
        "name": EVIL,
        "company": IMG,
        "additionalProperties": [{"key": SCRIPT, "value": IMG}],
    }

    conversation_id = integration.create_conversation(
        world.channel.id, user, history={"messages": [{"authorType": "user", "text": EVIL}]}
    )
    expect(anna.offer(EVIL).locator(".offer-name")).to_have_text(EVIL)
    anna.offer(EVIL).get_by_role("button", name="Accept").click()
    file_id = integration.upload(conversation_id, f"{IMG}.png", b"not an image", "image/png")
    integration.message(conversation_id, authorType="user", text=EVIL, attachments=[{"id": file_id}])
    card = {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [{"type": "TextBlock", "text": EVIL}],
        "actions": [{"type": "Action.Submit", "title": IMG}],
    }
    quick = {"options": [{"title": SCRIPT, "data": {"postback": IMG}}]}
    integration.message(
        conversation_id,
        authorType="bot",
        text=SCRIPT,
        cards=[
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card},
            {"contentType": "application/8x8.quick.replies", "content": quick},
        ],
    )

    timeline = anna.timeline()
    expect(timeline.locator(".card-view")).to_have_count(2)
    expect(anna.get("chat-name")).to_have_text(EVIL)
    expect(anna.get("user-name")).to_have_text(EVIL)
    expect(anna.get("user-company")).to_have_text(IMG)
    expect(anna.get("user-properties")).to_have_text(f"{SCRIPT}{IMG}")
    expect(anna.chat_item(EVIL)).to_be_visible()
    expect(timeline.locator(".msg-history .msg-text")).to_have_text(EVIL)
    expect(timeline.locator(".msg-user .msg-text").last).to_have_text(EVIL)
    expect(timeline.locator(".msg-bot .msg-text")).to_have_text(SCRIPT)
    expect(timeline.locator(".card-view").first).to_contain_text(EVIL)
    expect(timeline.locator(".card-view .ac-pushButton")).to_have_text([IMG, SCRIPT])
    # The sandbox sanitises file names; what is left of the markup is shown as text too.
    expect(timeline.locator(".file-image .file-name")).to_contain_text("img src_x onerror")

    assert anna.page.locator('img[src="x"]').count() == 0
    assert anna.page.locator("[data-testid=desk] script").count() == 0
    assert anna.page.evaluate("() => window.__xss === undefined")
    assert dialogs == []
    anna.close()
