"""A dropped WebSocket: the desk reconnects by itself, resyncs, and loses nothing typed."""

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, WebSocketRoute, expect

from conversations.models import Message
from tests.browser.helpers import WAIT_MS, Desktop, Integration, events_of, one_agent, orm
from tests.live import LiveSandbox
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def accepted_behind(
    line: Any, live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> tuple[Integration, Desktop, str]:
    """Anna's desk, its socket routed through `line`, with a new chat from Maria accepted."""
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna")
    anna.page.route_web_socket(re.compile(r"/ws/desk/"), line.handle)
    anna.open()
    conversation_id = integration.create_conversation(world.channel.id, {"name": "Maria Silva"})
    anna.offer("Maria Silva").get_by_role("button", name="Accept").click()
    expect(anna.get("chat-name")).to_have_text("Maria Silva")
    return integration, anna, conversation_id


class Line:
    """The desk's WebSocket, passed through the test so it can be cut and blocked."""

    def __init__(self) -> None:
        self.blocked = False
        self.open: list[tuple[WebSocketRoute, Any]] = []

    def handle(self, route: WebSocketRoute) -> None:
        if self.blocked:
            route.close(code=1013, reason="server unavailable")
            return
        self.open.append((route, route.connect_to_server()))

    def cut(self) -> None:
        self.blocked = True
        for route, server in self.open:
            server.close()
            route.close(code=1012, reason="dropped")
        self.open.clear()


def test_a_dropped_socket_reconnects_resyncs_and_sends_what_waited(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    line = Line()
    integration, anna, conversation_id = accepted_behind(line, live_sandbox, receiver, browser)

    line.cut()
    expect(anna.page.locator("[data-ref=connection]")).to_have_text("Reconnecting…")
    integration.message(conversation_id, authorType="user", text="While you were away")
    anna.get("message").fill("Sent while offline")
    anna.get("message").press("Enter")
    expect(anna.timeline().locator(".msg-pending")).to_contain_text("Waiting for the connection…")
    anna.get("message").fill("Still a draft")

    line.blocked = False
    anna.expect_live()
    expect(anna.timeline()).to_contain_text("While you were away", timeout=WAIT_MS)
    expect(anna.timeline().locator(".msg-pending")).to_have_count(0, timeout=WAIT_MS)
    expect(anna.timeline().locator(".msg-mine .msg-text")).to_have_text("Sent while offline")
    expect(anna.get("message")).to_have_value("Still a draft")
    receiver.wait_until(
        lambda requests: any(
            e["eventType"] == "MESSAGE" and e["data"]["text"] == "Sent while offline"
            for e in events_of(requests, conversation_id)
        ),
        timeout=WAIT_MS / 1000,
    )
    anna.close()


def test_a_reload_rebuilds_the_desk_from_the_server(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    world = orm(one_agent, receiver.url)
    integration = Integration(live_sandbox, world.api_key.key, world.tenant.id)
    anna = Desktop(browser, live_sandbox, world.tenant.id, "agent-anna").open()
    first = integration.create_conversation(world.channel.id, {"name": "First"})
    anna.offer("First").get_by_role("button", name="Accept").click()
    integration.create_conversation(world.channel.id, {"name": "Second"})
    anna.offer("Second").get_by_role("button", name="Accept").click()
    expect(anna.get("chat-item")).to_have_count(2)
    # A chat accepted on the page opens at once, even with another one open.
    expect(anna.get("chat-name")).to_have_text("Second")
    anna.chat_item("First").click()
    anna.get("message").fill("Half written")
    anna.chat_item("Second").click()
    integration.message(first, authorType="user", text="Unread one")
    expect(anna.chat_item("First").get_by_test_id("unread")).to_have_text("1")

    anna.page.reload()
    anna.expect_live()

    expect(anna.get("chat-item")).to_have_count(2)
    expect(anna.get("chat-name")).to_have_text("Second")
    expect(anna.chat_item("First").get_by_test_id("unread")).to_have_text("1")
    anna.page.keyboard.press("Alt+ArrowUp")
    expect(anna.get("chat-name")).to_have_text("First")
    expect(anna.get("message")).to_have_value("Half written")
    expect(anna.timeline()).to_contain_text("Unread one")
    expect(anna.chat_item("First").get_by_test_id("unread")).to_have_count(0)
    anna.close()


def is_message(frame: dict[str, Any]) -> bool:
    return frame.get("kind") == "event" and frame["payload"]["eventType"] == "MESSAGE"


class AnswerLosingLine:
    """Passes the desk's WebSocket through, but drops it once a `send` is posted, before the page hears of it.

    Either the send's answer or its MESSAGE event may come first; the line is cut on whichever does.
    """

    def __init__(self) -> None:
        self.sends: set[Any] = set()
        self.armed = True

    def handle(self, route: WebSocketRoute) -> None:
        server = route.connect_to_server()

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "send":
                self.sends.add(frame["ref"])
            server.send(message)

        cut = False

        def from_server(message: str | bytes) -> None:
            nonlocal cut
            frame = json.loads(message)
            if self.armed and self.sends and (frame.get("ref") in self.sends or is_message(frame)):
                self.armed = False
                cut = True
                server.close()
                route.close(code=1012, reason="dropped")
            # Frames already on their way when the line was cut are lost with it.
            if not cut:
                route.send(message)

        route.on_message(from_page)
        server.on_message(from_server)


def agent_texts(conversation_id: str) -> list[str]:
    return list(
        Message.objects.filter(conversation_id=conversation_id, author_type="agent").values_list(
            "text", flat=True
        )
    )


def test_a_message_whose_answer_was_lost_is_posted_once(
    live_sandbox: LiveSandbox, receiver: Receiver, browser: Browser
) -> None:
    line = AnswerLosingLine()
    _, anna, conversation_id = accepted_behind(line, live_sandbox, receiver, browser)

    anna.get("message").fill("Only once")
    anna.get("message").press("Enter")

    anna.expect_live()
    expect(anna.timeline().locator(".msg-pending")).to_have_count(0, timeout=WAIT_MS)
    expect(anna.timeline().locator(".msg-mine .msg-text")).to_have_text(["Only once"])
    assert not line.armed
    assert orm(agent_texts, conversation_id) == ["Only once"]
    anna.close()
