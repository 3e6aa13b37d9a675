"""The API journal: every call to the Chat Gateway, legacy v2 and control APIs, per tenant.

`JournalMiddleware` wraps the API paths only (not pages, static files, the docs, nor the
journal's own listing, so a test reading what its integration called reads no noise). The
views resolve the caller's tenant anyway; they note it on the request
(gateway_sim.journal_tenants) and the middleware records the call for it once answered.
A call no tenant was resolved for (a missing or wrong key, an unknown tenant) is not
recorded: no tenant could list it.

The request only captures what it saw. In a server process one writer thread masks and
stores the calls in batches (gateway_sim.batch_writer): one INSERT per call in the request
cost about a quarter of the throughput of `POST …/messages` at saturation and up to half
again the server CPU per call; batched, the journal's cost is within the machine's noise
(bench/journal_cost.py). The listing flushes the queue first, so a test reads every call
its process answered before. Elsewhere (tests, commands) calls are stored at once.

Secrets are masked before anything is stored (gateway_sim.masking). Bodies are kept up to
`BODY_LIMIT` bytes; a longer one, an upload larger than that or a streamed download is cut or
left out, and the entry says so. Each tenant keeps its newest `SANDBOX_JOURNAL_KEEP` entries:
every `PRUNE_EVERY`th entry a process records for a tenant deletes the older ones in one
statement. `SANDBOX_JOURNAL=false` records nothing.
"""

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.db import close_old_connections, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from gateway_sim.batch_writer import BatchWriter
from gateway_sim.control.operations import operation_for
from gateway_sim.journal_tenants import journal_tenants
from gateway_sim.masking import credentials_masked, headers_masked, links_masked
from gateway_sim.models import ApiFamily, JournalEntry

logger = logging.getLogger("gateway_sim.journal")

BODY_LIMIT = 16 * 1024
PRUNE_EVERY = 100
TOKEN_OPERATION = "createaccesstoken"  # noqa: S105 - an operationId, not a secret
# The API paths, and the family each belongs to. The journal's own listing is left out.
_RECORDED = re.compile(
    r"^/(?:(?P<gateway>chat-gateway/|api/v1/tenant/|files/)|(?P<legacy>vcc/|oauth/)"
    r"|(?P<control>sandbox/v1/(?!requests(?:/|$))))"
)

GetResponse = Callable[[HttpRequest], HttpResponseBase]
AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


@dataclass
class _Call:
    """What is known of a call before its view runs."""

    api: str
    at: Any
    started: float
    request_body: str
    request_body_trimmed: bool


class JournalMiddleware:
    """Records the API calls; async-capable, so the event wait keeps holding no thread."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        call = _begin(request)
        response: HttpResponseBase = self.get_response(request)  # type: ignore[assignment]
        if call is not None:
            journal_record(request, response, call)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        call = _begin(request)
        response: HttpResponseBase = await self.get_response(request)  # type: ignore[misc]
        if call is not None:
            await _arecord(request, response, call)
        return response


def _begin(request: HttpRequest) -> _Call | None:
    if not settings.SANDBOX_JOURNAL:
        return None
    match = _RECORDED.match(request.path_info)
    if match is None:
        return None
    body, trimmed = _request_body(request)
    return _Call(str(match.lastgroup), timezone.now(), time.perf_counter(), body, trimmed)


def _request_body(request: HttpRequest) -> tuple[str, bool]:
    """The body as text, read before the view so that both can read it; (text, trimmed)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "", True
    if length <= 0:
        return "", False
    if length > BODY_LIMIT:
        # Not read here: the view streams it (an upload goes to disk, never whole into memory).
        return "", True
    return request.body.decode("utf-8", errors="replace"), False


def _response_body(response: HttpResponseBase) -> tuple[str, bool]:
    if response.streaming:
        return "", True
    content: bytes = response.content  # type: ignore[attr-defined]
    return content[:BODY_LIMIT].decode("utf-8", errors="replace"), len(content) > BODY_LIMIT


@dataclass
class _Captured:
    """A finished call as the request saw it; masked and stored later, by the writer."""

    tenant_ids: tuple[str, ...]
    call: _Call
    latency_ms: float
    method: str
    path: str
    query: str
    conversation_id: str
    request_headers: list[tuple[str, str]]
    request_content_type: str
    response_headers: list[tuple[str, str]]
    status: int
    response_body: str
    response_body_trimmed: bool


