"""Secrets masked out of recorded API calls: keys, bearer and basic credentials, link tokens.

Pure functions over text, used by the API journal (gateway_sim.control.journal) so that what
it shows can be pasted into a bug report. A masked value keeps its last four characters when
it is long enough to stay secret without them, so two keys or tokens can still be told apart.
"""

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

MASK = "****"
# Values shorter than this are masked whole: their last four characters would be most of them.
SHORTEST_WITH_TAIL = 12
# Fields of the legacy token exchange that hold a credential, in its request or answer.
SECRET_FIELDS = frozenset({"client_id", "client_secret", "password", "access_token", "refresh_token"})
# The token of a presigned attachment link: /files/{attachmentId}/{token}.
_LINK_TOKEN = re.compile(r"(/files/[^/\s\"'?#]+/)([^/\s\"'?#]+)")


def tail_masked(value: str) -> str:
    """`****` and the value's last four characters (only `****` for a short value)."""
    value = value.strip()
    return MASK + value[-4:] if len(value) >= SHORTEST_WITH_TAIL else MASK


def header_masked(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered == "x-api-key":
        return tail_masked(value)
    if lowered in ("authorization", "proxy-authorization"):
        scheme, _, credential = value.strip().partition(" ")
        if scheme.lower() == "bearer":
            return f"{scheme} {tail_masked(credential)}"
        return f"{scheme} {MASK}" if credential else MASK
    if lowered in ("cookie", "set-cookie"):
        return MASK
    return links_masked(value)


def headers_masked(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names lower-cased, credentials masked."""
    return {name.lower(): header_masked(name, value) for name, value in headers}


def links_masked(text: str) -> str:
    """Every presigned attachment link in `text` with its token masked."""
    if "/files/" not in text:
        return text
    return _LINK_TOKEN.sub(lambda match: match.group(1) + MASK, text)


def credentials_masked(body: str, content_type: str) -> str:
    """A token exchange's body (form or JSON) with the credential fields masked.

    A body in any other form is not shown at all: it may hold the credentials anywhere.
    """
    if not body:
        return body
    if "json" in content_type or body.lstrip().startswith("{"):
        try:
            document = json.loads(body)
        except ValueError:
            return MASK
        return json.dumps(_fields_masked(document), separators=(",", ":"), ensure_ascii=False)
    if "x-www-form-urlencoded" in content_type or not content_type:
        pairs = parse_qsl(body, keep_blank_values=True)
        return urlencode(
            [(name, tail_masked(value) if name in SECRET_FIELDS else value) for name, value in pairs]
        )
    return MASK


def _fields_masked(document: Any) -> Any:
    if isinstance(document, dict):
        return {
            name: tail_masked(str(value)) if name in SECRET_FIELDS else _fields_masked(value)
            for name, value in document.items()
        }
    if isinstance(document, list):
        return [_fields_masked(item) for item in document]
    return document
