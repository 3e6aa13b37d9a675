"""Expiring signed links to attachment content, used as `preSignedUrl` in events.

The link needs no API key: the token signs the attachment id and expires after
`SANDBOX_ATTACHMENT_URL_TTL_SECONDS`.
"""

from django.conf import settings
from django.core import signing

_SALT = "attachment-link"


def presigned_token(attachment_id: str) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(attachment_id).split(":", 1)[1]


def presigned_url(attachment_id: str) -> str:
    token = presigned_token(attachment_id)
    return f"{settings.SANDBOX_PUBLIC_URL}/files/{attachment_id}/{token}"


def token_is_valid(attachment_id: str, token: str) -> bool:
    try:
        signing.TimestampSigner(salt=_SALT).unsign(
            f"{attachment_id}:{token}", max_age=settings.SANDBOX_ATTACHMENT_URL_TTL_SECONDS
        )
    except signing.BadSignature:
        return False
    return True
