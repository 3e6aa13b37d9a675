"""Posting each desk message once, however often the browser sends it.

A desk that loses its connection while a message is on its way cannot know whether the
server committed it, so it sends it again after reconnecting, with the same client id.
This registry remembers, per agent and client id, the send that posted (or is posting)
it: a repeat waits for that send and is answered with its outcome instead of posting a
second copy. It lives in the server process, which serves every desk of the sandbox.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

# Enough for hours of sending; a retry comes seconds after the original.
REMEMBERED_SENDS = 5000


class SendRegistry:
    def __init__(self, limit: int = REMEMBERED_SENDS) -> None:
        self.limit = limit
        self._sends: OrderedDict[tuple[int, str], asyncio.Task[str]] = OrderedDict()

    async def once(
        self, agent_pk: int, client_id: str, send: Callable[[], Coroutine[Any, Any, str]]
    ) -> tuple[str, bool]:
        """Run `send` unless this client id was already posted; returns (message id, repeated)."""
        key = (agent_pk, client_id)
        while (earlier := self._sends.get(key)) is not None:
            try:
                return await asyncio.shield(earlier), True
            except Exception:  # noqa: S112 - its own task reported the failure
                # The earlier send failed, so nothing was posted: this one tries for itself.
                # Its failure callback has already forgotten it (callbacks run in order).
                continue
        # The send runs as its own task, shielded from this connection's cancellation: a
        # desk that drops mid-send must not leave a committed message unrecorded.
        task = asyncio.create_task(send())
        self._sends[key] = task
        task.add_done_callback(lambda done: self._forget_failed(key, done))
        self._trim()
        return await asyncio.shield(task), False

    def _forget_failed(self, key: tuple[int, str], task: asyncio.Task[str]) -> None:
        if (task.cancelled() or task.exception() is not None) and self._sends.get(key) is task:
            del self._sends[key]

    def _trim(self) -> None:
        while len(self._sends) > self.limit:
            key, oldest = next(iter(self._sends.items()))
            if not oldest.done():
                return
            del self._sends[key]