def _captured(request: HttpRequest, response: HttpResponseBase, call: _Call) -> _Captured | None:
    tenant_ids = journal_tenants(request)
    if not tenant_ids:
        return None
    latency_ms = round((time.perf_counter() - call.started) * 1000, 2)
    match = request.resolver_match
    body, trimmed = _response_body(response)
    return _Captured(
        tenant_ids=tenant_ids,
        call=call,
        latency_ms=latency_ms,
        method=request.method or "",
        path=request.path_info,
        query=request.META.get("QUERY_STRING", ""),
        conversation_id=str(match.kwargs.get("conversation_id", "")).strip() if match else "",
        request_headers=list(request.headers.items()),
        request_content_type=request.content_type or "",
        response_headers=list(response.items()),
        status=response.status_code,
        response_body=body,
        response_body_trimmed=trimmed,
    )


def journal_record(request: HttpRequest, response: HttpResponseBase, call: _Call) -> None:
    """Store the call for the tenant(s) its view resolved; never fails the call itself.

    In a server process the writer thread stores it (see `journal_writer_start`); elsewhere
    (tests, management commands) it is stored at once.
    """
    captured = _captured(request, response, call)
    if captured is None:
        return
    if _writer.running:
        _writer.put(captured)
    else:
        _write_now([captured])


async def _arecord(request: HttpRequest, response: HttpResponseBase, call: _Call) -> None:
    captured = _captured(request, response, call)
    if captured is None:
        return
    if _writer.running:
        _writer.put(captured)
    else:
        await sync_to_async(_write_now)([captured])


def _write_now(batch: list[_Captured]) -> None:
    try:
        journal_entries_write(batch)
    except Exception:
        logger.exception("%d call(s) could not be journaled", len(batch))


def journal_entries_write(batch: list[_Captured]) -> None:
    """Mask and store a batch of calls in one transaction, then prune where due."""
    entries = [entry for captured in batch for entry in _entries(captured)]
    with transaction.atomic():
        JournalEntry.objects.bulk_create(entries)
    for entry in entries:
        _count_insert(entry.tenant_id)


def _entries(captured: _Captured) -> list[JournalEntry]:
    call = captured.call
    operation = operation_for(call.api, captured.method, captured.path)
    request_body, response_body = call.request_body, links_masked(captured.response_body)
    if operation == TOKEN_OPERATION and call.api == ApiFamily.LEGACY:
        request_body = credentials_masked(request_body, captured.request_content_type)
        response_body = credentials_masked(response_body, "application/json")
    fields = {
        "at": call.at,
        "api": call.api,
        "method": captured.method,
        "path": links_masked(captured.path),
        "query": links_masked(captured.query),
        "operation": operation,
        "status": captured.status,
        "latency_ms": captured.latency_ms,
        "conversation_id": captured.conversation_id,
        "request_headers": headers_masked(captured.request_headers),
        "request_body": links_masked(request_body),
        "request_body_trimmed": call.request_body_trimmed,
        "response_headers": headers_masked(captured.response_headers),
        "response_body": response_body,
        "response_body_trimmed": captured.response_body_trimmed,
    }
    return [JournalEntry(tenant_id=tenant_id, **fields) for tenant_id in captured.tenant_ids]


# Off the request path: one thread per server process stores the calls in batches.
_writer: BatchWriter[_Captured] = BatchWriter(
    _write_now, name="sandbox-journal", on_exit=close_old_connections
)


def journal_writer_start() -> None:
    """Have this process store calls from a writer thread (the server does, at start-up)."""
    _writer.start()


def journal_flush() -> None:
    """Wait until the calls this process answered so far are stored (a reader sees its own)."""
    if _writer.running:
        _writer.flush()


_inserts: Counter[str] = Counter()
_inserts_lock = threading.Lock()


def _count_insert(tenant_id: str) -> None:
    with _inserts_lock:
        _inserts[tenant_id] += 1
        due = _inserts[tenant_id] % PRUNE_EVERY == 0
    if due:
        journal_prune(tenant_id=tenant_id)


def journal_prune(*, tenant_id: str, keep: int | None = None) -> int:
    """Delete all but the tenant's newest `keep` entries (SANDBOX_JOURNAL_KEEP); how many went."""
    keep = settings.SANDBOX_JOURNAL_KEEP if keep is None else keep
    entries = JournalEntry.objects.filter(tenant_id=tenant_id)
    oldest_kept = next(iter(entries.order_by("-id").values_list("id", flat=True)[keep - 1 : keep]), None)
    if oldest_kept is None:
        return 0
    deleted, _ = entries.filter(id__lt=oldest_kept).delete()
    return deleted
