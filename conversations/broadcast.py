"""Browser broadcasts: sent on the channel layer only after the transaction commits."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # A broadcast is a courtesy to open browsers; the database is the source of truth
        # and desktops resync on reconnect, so a layer hiccup must not fail the request.
        logger.exception("broadcast to %s failed", group)


def broadcast_on_commit(groups: list[str], kind: str, payload: dict[str, Any]) -> None:
    """Send `{"type": "desk.push", "kind": kind, "payload": payload}` to each group after commit."""
    message = {"type": "desk.push", "kind": kind, "payload": payload}

    def send_all() -> None:
        for group in groups:
            _send(group, message)

    transaction.on_commit(send_all)
