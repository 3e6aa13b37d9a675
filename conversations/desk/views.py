"""The agent desktop's pages. Plumbing only: validate, call one service or selector, render."""

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from conversations.attachment_files import attachment_view
from conversations.desk import selectors
from conversations.desk.forms import AgentCreateForm, AttachmentUploadForm
from conversations.models import AgentStatus, Tenant
from conversations.services.agents import agent_create
from conversations.services.attachments import agent_attachment_create
from conversations.services.autopilot import agent_on_autopilot
from gateway_sim.domain_errors import AccessDenied, DomainError, InvalidReference, NotFound

# The desk renders text from integrations and users; this policy keeps any markup that
# slipped through inert (no inline or foreign scripts). Images may come from anywhere,
# since Adaptive Cards and attachment links point at other hosts.
DESK_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: http: https:",
        "media-src 'self' blob: http: https:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)


def _index(
    request: HttpRequest, forms: dict[str, AgentCreateForm] | None = None, status: int = 200
) -> HttpResponse:
    tenants = selectors.desk_tenants()
    forms = forms or {}
    sections = [(tenant, forms.get(tenant.pk) or AgentCreateForm(tenant=tenant)) for tenant in tenants]
    return render(request, "desk/index.html", {"sections": sections}, status=status)


@require_GET
def desk_index(request: HttpRequest) -> HttpResponse:
    """Pick an agent to play, or create one."""
    return _index(request)


@require_POST
def desk_agent_create(request: HttpRequest, tenant_id: str) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    form = AgentCreateForm(request.POST, tenant=tenant)
    if form.is_valid():
        try:
            agent = agent_create(
                tenant=tenant,
                name=form.cleaned_data["name"],
                public_id=form.cleaned_data["public_id"],
                languages=form.cleaned_data["languages"],
                queue_ids=form.cleaned_data["queues"],
                status=AgentStatus(form.cleaned_data["status"]),
            )
        except DomainError as error:
            form.add_error("public_id" if error.field == "id" else None, error.message)
        else:
            return redirect("desk-page", tenant_id=tenant.pk, agent_id=agent.public_id)
    return _index(request, {tenant.pk: form}, status=400)


@require_GET
def desk_page(request: HttpRequest, tenant_id: str, agent_id: str) -> HttpResponse:
    """The desk of one agent; everything on it arrives over the WebSocket."""
    agent = selectors.desk_agent(tenant_id, agent_id)
    if agent is None:
        raise Http404(f"Agent {agent_id} does not exist in tenant {tenant_id}.")
    config = {
        "tenantId": agent.tenant_id,
        "agentId": agent.public_id,
        "agentName": agent.name,
        "socketPath": f"/ws/desk/{agent.tenant_id}/{agent.public_id}/",
        "uploadPath": reverse(
            "desk-upload",
            kwargs={
                "tenant_id": agent.tenant_id,
                "agent_id": agent.public_id,
                "conversation_id": "CONVERSATION",
            },
        ),
        "filePath": reverse(
            "desk-file",
            kwargs={
                "tenant_id": agent.tenant_id,
                "agent_id": agent.public_id,
                "conversation_id": "CONVERSATION",
                "attachment_id": "ATTACHMENT",
            },
        ),
        "maxUploadBytes": settings.SANDBOX_MAX_ATTACHMENT_BYTES,
        "csrfToken": get_token(request),
    }
    context = {"agent": agent, "config": config, "on_autopilot": agent_on_autopilot(agent)}
    response = render(request, "desk/agent.html", context)
    response["Content-Security-Policy"] = DESK_CSP
    return response


@require_safe
def desk_file(
    request: HttpRequest, tenant_id: str, agent_id: str, conversation_id: str, attachment_id: str
) -> FileResponse:
    """A file of one of the agent's chats, for the desk to show: images inline with their real
    type (the API serves every file as `application/octet-stream`, as 8x8 does)."""
    agent = selectors.desk_agent(tenant_id, agent_id)
    if agent is None:
        raise Http404(f"Agent {agent_id} does not exist in tenant {tenant_id}.")
    attachment = selectors.desk_attachment(agent, conversation_id, attachment_id)
    if attachment is None:
        raise Http404(f"Attachment {attachment_id} is not in a chat of {agent.public_id}.")
    try:
        return attachment_view(attachment)
    except NotFound:
        raise Http404(f"The file of attachment {attachment_id} is gone.") from None


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"


# The upload answers every failure as JSON, since the desk shows its message; first match wins.
UPLOAD_ERROR_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (MethodNotAllowed, 405),
    (AccessDenied, 403),
    (DomainError, 400),
)


def _upload_error(error: DomainError) -> JsonResponse:
    status = next(code for kind, code in UPLOAD_ERROR_STATUSES if isinstance(error, kind))
    response = JsonResponse({"code": error.code, "message": error.message}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


# The CSRF check runs inside the upload view so that a refusal is JSON too (the
# middleware's refusal is an HTML page). It is the middleware's own check.
_csrf = CsrfViewMiddleware(_no_response)


def _check_upload_request(request: HttpRequest) -> None:
    if request.method != "POST":
        raise MethodNotAllowed("Uploads are sent with POST.")
    try:
        # Reading FILES parses the body here, before the CSRF check reads it, so a broken
        # body is refused as such rather than as an HTML error page.
        request.FILES  # noqa: B018
    except (MultiPartParserError, SuspiciousOperation, BadRequest, UnreadablePostError):
        raise DomainError("The upload could not be read.") from None
    if _csrf.process_view(request, _no_response, (), {}) is not None:
        raise AccessDenied("The page's security token is missing or expired; reload the desk.")


@csrf_exempt
def desk_upload(request: HttpRequest, tenant_id: str, agent_id: str, conversation_id: str) -> JsonResponse:
    """Store a file the agent attaches; the desk then sends it in a message by its id."""
    try:
        _check_upload_request(request)
        agent = selectors.desk_agent(tenant_id, agent_id)
        if agent is None:
            raise NotFound("Agent", agent_id)
        form = AttachmentUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            raise InvalidReference("Choose a file to send.", field="file")
        attachment = agent_attachment_create(
            agent=agent, conversation_id=conversation_id, upload=form.cleaned_data["file"]
        )
    except DomainError as error:
        return _upload_error(error)
    return JsonResponse(
        {
            "id": attachment.id,
            "fileName": attachment.filename,
            "type": attachment.kind,
            "contentType": attachment.content_type,
            "sizeInBytes": attachment.size_in_bytes,
        },
        status=201,
    )
