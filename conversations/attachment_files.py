"""Serving attachment content: to integrations as 8x8 does, and to the agent's desk.

8x8 answers a download with `application/octet-stream` and the file name in
`Content-Disposition`, whatever the file is; the Gateway's `…/content` and the `preSignedUrl`
links do the same. The desk shows images inline, so it has a route of its own that serves
raster images with their real type. Nothing uploaded is ever served with a type a browser
would run (no SVG, no HTML) and SecurityMiddleware adds `nosniff` to every answer.
"""

from django.core.files import File
from django.http import FileResponse
from django.utils.http import content_disposition_header

from conversations.models import Attachment
from gateway_sim.domain_errors import NotFound

OCTET_STREAM = "application/octet-stream"
# Images a browser draws without running anything; only these are ever shown inline.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif"})


def _opened(attachment: Attachment) -> File:  # type: ignore[type-arg]
    try:
        return attachment.file.open("rb")
    except OSError:
        # The row survived but the file did not (a wiped data directory).
        raise NotFound("Attachment", attachment.id) from None


def _response(attachment: Attachment, *, content_type: str, inline: bool) -> FileResponse:
    response = FileResponse(_opened(attachment), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, attachment.filename) or ""
    return response


def attachment_download(attachment: Attachment) -> FileResponse:
    """As 8x8 serves it: always `application/octet-stream`; images `inline`, others `attachment`."""
    return _response(attachment, content_type=OCTET_STREAM, inline=attachment.content_type in INLINE_TYPES)


def attachment_view(attachment: Attachment) -> FileResponse:
    """For the agent's desk: raster images inline with their real type, anything else a download."""
    if attachment.content_type in INLINE_TYPES:
        return _response(attachment, content_type=attachment.content_type, inline=True)
    return _response(attachment, content_type=OCTET_STREAM, inline=False)
