"""A tenant's bell: rung after every commit that adds events or finishes a delivery.

Waits on the control API listen to it instead of polling. A ring says only "look again";
the database is the truth, so a lost ring costs latency, never an event (a wait looks once
more at its deadline). Rings travel on the channel layer: in-process with the in-memory
layer, across processes and machines with Redis.
"""

import asyncio
from types import TracebackType

from channels.layers import get_channel_layer

from gateway_sim.broadcast import group_send_on_commit

RING = {"type": "bell.ring"}


def bell_group(tenant_id: str) -> str:
    # Channel-layer group names allow ASCII letters, digits, hyphens, underscores and periods.
    return f"bell.{tenant_id}"


def ring_on_commit(tenant_id: str) -> None:
    group_send_on_commit([bell_group(tenant_id)], RING)


class BellListener:
    """`async with BellListener(tenant_id) as bell: ... await bell.rung(timeout)`.

    Listening starts on entry, before the caller's first look at the database, so a ring
    for a commit that lands between that look and the wait is not lost.
    """

    def __init__(self, tenant_id: str) -> None:
        self.group = bell_group(tenant_id)
        self.layer = get_channel_layer()
        self.channel = ""

    async def __aenter__(self) -> "BellListener":
        if self.layer is not None:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(self.group, self.channel)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.layer is not None and self.channel:
            await self.layer.group_discard(self.group, self.channel)

    async def rung(self, timeout: float) -> bool:
        """True when the bell rang within `timeout` seconds (rings already waiting count)."""
        if self.layer is None or timeout <= 0:
            await asyncio.sleep(max(timeout, 0))
            return False
        try:
            await asyncio.wait_for(self.layer.receive(self.channel), timeout)
        except TimeoutError:
            return False
        return True
