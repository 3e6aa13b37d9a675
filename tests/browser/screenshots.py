"""Screenshots of the agent desktop for the docs: `python -m tests.browser.screenshots`.

Starts a throwaway sandbox (temporary data directory, demo-like seed), plays a short
scene through the Chat Gateway API and two agents' desks, and saves light and dark
screenshots to docs/screenshots/.
"""

import argparse
import time
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.helpers import Desktop, Integration, png
from tests.live import LiveSandbox, throwaway_sandbox

BASE_DIR = Path(__file__).resolve().parents[2]
OUT = BASE_DIR / "docs" / "screenshots"
API_KEY = "screenshots-key"
TENANT = "demo-tenant"
SEED = f"""
customer: {{id: demo-customer, name: Demo Customer}}
api_keys: [{{key: {API_KEY}}}]
tenants:
  - id: {TENANT}
    name: Demo Tenant
    queues: [{{id: "100", name: Sales}}, {{id: "101", name: Support}}, {{id: "102", name: Billing}}]
    agents:
      - {{id: agent-anna, name: Anna Berg, languages: [en, sv], queues: ["100", "101"], status: available}}
      - {{id: agent-bruno, name: Bruno Costa, languages: [pt, es, en], queues: ["102"], status: available}}
"""
JAMES = {
    "name": "James Jones",
    "email": "james.jones@example.com",
    "phone": "+44 20 7946 0018",
    "company": "Acme Ltd",
    "caseId": "CASE-1042",
    "language": "en",
    "additionalProperties": [
        {"key": "Authenticated", "value": "yes"},
        {"key": "Intent", "value": "order status"},
        {"key": "Plan", "value": "Business"},
    ],
}
QUICK_REPLIES = {
    "contentType": "application/8x8.quick.replies",
    "content": {
        "options": [
            {"title": "Track my order", "data": {"postback": "track"}},
            {"title": "Change delivery", "data": {"postback": "change"}},
            {"title": "Something else", "data": {"postback": "other"}},
        ]
    },
}


def channel_for(integration: Integration) -> str:
    session, url = integration.session, integration.url
    webhook = session.post(
        url("webhooks"), json={"name": "Shop bot", "uri": "http://127.0.0.1:9/hook"}, timeout=10
    )
    webhook.raise_for_status()
    channel = session.post(
        url("channels"),
        json={
            "name": "Web shop chat",
            "type": "ChatAPI",
            "webHookId": webhook.json()["id"],
            "routingOptions": {"type": "queue", "id": "100"},
        },
        timeout=10,
    )
    channel.raise_for_status()
    return str(channel.json()["id"])


def scene(browser: Browser, live: LiveSandbox, scheme: str) -> None:
    integration = Integration(live, API_KEY, TENANT)
    channel = channel_for(integration)
    anna = Desktop(browser, live, TENANT, "agent-anna", color_scheme=scheme).open()

    james = integration.create_conversation(
        channel,
        JAMES,
        history={
            "messages": [
                {"authorType": "user", "text": "Hi, where is my order #4471?"},
                {"authorType": "bot", "text": "Let me get a colleague to check that for you."},
            ]
        },
    )
    anna.offer("James Jones").get_by_role("button", name="Accept").click()
    expect(anna.get("chat-name")).to_have_text("James Jones")
    integration.message(james, authorType="user", text="Thanks! It was due yesterday.")
    anna.get("message").fill("Hi James, I'm Anna. I can see order #4471 left our warehouse this morning.")
    anna.get("message").press("Enter")
    expect(anna.timeline().locator(".msg-mine")).to_have_count(1)
    photo = integration.upload(james, "parcel-label.png", png(320, 180), "image/png")
    integration.message(james, authorType="user", text="This is the label I got", attachments=[{"id": photo}])
    integration.message(
        james, authorType="bot", text="What would you like to do next?", cards=[QUICK_REPLIES]
    )
    expect(anna.timeline().locator(".card-view")).to_have_count(1)
    messages = integration.session.get(integration.url(f"conversations/{james}/messages"), timeout=10).json()
    card_message = next(m for m in messages["_embedded"]["messages"] if m.get("cards"))
    integration.submit_card(james, card_message["cards"][0]["id"], "Change delivery")
    integration.post(james, "read-receipt", {"authorType": "user", "readAt": int(time.time() * 1000)})

    maria = integration.create_conversation(channel, {"name": "Maria Silva", "language": "pt"})
    anna.offer("Maria Silva").get_by_role("button", name="Accept").click()
    expect(anna.get("chat-name")).to_have_text("Maria Silva")
    anna.chat_item("James Jones").click()
    integration.message(maria, authorType="user", text="Olá! Do you ship to Portugal?")
    expect(anna.chat_item("Maria Silva").get_by_test_id("unread")).to_have_text("1")
    integration.create_conversation(channel, {"name": "Sofia Lind", "language": "sv"})
    expect(anna.offer("Sofia Lind")).to_be_visible()
    integration.post(james, "typing", {"authorType": "user"})
    expect(anna.get("activity")).to_have_text("James Jones is typing…")
    expect(anna.timeline().locator(".file-image img")).to_have_js_property("complete", True)
    anna.page.mouse.move(0, 0)
    anna.page.screenshot(path=OUT / f"desk-{scheme}.png", animations="disabled")
    anna.context.close()


def sign_in_page(browser: Browser, live: LiveSandbox) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    page.goto(f"{live.url}/desk/")
    page.screenshot(path=OUT / "desk-sign-in.png", animations="disabled")
    page.close()


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        with (
            throwaway_sandbox(seed=SEED, SANDBOX_OFFER_TIMEOUT_SECONDS="300") as live,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            scene(browser, live, scheme)
            if scheme == "light":
                sign_in_page(browser, live)
            browser.close()
    print(f"screenshots written to {OUT.relative_to(BASE_DIR)}/")


if __name__ == "__main__":
    main()
