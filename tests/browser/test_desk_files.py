"""Files both ways: the user's files shown on the desk, the agent's delivered to the integration."""

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.helpers import WAIT_MS, Desktop, Integration, events_of, one_agent, orm, png
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def agent_messages(receiver: Receiver, conversation_id: str, count: int) -> list[dict]:  # type: ignore[type-arg]
    def mine(requests_: list) -> list[dict]:  # type: ignore[type-arg]
        return [
            e["data"]
            for e in events_of(requests_, conversation_id)
            if e["eventType"] == "MESSAGE" and e["data"]["sender"]["type"] == "agent"
        ]

    return mine(receiver.wait_until(lambda r: len(mine(r)) >= count, timeout=WAIT_MS / 1000))


def test_files_go_both_ways(live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser) -> None:
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    conversation_id = integration.create_conversation(world.channel.id, {"name": "Maria Silva"})
    anna.offer("Maria Silva").get_by_role("button", name="Accept").click()
    expect(anna.get("chat-name")).to_have_text("Maria Silva")

    # The user sends an image and a PDF: a preview and a download link.
    image = png(64, 40)
    image_id = integration.upload(conversation_id, "receipt.png", image, "image/png")
    pdf_id = integration.upload(
        conversation_id, "invoice 2024.pdf", b"%PDF-1.4 not really", "application/pdf"
    )
    integration.message(
        conversation_id, authorType="user", text="Two files", attachments=[{"id": image_id}, {"id": pdf_id}]
    )
    timeline = anna.timeline()
    preview = timeline.locator(".file-image img")
    expect(preview).to_have_attribute("alt", "receipt.png")
    expect(preview).to_have_js_property("naturalWidth", 64, timeout=WAIT_MS)
    link = timeline.locator("a.file", has_text="invoice 2024.pdf")
    expect(link).to_have_attribute("download", "invoice 2024.pdf")
    download = requests.get(live_sandbox.url + (link.get_attribute("href") or ""), timeout=10)
    assert (download.status_code, download.content) == (200, b"%PDF-1.4 not really")
    assert download.headers["Content-Disposition"] == 'attachment; filename="invoice 2024.pdf"'

    # The agent attaches two files, sends one with text and one alone.
    anna.get("file").set_input_files(
        [{"name": "form.txt", "mimeType": "text/plain", "buffer": b"Fill me in"}]
    )
    expect(anna.get("upload")).to_have_count(1)
    expect(anna.get("upload")).not_to_have_class("upload upload-uploading", timeout=WAIT_MS)
    anna.get("message").fill("Here is the form")
    anna.get("message").press("Enter")
    expect(anna.get("upload")).to_have_count(0)
    anna.get("file").set_input_files([{"name": "photo.png", "mimeType": "image/png", "buffer": image}])
    expect(anna.get("upload")).not_to_have_class("upload upload-uploading", timeout=WAIT_MS)
    anna.get("send").click()

    first, second = agent_messages(receiver, conversation_id, 2)
    assert (first["text"], [(a["fileName"], a["type"]) for a in first["attachments"]]) == (
        "Here is the form",
        [("form.txt", "file")],
    )
    assert (second["text"], [(a["fileName"], a["type"]) for a in second["attachments"]]) == (
        "",
        [("photo.png", "image")],
    )
    assert requests.get(first["attachments"][0]["preSignedUrl"], timeout=10).content == b"Fill me in"
    assert requests.get(second["attachments"][0]["preSignedUrl"], timeout=10).content == image
    mine = timeline.locator(".msg-mine")
    expect(mine.locator("a.file", has_text="form.txt")).to_be_visible()
    expect(mine.locator(".file-image img")).to_have_js_property("naturalWidth", 64, timeout=WAIT_MS)
    anna.close()
