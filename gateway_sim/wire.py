"""The JSON wire format 8x8 sends and signs: no whitespace, UTF-8, no ASCII escaping."""

import json
from datetime import datetime
from typing import Any


def compact_json(value: Any) -> str:
    """`value` as 8x8 puts it on the wire (webhook bodies, error bodies)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def epoch_ms(moment: datetime) -> int:
    """A moment as 8x8's event and v2 timestamps carry it: milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)
