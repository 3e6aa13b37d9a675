"""New offers alert the agent: a browser notification and a sound, which can be muted; the theme switches."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import Desktop, Integration, one_agent, orm
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records what the page asks of the browser's notification and audio APIs.
RECORDER = """
window.__alerts = { notifications: [], tones: 0 };
window.Notification = class {
  static permission = "default";
  static requestPermission() {
    window.Notification.permission = "granted";
    return Promise.resolve("granted");
  }
  constructor(title, options) { window.__alerts.notifications.push({ title, body: options.body }); }
  addEventListener() {}
  close() {}
};
const RealAudioContext = window.AudioContext;
window.AudioContext = class extends RealAudioContext {
  createOscillator() {
    const tone = super.createOscillator();
    const start = tone.start.bind(tone);
    tone.start = (...args) => { window.__alerts.tones += 1; return start(...args); };
    return tone;
  }
};
"""


def test_an_offer_notifies_and_chimes_until_muted(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna")
    anna.page.add_init_script(RECORDER)
    anna.open()
    notify = anna.page.locator("[data-ref=notify]")
    notify.click()
    expect(notify).to_have_attribute("aria-pressed", "true")

    integration.create_conversation(world.channel.id, {"name": "James Jones", "language": "fr"})
    expect(anna.offer("James Jones")).to_be_visible()

    alerts = anna.page.evaluate("() => window.__alerts")
    assert alerts == {
        "notifications": [{"title": "New chat offer", "body": "James Jones · Sales · fr"}],
        "tones": 2,
    }
    expect(anna.page).to_have_title("(1) New offer · Anna Berg")

    anna.page.locator("[data-ref=mute]").click()
    expect(anna.page.locator("[data-ref=mute]")).to_have_attribute("aria-pressed", "false")
    integration.create_conversation(world.channel.id, {"name": "Maria Silva"})
    expect(anna.offer("Maria Silva")).to_be_visible()
    alerts = anna.page.evaluate("() => window.__alerts")
    assert alerts["tones"] == 2
    assert alerts["notifications"][-1] == {"title": "New chat offer", "body": "Maria Silva · Sales · en"}
    anna.close()


def test_the_theme_follows_the_system_and_can_be_switched(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna", color_scheme="dark").open()
    html = anna.page.locator("html")
    background = "() => getComputedStyle(document.body).backgroundColor"
    expect(html).to_have_attribute("data-theme", "auto")
    assert anna.page.evaluate(background) == "rgb(15, 20, 28)"

    anna.get("theme").click()
    expect(html).to_have_attribute("data-theme", "light")
    assert anna.page.evaluate(background) == "rgb(246, 247, 251)"
    anna.page.reload()
    anna.expect_live()
    expect(html).to_have_attribute("data-theme", "light")
    anna.get("theme").click()
    expect(html).to_have_attribute("data-theme", "dark")
    anna.close()
