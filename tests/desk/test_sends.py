"""The registry that posts each desk message once per client id."""

import asyncio

import pytest

from conversations.desk.sends import SendRegistry

pytestmark = pytest.mark.anyio


class Poster:
    """A send that counts its calls and, when gated, waits until the test lets it commit."""

    def __init__(self, *, gated: bool = False, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self.gate = asyncio.Event()
        if not gated:
            self.gate.set()

    async def send(self) -> str:
        self.calls += 1
        await self.gate.wait()
        if self.fail:
            raise RuntimeError("refused")
        return f"message-{self.calls}"


async def test_a_repeat_is_answered_with_the_first_sends_message() -> None:
    registry, poster = SendRegistry(), Poster()

    assert await registry.once(1, "c-1", poster.send) == ("message-1", False)
    assert await registry.once(1, "c-1", poster.send) == ("message-1", True)
    assert poster.calls == 1


async def test_client_ids_are_per_agent() -> None:
    registry, poster = SendRegistry(), Poster()

    await registry.once(1, "c-1", poster.send)

    assert await registry.once(2, "c-1", poster.send) == ("message-2", False)


async def test_a_repeat_during_the_first_send_waits_for_it() -> None:
    registry, poster = SendRegistry(), Poster(gated=True)
    first = asyncio.create_task(registry.once(1, "c-1", poster.send))
    await asyncio.sleep(0)
    repeat = asyncio.create_task(registry.once(1, "c-1", poster.send))
    await asyncio.sleep(0)

    poster.gate.set()

    assert await first == ("message-1", False)
    assert await repeat == ("message-1", True)
    assert poster.calls == 1


async def test_a_dropped_connection_does_not_stop_a_send_in_progress() -> None:
    registry, poster = SendRegistry(), Poster(gated=True)
    first = asyncio.create_task(registry.once(1, "c-1", poster.send))
    await asyncio.sleep(0)

    first.cancel()
    poster.gate.set()

    assert await registry.once(1, "c-1", poster.send) == ("message-1", True)
    assert poster.calls == 1


async def test_after_a_failed_send_a_repeat_posts_for_itself() -> None:
    registry, failing = SendRegistry(), Poster(fail=True)
    with pytest.raises(RuntimeError):
        await registry.once(1, "c-1", failing.send)

    assert await registry.once(1, "c-1", Poster().send) == ("message-1", False)


async def test_a_repeat_waiting_on_a_failed_send_posts_for_itself() -> None:
    registry, failing, working = SendRegistry(), Poster(gated=True, fail=True), Poster()
    first = asyncio.create_task(registry.once(1, "c-1", failing.send))
    await asyncio.sleep(0)
    repeat = asyncio.create_task(registry.once(1, "c-1", working.send))
    await asyncio.sleep(0)

    failing.gate.set()

    with pytest.raises(RuntimeError):
        await first
    assert await repeat == ("message-1", False)


async def test_it_forgets_the_oldest_finished_sends_beyond_its_limit() -> None:
    registry, poster = SendRegistry(limit=2), Poster()
    for client_id in ("c-1", "c-2", "c-3"):
        await registry.once(1, client_id, poster.send)

    assert await registry.once(1, "c-3", poster.send) == ("message-3", True)
    assert await registry.once(1, "c-1", poster.send) == ("message-4", False)
