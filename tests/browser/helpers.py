"""Driving the sandbox like an integration (HTTP) and the desk like an agent (a real browser)."""

import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from django.db import connections
from playwright.sync_api import Browser, Page, expect

from tests.factories import World, world_create
from tests.live import LiveSandbox
from tests.webhooks.receiver import ReceivedRequest

# Long enough for a loaded machine, short enough to fail fast.
WAIT_MS = 8000

T = TypeVar("T")


def orm(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run database code in a worker thread, away from Playwright's event loop."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = func(*args, **kwargs)
        except BaseException as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def one_agent(receiver_url: str) -> World:
    """A world whose channel notifies `receiver_url`, with one agent, Anna Berg (`agent-anna`)."""
    world = world_create(uri=receiver_url)
    world.agent(public_id="agent-anna", name="Anna Berg")
    return world


def png(width: int, height: int) -> bytes:
    """A small gradient PNG, made without an imaging library."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + x * 180 // width, 90 + y * 120 // height, 200)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class Integration:
    """The integration's side: the Chat Gateway v1 API with an API key."""

    live: LiveSandbox
    api_key: str
    tenant_id: str
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.headers.update({"x-api-key": self.api_key, "X-8x8-Tenant": self.tenant_id})

    def url(self, path: str) -> str:
        return f"{self.live.url}/chat-gateway/v1/{path}"

    def create_conversation(self, channel_id: str, user: dict[str, Any], **body: Any) -> str:
        response = self.session.post(
            self.url("conversations"), json={"channelId": channel_id, "user": user, **body}, timeout=10
        )
        assert response.status_code == 202, response.text
        return str(response.json()["conversationId"])

    def update_conversation(self, conversation_id: str, **body: Any) -> None:
        response = self.session.patch(self.url(f"conversations/{conversation_id}"), json=body, timeout=10)
        assert response.status_code == 202, response.text

    def post(self, conversation_id: str, what: str, body: dict[str, Any]) -> requests.Response:
        response = self.session.post(
            self.url(f"conversations/{conversation_id}/{what}"), json=body, timeout=10
        )
        assert response.status_code in (202, 204), response.text
        return response

    def message(self, conversation_id: str, **body: Any) -> requests.Response:
        return self.post(conversation_id, "messages", body)

    def upload(self, conversation_id: str, name: str, data: bytes, content_type: str) -> str:
        response = self.session.post(
            self.url(f"conversations/{conversation_id}/attachments"),
            files={"attachment": (name, data, content_type)},
            data={"authorType": "user"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def submit_card(self, conversation_id: str, card_id: str, name: str) -> None:
        response = self.session.put(
            f"{self.live.url}/api/v1/tenant/{self.tenant_id}/conversations/{conversation_id}/cards/{card_id}/action-submit",
            json={"name": name},
            timeout=10,
        )
        assert response.status_code == 204, response.text


class Desktop:
    """One agent's desk in its own browser context (own storage, like another browser)."""

    def __init__(
        self, browser: Browser, live: LiveSandbox, tenant_id: str, agent_id: str, **context: Any
    ) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 800}, **context)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.url = f"{live.url}/desk/{tenant_id}/{agent_id}/"

    def open(self) -> "Desktop":
        self.page.goto(self.url)
        self.expect_live()
        return self

    def expect_live(self) -> None:
        expect(self.page.locator("[data-ref=connection]")).to_have_text("Live", timeout=WAIT_MS)

    def get(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def offer(self, user_name: str) -> Any:
        return self.page.locator("[data-testid=offer]", has_text=user_name)

    def chat_item(self, user_name: str) -> Any:
        return self.page.locator("[data-testid=chat-item]", has_text=user_name)

    def timeline(self) -> Any:
        return self.get("timeline")

    def close(self) -> None:
        assert self.errors == []
        self.context.close()


def events_of(requests_: list[ReceivedRequest], conversation_id: str) -> list[dict[str, Any]]:
    return [
        body
        for body in (request.json() for request in requests_)
        if isinstance(body, dict) and body.get("conversationId") == conversation_id
    ]
