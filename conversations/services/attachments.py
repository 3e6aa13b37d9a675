"""Files: uploads by the integration or the agent, stored until a message references them."""

import mimetypes
import re
import unicodedata

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from conversations.models import Agent, Attachment, Conversation, ParticipantType
from conversations.services.interactions import agent_handling_required
from gateway_sim.domain_errors import DomainError, NotFound


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"


_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")


def filename_sanitise(name: str) -> str:
    """Keep a safe, readable base name: no paths, no control characters, at most 200 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base).strip(" ._") or "file"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else base[:200]
    return base


def attachment_create(
    *, conversation: Conversation, author_type: str, upload: "UploadedFile[bytes]"
) -> Attachment:
    """Store an uploaded file. It becomes visible once a message references it."""
    limit = settings.SANDBOX_MAX_ATTACHMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise AttachmentTooLarge(
            f"Attachment {upload.name} is {upload.size} bytes; the limit is {limit} bytes.",
            field="attachment",
        )
    filename = filename_sanitise(upload.name or "file")
    content_type = upload.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    with transaction.atomic():
        attachment = Attachment(
            conversation=conversation,
            author_type=author_type,
            filename=filename,
            content_type=content_type,
            size_in_bytes=upload.size or 0,
        )
        attachment.file.save(f"{attachment.id}-{filename}", upload, save=False)
        attachment.save()
        return attachment


def agent_attachment_create(
    *, agent: Agent, conversation_id: str, upload: "UploadedFile[bytes]"
) -> Attachment:
    """A file the agent attaches to a chat they are handling; a message then sends it by id."""
    conversation = Conversation.objects.filter(pk=conversation_id.strip(), tenant_id=agent.tenant_id).first()
    if conversation is None:
        raise NotFound("Conversation", conversation_id)
    with transaction.atomic():
        agent_handling_required(conversation, agent)
    # Stored outside the check's transaction: writing a large file must not hold the lock.
    return attachment_create(conversation=conversation, author_type=ParticipantType.AGENT, upload=upload)
