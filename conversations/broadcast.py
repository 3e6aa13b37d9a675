"""Browser broadcasts: sent on the channel layer only after the transaction commits."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


async def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, message)
    except Exception:
        # A broadcast is a courtesy to open browsers; the database is the source of truth
        # and desktops resync on reconnect, so a layer hiccup must not fail the request.
        logger.exception("broadcast to %s failed", group)


async def _send_all(groups: list[str], message: dict[str, Any]) -> None:
    for group in groups:
        await _send(group, message)


def broadcast_on_commit(groups: list[str], kind: str, payload: dict[str, Any]) -> None:
    """Send `{"type": "desk.push", "kind": kind, "payload": payload}` to each group after commit.

    One hop into the event loop for all groups: each `async_to_sync` crossing costs about a
    millisecond, and this runs for every event.
    """
    message = {"type": "desk.push", "kind": kind, "payload": payload}
    transaction.on_commit(lambda: async_to_sync(_send_all)(groups, message))
