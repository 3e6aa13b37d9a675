"""`…/conversations/{id}/attachments`: upload, list, metadata, content; and presigned links.

Uploads are multipart (`attachment`, `authorType`). Downloads are `application/octet-stream`
as 8x8 documents them, whatever the file (see `conversations.attachment_files`).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.gateway.base import AnyAcceptNegotiation, GatewayView, HalJsonRenderer, TimestampField
from conversations.api.gateway.selectors import attachment_get, attachments_of, conversation_get
from conversations.attachment_files import attachment_download
from conversations.attachment_links import token_is_valid
from conversations.models import Attachment, ParticipantType
from conversations.services.attachments import AttachmentTooLarge, attachment_create
from gateway_sim.body_limits import body_limit_for
from gateway_sim.domain_errors import NotFound
from gateway_sim.errors import ErrorShapes, generic_body
from gateway_sim.hal import Listing, hal_page
from gateway_sim.journal_tenants import journal_tenants_note

ATTACHMENTS = Listing(
    name="attachments",
    sort_fields={
        "id": ("id",),
        "filename": ("filename",),
        "createdAt": ("created_at",),
        "sizeInBytes": ("size_in_bytes",),
    },
    filter_fields={"id": "id", "filename": "filename"},
)


class AttachmentUploadInput(serializers.Serializer):  # type: ignore[type-arg]
    attachment = serializers.FileField(allow_empty_file=True)
    authorType = serializers.ChoiceField(
        choices=[ParticipantType.USER.value, ParticipantType.BOT.value],
        default=ParticipantType.USER.value,
        error_messages={"invalid_choice": "Invalid authorType={input}, has to be one of user, bot"},
    )


class AttachmentOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    filename = serializers.CharField()
    sizeInBytes = serializers.IntegerField(source="size_in_bytes")
    createdAt = TimestampField(source="created_at")


def _attachments(rows: list[Attachment]) -> list[dict[str, Any]]:
    return list(AttachmentOutput(rows, many=True).data)


def _refuse_oversized_body(request: Request) -> None:
    """Refuse an upload that cannot fit before reading it, from its Content-Length alone.

    Under Daphne the HTTP server has already done so (gateway_sim.http_limits); this is the
    same rule for servers that do not, such as Django's test client.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    limit = body_limit_for(request.path)
    if length > limit.max_bytes:
        raise AttachmentTooLarge(limit.refusal(length).message, field="attachment")


class AttachmentListView(GatewayView):
    parser_classes = [MultiPartParser]
    # The upload documents its 403 as a GenericExceptionPayload.
    error_shapes_by_method = {"POST": ErrorShapes(forbidden=generic_body)}

    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        return Response(hal_page(request, attachments_of(conversation), ATTACHMENTS, _attachments))

    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        _refuse_oversized_body(request)
        serializer = AttachmentUploadInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = attachment_create(
            conversation=conversation,
            author_type=serializer.validated_data["authorType"],
            upload=serializer.validated_data["attachment"],
        )
        return Response(AttachmentOutput(attachment).data)


class AttachmentDetailView(GatewayView):
    def get(self, request: Request, conversation_id: str, attachment_id: str) -> Response:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        attachment = attachment_get(conversation=conversation, attachment_id=attachment_id)
        return Response(AttachmentOutput(attachment).data)


class AttachmentContentView(GatewayView):
    def get(self, request: Request, conversation_id: str, attachment_id: str) -> FileResponse:
        conversation = conversation_get(tenant=self.tenant, conversation_id=conversation_id)
        return attachment_download(attachment_get(conversation=conversation, attachment_id=attachment_id))


class AttachmentLinkView(APIView):
    """`/files/{attachmentId}/{token}`: the `preSignedUrl` of events; the token is the credential."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    renderer_classes = [HalJsonRenderer]
    content_negotiation_class = AnyAcceptNegotiation
    metadata_class = None
    error_shapes = ErrorShapes(forbidden=generic_body, not_found=generic_body)

    @property
    def allowed_methods(self) -> list[str]:
        return [method for method in super().allowed_methods if method != "OPTIONS"]

    def get(self, request: Request, attachment_id: str, token: str) -> FileResponse:
        attachment_id = attachment_id.strip()
        if "\x00" in attachment_id or not token_is_valid(attachment_id, token.strip()):
            raise PermissionDenied("This link is not valid or has expired.")
        attachment = Attachment.objects.filter(pk=attachment_id).select_related("conversation").first()
        if attachment is None:
            raise NotFound("Attachment", attachment_id)
        journal_tenants_note(request._request, (attachment.conversation.tenant_id,))
        return attachment_download(attachment)
