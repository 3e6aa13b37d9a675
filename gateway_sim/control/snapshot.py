"""Normalising a JSON document for snapshot tests: the same story gives the same document.

Ids become placeholders numbered per kind in order of first appearance (`<message-2>`),
every time becomes `<time>`, and the values that change with every attempt (signatures,
transmission times, latencies, reference ids, presigned URL tokens) are masked, wherever
they occur. Strings that hold JSON (delivery and attempt bodies) are parsed and normalised
too. Relative time offsets are not kept: they differ from run to run.
"""

import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

# Ids at least this long are random and replaced wherever they occur, even inside a longer
# string (a URL); shorter ones (a queue "100", an agent "agent-anna") only as a whole value
# of a field whose name says it is an id.
LONG_ID = 16
TIME = "<time>"
MASKED = {
    "x-8x8-signature": "<signature>",
    "x-8x8-transmission-time": TIME,
    "latencyms": "<latency>",
    "referenceid": "<reference-id>",
    "date": TIME,
    "timestamp": TIME,
}
JSON_TEXT_KEYS = frozenset({"body", "requestbody", "responsebody"})
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
# An attachment's presigned URL: `/files/{attachmentId}/{token}`, the token signed with the time.
PRESIGNED_TOKEN = re.compile(r"(/files/<attachment-\d+>/)[^/?#\s\"]+")


class Normaliser:
    def __init__(self, ids: Mapping[str, str]) -> None:
        self.kinds = dict(ids)
        self.placeholders: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        long_ids = sorted((i for i in ids if len(i) >= LONG_ID), key=len, reverse=True)
        self.long_ids = re.compile("|".join(map(re.escape, long_ids))) if long_ids else None

    def document(self, value: Any, key: str = "") -> Any:
        name = key.lower()
        if isinstance(value, dict):
            return {k: self.document(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(item, key) for item in value]
        if value is None or isinstance(value, bool):
            return value
        if name in MASKED:
            return MASKED[name]
        if isinstance(value, str):
            return self.text(value, name)
        return value

    def text(self, value: str, name: str) -> Any:
        if name in JSON_TEXT_KEYS and value[:1] in ("{", "["):
            try:
                return self.document(json.loads(value))
            except ValueError:
                pass
        kind = self.kinds.get(value)
        if kind is not None and (len(value) >= LONG_ID or name.endswith("id")):
            return self.placeholder(value, kind)
        if ISO_TIME.fullmatch(value) or HTTP_DATE.fullmatch(value):
            return TIME
        if self.long_ids is not None:
            value = self.long_ids.sub(lambda found: self.placeholder(found[0], self.kinds[found[0]]), value)
        return PRESIGNED_TOKEN.sub(r"\1<token>", value)

    def placeholder(self, value: str, kind: str) -> str:
        if value not in self.placeholders:
            self.counts[kind] += 1
            self.placeholders[value] = f"<{kind}-{self.counts[kind]}>"
        return self.placeholders[value]


def normalized(document: Any, ids: Mapping[str, str]) -> Any:
    """`document` with `ids` (value -> kind), times and per-attempt values replaced."""
    return Normaliser(ids).document(document)
