"""Input fields the Chat Gateway and the legacy v2 API read the same way."""

from typing import Any

from django.conf import settings
from rest_framework import serializers


class MessageTextField(serializers.CharField):
    """A message's text, as sent (never trimmed), of at most `SANDBOX_MAX_MESSAGE_TEXT_LENGTH`
    characters: a sandbox choice, 8x8 documents no limit. The setting is read per request,
    not when the serializer class is built."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value: str = super().to_internal_value(data)
        limit = settings.SANDBOX_MAX_MESSAGE_TEXT_LENGTH
        if len(value) > limit:
            self.fail("max_length", max_length=limit)
        return value


# DRF's own sentence for a NUL in a CharField, used for every other place a NUL can hide.
NUL_NOT_ALLOWED = "Null characters are not allowed."
NUL_IN_NAME = "Property names may not contain null characters."


def nul_errors(value: Any) -> Any:
    """Where parsed JSON holds a NUL character, as DRF error detail (nested by key and index,
    so the message names the field), or None.

    PostgreSQL stores no NUL in text or jsonb; the APIs refuse it on every database, like
    DRF's CharField does, so a client meets the rule whichever database the sandbox runs on.
    """
    if isinstance(value, str):
        return [NUL_NOT_ALLOWED] if "\x00" in value else None
    if isinstance(value, dict):
        if any("\x00" in str(key) for key in value):
            return [NUL_IN_NAME]
        found = {key: nul_errors(item) for key, item in value.items()}
    elif isinstance(value, list):
        found = {index: nul_errors(item) for index, item in enumerate(value)}
    else:
        return None
    errors = {key: detail for key, detail in found.items() if detail is not None}
    return errors or None
