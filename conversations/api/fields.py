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

