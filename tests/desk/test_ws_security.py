"""Only pages served by the sandbox itself (or clients that are not browsers) open the desk's socket."""

import importlib
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from gateway_sim.ws_security import same_origin
from tests.factories import World, world_create

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]

WAIT = 2


@pytest.fixture
def application(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox's real ASGI application, without its background workers."""
    monkeypatch.setattr("gateway_sim.runtime.start_embedded_workers", lambda: None)
    return importlib.import_module("gateway_sim.asgi").application


@pytest.fixture
async def world() -> World:
    def create() -> World:
        world = world_create()
        world.agent(public_id="agent-anna", name="Anna Berg")
        return world

    return await database_sync_to_async(create)()


async def handshake(application: Any, world: World, headers: list[tuple[bytes, bytes]]) -> bool:
    communicator = WebsocketCommunicator(
        application, f"/ws/desk/{world.tenant.id}/agent-anna/", headers=headers
    )
    connected, _ = await communicator.connect(timeout=WAIT)
    if connected:
        assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "snapshot"
        await communicator.disconnect()
    return bool(connected)


async def test_a_page_from_another_site_cannot_open_the_desk(application: Any, world: World) -> None:
    headers = [(b"host", b"127.0.0.1:8000"), (b"origin", b"https://evil.example")]

    assert await handshake(application, world, headers) is False


async def test_a_page_served_by_the_sandbox_opens_the_desk(application: Any, world: World) -> None:
    headers = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]

    assert await handshake(application, world, headers) is True


async def test_a_client_without_an_origin_opens_the_desk(application: Any, world: World) -> None:
    assert await handshake(application, world, [(b"host", b"127.0.0.1:8000")]) is True


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        ("sandbox.test", "https://sandbox.test", True),
        ("sandbox.test", "https://sandbox.test:443", True),
        ("Sandbox.Test:8000", "http://sandbox.test:8000", True),
        ("[::1]:8000", "http://[::1]:8000", True),
        ("127.0.0.1:8000", "http://127.0.0.1:8001", False),
        ("127.0.0.1:8000", "http://localhost:8000", False),
        ("sandbox.test", "null", False),
        ("sandbox.test", "file://sandbox.test", False),
        (None, "http://sandbox.test", False),
        ("sandbox.test:bad", "http://sandbox.test", False),
    ],
)
def test_same_origin_compares_host_and_port(host: str | None, origin: str, allowed: bool) -> None:
    headers = [(b"origin", origin.encode())]
    if host is not None:
        headers.append((b"host", host.encode()))

    assert same_origin({"type": "websocket", "headers": headers}) is allowed
