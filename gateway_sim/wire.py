"""The JSON wire format 8x8 sends and signs: no whitespace, UTF-8, no ASCII escaping."""

import json
from typing import Any


def compact_json(value: Any) -> str:
    """`value` as 8x8 puts it on the wire (webhook bodies, error bodies)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
