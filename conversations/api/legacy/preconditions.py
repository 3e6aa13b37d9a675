"""`If-Match` on v2 PUTs: the entity version the client last read, as a plain number."""

from rest_framework import serializers
from rest_framework.request import Request


def if_match(request: Request) -> int | None:
    """The version named by `If-Match` (`3`, `"3"` and `W/"3"` all read as 3), None if absent."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    value = raw.removeprefix("W/").strip('"').strip()
    if not value.isdigit():
        raise serializers.ValidationError({"If-Match": ["Must be the entity version, a whole number."]})
    return int(value)


def etag(version: int) -> dict[str, str]:
    """The response header that tells the client which version it now holds."""
    return {"ETag": f'"{version}"'}
